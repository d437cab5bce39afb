"""The audit trail: append-only events (who, when, from, to, note), never updated or deleted.

The database enforces the append-only rule with triggers (see the first migration); the model
refuses updates and deletes before they reach it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from factcheck import db
from factcheck.db import Base, utcnow

if TYPE_CHECKING:  # accounts builds on the audit trail, not the other way
    from factcheck.accounts.models import User


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_claim_id_id", "claim_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "actor": self.actor.display_name if self.actor else None,
            "actor_id": self.actor_id,
            "from": self.from_status,
            "to": self.to_status,
            "note": self.note,
            "data": self.data,
            "at": self.created_at.isoformat(),
        }


def record_event(
    kind: str,
    *,
    actor: User | None,
    claim_id: int | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str = "",
    **data: Any,
) -> Event:
    """Add one audit event to the current transaction."""
    entry = Event(
        kind=kind,
        actor=actor,
        claim_id=claim_id,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data,
    )
    db.session().add(entry)
    return entry


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_events(session: Session, _context: Any, _instances: Any) -> None:
    for instance in (*session.dirty, *session.deleted):
        if isinstance(instance, Event) and (instance in session.deleted or session.is_modified(instance)):
            raise PermissionError("audit events are append-only")


APPEND_ONLY_SQL = {
    "sqlite": [
        "CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
        "CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$",
        "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
        "FOR EACH ROW EXECUTE FUNCTION events_append_only()",
    ],
}
