"""A notification as its recipient reads it, in their language: what happened, the verdict, the
one-line summary, the public link and a WhatsApp link with the message ready to forward."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import gettext as _

from factcheck.claims.models import Claim
from factcheck.claims.workflow import duplicate_root
from factcheck.notify.models import Kind, Notification
from factcheck.publish.present import present, share_link
from factcheck.publish.verdicts import verdict_label


@dataclass(frozen=True)
class Told:
    """What a notification says; ``link`` and ``whatsapp`` only once there is a fact-check."""

    notification: Notification
    title: str
    verdict: str | None
    headline: str
    summary: str
    link: str | None
    whatsapp: str | None
    note: str


@dataclass(frozen=True)
class Outcome:
    """A published claim's fact-check, ready to share in ``language``."""

    verdict: str
    headline: str
    summary: str
    link: str
    whatsapp: str


def outcome(claim: Claim, language: str | None = None) -> Outcome | None:
    """The fact-check ``claim`` ended in (its own, or the one it duplicates), with its share link
    in ``language`` (default: the page's); None until one is published."""
    claim = duplicate_root(claim)
    rebuttal = claim.rebuttal
    if rebuttal is None or rebuttal.slug is None or rebuttal.published_at is None or rebuttal.current is None:
        return None
    view = present(rebuttal)
    language = language or str(get_locale() or "en")
    return Outcome(verdict=verdict_label(view.verdict, language), headline=view.revision.headline,
                   summary=view.revision.summary or view.revision.headline, link=view.url,
                   whatsapp=share_link(view, language))


def told(notification: Notification) -> Told:
    """``notification`` in the current language (force the recipient's around it for mail)."""
    claim = notification.claim
    found = outcome(claim) if notification.kind != Kind.REJECTED else None
    if notification.kind == Kind.PUBLISHED:
        title = _("Claim #%(id)s has been fact-checked", id=claim.id)
    elif notification.kind == Kind.CORRECTED:
        title = _("The fact-check of claim #%(id)s was corrected", id=claim.id)
    else:
        title = _("Claim #%(id)s will not be fact-checked", id=claim.id)
    return Told(notification=notification, title=title, verdict=found.verdict if found else None,
                headline=found.headline if found else "", summary=found.summary if found else "",
                link=found.link if found else None, whatsapp=found.whatsapp if found else None,
                note=notification.event.note)
