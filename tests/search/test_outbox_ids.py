"""The search outbox never hands out an id twice, also once it has been emptied: a sync deletes
the requests it read by id, so a reused id would delete a newer request that was never indexed."""

from __future__ import annotations

from sqlalchemy import delete, select

from factcheck import db
from factcheck.search.models import IndexRequest


def test_an_emptied_outbox_does_not_reuse_ids(app):
    with app.app_context():
        session = db.session()
        first = IndexRequest(kind="claim", row_id=1)
        session.add(first)
        db.commit()
        drained = first.id
        session.execute(delete(IndexRequest))
        db.commit()
        session.add(IndexRequest(kind="claim", row_id=2))
        db.commit()
        assert min(session.scalars(select(IndexRequest.id))) > drained
