"""Following claims and telling people what became of them: operations that flush.

When a claim is published, rejected or corrected, :func:`notify` writes one
:class:`~factcheck.notify.models.Notification` per person to tell (its filer, the filers of every
claim marked its duplicate, and whoever follows any of them), in the transaction that made the
change. For those who asked for e-mail (and when an SMTP server is configured) it queues one
message each; the mail job sends them after commit, each once (:mod:`factcheck.mail`).
"""

from __future__ import annotations

from sqlalchemy import func, or_, select, update

from factcheck import db, mail
from factcheck.accounts.models import User
from factcheck.audit import Event
from factcheck.claims.models import Claim, Status
from factcheck.jobs import get_queue
from factcheck.mail import OutgoingMail
from factcheck.notify.models import Follow, Kind, Notification

SEND_JOB = "notify.send_mail"  # one message (the sweeper queues this one again)
SEND_BATCH_JOB = "notify.send_mails"  # the messages of one event, after its commit


def claim_family(claim: Claim) -> list[int]:
    """The ids of ``claim`` and of every claim marked its duplicate (chains followed)."""
    session = db.session()
    family = [claim.id]
    frontier = [claim.id]
    while frontier:
        found = [i for i in session.scalars(select(Claim.id).where(Claim.duplicate_of_id.in_(frontier)))
                 if i not in family]
        family.extend(found)
        frontier = found
    return family


def recipients(claim_ids: list[int]) -> list[User]:
    """Everyone to tell about these claims: their filers and followers (people, not system
    accounts), each once, in id order."""
    session = db.session()
    filers = select(Claim.submitted_by_id).where(Claim.id.in_(claim_ids))
    followers = select(Follow.user_id).where(Follow.claim_id.in_(claim_ids))
    return list(session.scalars(
        select(User).where(or_(User.id.in_(filers), User.id.in_(followers)), User.is_system.is_(False))
        .order_by(User.id)))


def notify(claim: Claim, kind: Kind, event: Event, actor: User | None, *, told: list[int] | None = None) -> int:
    """Tell everyone concerned that ``claim`` was ``kind`` (the ``event`` that did it); return how
    many people were told now. Who already was, for this event, is not told again; the one who
    did it is not told at all.

    ``told`` narrows it to the family of those claims (a new duplicate of a fact-check already
    published: only its own filer and followers). The rows are written in a few flushes however
    many people there are, and their e-mails leave in one job queued after commit.
    """
    session = db.session()
    done = set(session.scalars(select(Notification.user_id).where(Notification.event_id == event.id)))
    people = [person for person in recipients(told if told is not None else claim_family(claim))
              if person.id not in done and (actor is None or person.id != actor.id)]
    if not people:
        return 0
    rows = [Notification(user_id=person.id, claim_id=claim.id, event_id=event.id, kind=kind.value)
            for person in people]
    session.add_all(rows)
    session.flush()
    if mail.mail_enabled():
        mailed = [(row, person) for row, person in zip(rows, people, strict=True)
                  if person.notify_by_email and person.active]
        # mail.queue_mail's rows, written together rather than one flush each.
        messages = [OutgoingMail(key=f"notify:{row.id}", recipient=person.email, job=SEND_JOB)
                    for row, person in mailed]
        session.add_all(messages)
        session.flush()
        for (row, _person), message in zip(mailed, messages, strict=True):
            row.mail_id = message.id
        session.flush()
        if messages:
            get_queue().enqueue_after_commit(SEND_BATCH_JOB, [message.id for message in messages])
    return len(rows)


def on_claim_moved(claim: Claim, *, actor: User, event: Event, **_: object) -> None:
    """Tell people when a claim is published or rejected, and when a claim is marked a duplicate
    of one already published (its filer gets the fact-check at once)."""
    if event.to_status == Status.PUBLISHED:
        notify(claim, Kind.PUBLISHED, event, actor)
    elif event.to_status == Status.REJECTED:
        notify(claim, Kind.REJECTED, event, actor)
    elif event.to_status == Status.DUPLICATE and claim.duplicate_of is not None \
            and claim.duplicate_of.status == Status.PUBLISHED:
        notify(claim.duplicate_of, Kind.PUBLISHED, event, actor, told=claim_family(claim))


def on_corrected(claim: Claim, *, actor: User, event: Event, **_: object) -> None:
    """Tell people when a published fact-check is corrected."""
    notify(claim, Kind.CORRECTED, event, actor)


# -- following ----------------------------------------------------------------------------------


def is_following(user: User, claim: Claim) -> bool:
    """Whether ``user`` pressed "follow" on ``claim``."""
    return db.session().get(Follow, (user.id, claim.id)) is not None


def follow(user: User, claim: Claim) -> bool:
    """Follow ``claim`` (the caller checked that ``user`` may see it); False if already done."""
    session = db.session()
    if is_following(user, claim):
        return False
    session.add(Follow(user_id=user.id, claim_id=claim.id))
    session.flush()
    return True


def unfollow(user: User, claim: Claim) -> bool:
    """Stop following ``claim``; False if ``user`` was not following it."""
    session = db.session()
    row = session.get(Follow, (user.id, claim.id))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


# -- the inbox ----------------------------------------------------------------------------------


def unread_count(user: User) -> int:
    """How many of ``user``'s notifications are unread."""
    return db.session().scalar(select(func.count()).select_from(Notification)
                               .where(Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def inbox(user: User, *, page: int = 1, per_page: int = 25) -> tuple[list[Notification], int]:
    """``user``'s notifications, newest first, and how many there are."""
    session = db.session()
    total = session.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == user.id))
    rows = session.scalars(select(Notification).where(Notification.user_id == user.id)
                           .order_by(Notification.id.desc()).limit(per_page).offset((page - 1) * per_page))
    return list(rows), total or 0


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one of ``user``'s notifications read (all of them without an id); return how many
    changed."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = db.session().execute(query.values(read_at=db.utcnow()).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
