"""A published rebuttal as the public sees it: the page, its ClaimReview, feed entry and share data.

Everything public is built here from one :class:`FactCheckView`, so the visible page, the JSON-LD,
the feed and the API can never disagree. Every URL is absolute, on ``FACTCHECK_PUBLIC_URL``.
Its words (the verdict label, the share text) are in the fact-check's own language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import Select, func, select

from factcheck import db
from factcheck.archive.models import Snapshot
from factcheck.claims.models import Claim, Platform
from factcheck.publish.claimreview import Appearance, Correction, FactCheckDoc, claim_review
from factcheck.publish.credits import public_credit
from factcheck.publish.feeds import FeedEntry
from factcheck.publish.language import open_graph_locale, speaking
from factcheck.publish.markdown import render_published
from factcheck.publish.models import Rebuttal, Revision, RevisionSource
from factcheck.publish.sharing import open_graph_tags, share_message, whatsapp_link_for
from factcheck.publish.verdicts import Verdict, get_verdict, verdict_label
from factcheck.urls import absolute, absolute_url, site_name


@dataclass(frozen=True)
class CitedSource:
    """A cited snapshot: the original URL, its archived copy, when it was captured, its hash."""

    snapshot: Snapshot
    url: str
    archived_url: str
    captured_at: dt.datetime | None
    sha256: str | None
    is_appearance: bool  # one of the claim's own links (where the claim appeared)


@dataclass(frozen=True)
class FactCheckView:
    rebuttal: Rebuttal
    claim: Claim
    revision: Revision
    verdict: Verdict
    language: str  # the fact-check's: its page, labels and share text are in it
    verdict_label: str  # the verdict in ``language``
    url: str
    card_url: str
    body_html: Markup
    authors: list[str]
    reviewer: str | None
    published_at: dt.datetime
    updated_at: dt.datetime | None
    corrections: list[Correction]
    sources: list[CitedSource]

    @property
    def whatsapp_link(self) -> str:
        """The page's share link, its text in the fact-check's language."""
        return share_link(self, self.language)

    def open_graph(self) -> list[tuple[str, str]]:
        return open_graph_tags(
            title=self.revision.headline, description=self.revision.summary or self.revision.headline,
            url=self.url, image_url=self.card_url, site_name=site_name(),
            image_alt=f"{self.verdict_label}: {self.revision.headline}",
            locale=open_graph_locale(self.language),
            published=self.published_at, modified=self.updated_at,
        )

    def claim_review(self) -> dict[str, Any]:
        appearances = [s for s in self.sources if s.is_appearance] or self.sources
        return claim_review(FactCheckDoc(
            url=self.url,
            headline=self.revision.headline,
            summary=self.revision.summary,
            claim_text=self.claim.text or self.revision.headline,
            verdict=self.verdict.name,
            date_published=self.published_at,
            date_modified=self.updated_at,
            author_name=", ".join(self.authors) or site_name(),
            reviewer_name=self.reviewer,
            organisation_name=site_name(),
            organisation_url=absolute("/"),
            claim_author=f"Viral {Platform(self.claim.platform).label} post",
            claim_date=self.claim.created_at,
            appearances=[Appearance(url=s.url, archived_url=s.archived_url, captured_at=s.captured_at,
                                    sha256=s.sha256) for s in appearances],
            image_url=self.card_url,
            language=self.language,
            claim_language=self.claim.language,
            corrections=self.corrections,
        ))

    def feed_entry(self) -> FeedEntry:
        return FeedEntry(id=self.url, title=self.revision.headline, url=self.url,
                         summary=self.revision.summary or self.revision.headline,
                         updated=self.updated_at or self.published_at, published=self.published_at,
                         author=", ".join(self.authors) or site_name(), verdict=self.verdict.name,
                         verdict_label=self.verdict_label, language=self.language)


def share_text(view: FactCheckView, language: str) -> str:
    """The message a fact-check is shared with, its own words in ``language``: a line with the
    verdict ("फ़ैक्ट-चेक: गलत"), the summary (or the headline) as written, and the page's URL.

    The page shares it in the fact-check's language; a notification may use the reader's.
    """
    with speaking(language):
        heading = _("Fact check: %(verdict)s", verdict=verdict_label(view.verdict))
    return share_message(view.revision.summary or view.revision.headline, view.url, heading=heading)


def share_link(view: FactCheckView, language: str) -> str:
    """A ``https://wa.me/?text=`` link that opens WhatsApp with :func:`share_text` in ``language``."""
    return whatsapp_link_for(share_text(view, language))


def present(rebuttal: Rebuttal) -> FactCheckView:
    """The public view of a published rebuttal (its current revision: corrections are live)."""
    if rebuttal.slug is None or rebuttal.published_at is None or rebuttal.current is None:
        raise ValueError("only published rebuttals have a public view")
    revision = rebuttal.current
    claim = rebuttal.claim
    own_sources = {source.id for source in claim.sources}
    sources = [
        CitedSource(
            snapshot=snapshot,
            url=snapshot.url,
            archived_url=absolute_url("archive.show", snapshot_id=snapshot.id),
            captured_at=snapshot.fetched_at,
            sha256=snapshot.sha256,
            is_appearance=snapshot.source_id in own_sources,
        )
        for snapshot in revision.snapshots
    ]
    authors, reviewer = public_credit(rebuttal)
    corrections = [Correction(date=r.created_at, note=r.correction_note) for r in rebuttal.revisions
                   if r.correction_note]
    verdict = get_verdict(revision.verdict or "")
    return FactCheckView(
        rebuttal=rebuttal,
        claim=claim,
        revision=revision,
        verdict=verdict,
        language=rebuttal.language,
        verdict_label=verdict_label(verdict, rebuttal.language),
        url=absolute_url("publish.factcheck", slug=rebuttal.slug),
        card_url=absolute_url("publish.card", slug=rebuttal.slug),
        body_html=render_published(revision.body),
        authors=authors,
        reviewer=reviewer,
        published_at=rebuttal.published_at,
        updated_at=corrections[-1].date if corrections else None,
        corrections=corrections,
        sources=sources,
    )


def published_query(verdict: str | None = None) -> Select[Rebuttal]:
    """Published rebuttals, newest first; optionally with one verdict (of the current revision)."""
    query = select(Rebuttal).where(Rebuttal.published_at.is_not(None))
    if verdict:
        latest = (select(Revision.rebuttal_id, func.max(Revision.number).label("number"))
                  .group_by(Revision.rebuttal_id).subquery())
        query = (query.join(latest, latest.c.rebuttal_id == Rebuttal.id)
                 .join(Revision, (Revision.rebuttal_id == Rebuttal.id) & (Revision.number == latest.c.number))
                 .where(Revision.verdict == verdict))
    return query.order_by(Rebuttal.published_at.desc(), Rebuttal.id.desc())


def published_page(verdict: str | None, page: int, per_page: int) -> tuple[list[FactCheckView], int]:
    session = db.session()
    query = published_query(verdict)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rebuttals = session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return [present(r) for r in rebuttals], total


def find_published(slug: str) -> Rebuttal | None:
    return db.session().scalar(select(Rebuttal).where(Rebuttal.slug == slug, Rebuttal.published_at.is_not(None)))


def is_cited_publicly(snapshot_id: int) -> bool:
    """Whether a published fact-check's current revision cites the snapshot (so anyone may see it)."""
    latest = (select(Revision.rebuttal_id, func.max(Revision.number).label("number"))
              .group_by(Revision.rebuttal_id).subquery())
    query = (select(func.count()).select_from(RevisionSource)
             .join(Revision, Revision.id == RevisionSource.revision_id)
             .join(latest, (latest.c.rebuttal_id == Revision.rebuttal_id) & (latest.c.number == Revision.number))
             .join(Rebuttal, Rebuttal.id == Revision.rebuttal_id)
             .where(RevisionSource.snapshot_id == snapshot_id, Rebuttal.published_at.is_not(None)))
    return bool(db.session().scalar(query))


def cited_by_claims(snapshot_id: int) -> list[int]:
    """The claims whose rebuttals (any revision) cite the snapshot."""
    return list(db.session().scalars(
        select(Rebuttal.claim_id).join(Revision, Revision.rebuttal_id == Rebuttal.id)
        .join(RevisionSource, RevisionSource.revision_id == Revision.id)
        .where(RevisionSource.snapshot_id == snapshot_id).distinct()))
