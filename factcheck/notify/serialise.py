"""The API's view of notifications."""

from __future__ import annotations

from typing import Any

from factcheck.notify.models import Notification
from factcheck.notify.present import told


def notification_as_dict(row: Notification) -> dict[str, Any]:
    """The API's view of a notification, in the caller's language."""
    item = told(row)
    return {"id": row.id, "kind": row.kind, "claim_id": row.claim_id, "title": item.title,
            "verdict": item.verdict, "headline": item.headline, "summary": item.summary,
            "fact_check": item.link, "whatsapp": item.whatsapp, "note": item.note,
            "created_at": row.created_at.isoformat(), "read": row.read_at is not None}
