"""Alembic's head matches the models, and the database itself guards the invariants."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from factcheck import db
from factcheck.db import Base
from factcheck.migrate import alembic_config
from factcheck.models import import_all_models


def test_there_is_one_head(database_url):
    heads = ScriptDirectory.from_config(alembic_config(database_url)).get_heads()
    assert len(heads) == 1


def test_head_matches_the_models(database_url):
    import_all_models()
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert context.get_current_revision() == ScriptDirectory.from_config(
                alembic_config(database_url)).get_current_head()
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_downgrade_and_upgrade_again(tmp_path):
    from factcheck.migrate import downgrade, upgrade

    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    upgrade(url)
    downgrade(url, "base")
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        tables = {row[0] for row in connection.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))}
    engine.dispose()
    assert {"users", "claims", "events"} <= tables


def test_audit_events_cannot_be_changed_or_deleted_even_in_sql(app, make_claim):
    make_claim()
    with app.app_context():
        session = db.session()
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text("UPDATE events SET note = 'rewritten'"))
        session.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text("DELETE FROM events"))
        session.rollback()
        assert session.execute(text("SELECT count(*) FROM events")).scalar() == 1


def test_audit_events_cannot_be_changed_through_the_orm(app, make_claim):
    from sqlalchemy import select

    from factcheck.audit import Event

    make_claim()
    with app.app_context():
        event = db.session().scalars(select(Event)).one()
        event.note = "rewritten"
        with pytest.raises(PermissionError):
            db.session().flush()


def test_a_duplicate_needs_its_original_in_the_database(app, make_claim):
    claim = make_claim()
    with app.app_context():
        session = db.session()
        with pytest.raises(IntegrityError):
            session.execute(text("UPDATE claims SET status = 'duplicate' WHERE id = :id"), {"id": claim.id})
        session.rollback()
        with pytest.raises(IntegrityError):
            session.execute(text("UPDATE claims SET duplicate_of_id = id, status = 'duplicate' WHERE id = :id"),
                            {"id": claim.id})
        session.rollback()
        with pytest.raises(IntegrityError):
            session.execute(text("UPDATE claims SET status = 'lost' WHERE id = :id"), {"id": claim.id})
        session.rollback()


def test_window_keys_replace_the_chunk_keys_of_stored_prints_and_back(database_url):
    """0013 recomputes the lookup keys of every matchable print already stored (and only theirs)."""
    from factcheck.images.prints import window_keys
    from factcheck.migrate import downgrade, upgrade

    matchable, blank = 0x0123456789ABCDEF << 192 | 0xFEDCBA9876543210, 0
    downgrade(database_url, "0012_images")
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO images (id, sha256, content_type, width, height, ocr_state, "
                                    "ocr_text, created_at) VALUES (1, :sha, 'image/png', 64, 64, 'done', '', "
                                    "CURRENT_TIMESTAMP)"), {"sha": "a" * 64})
            connection.execute(text("INSERT INTO image_hashes (id, image_id, view, hash, quality) VALUES "
                                    "(1, 1, 'v2:whole', :a, 100), (2, 1, 'v2:w5-00', :b, 10)"),
                               {"a": f"{matchable:064x}", "b": f"{blank:064x}"})
            connection.execute(text("INSERT INTO image_hash_chunks (key, hash_id) VALUES (7, 1)"))
        upgrade(database_url)
        with engine.connect() as connection:
            keys = connection.execute(text("SELECT hash_id, key FROM image_hash_chunks ORDER BY key")).all()
        assert keys == sorted(((1, key) for key in window_keys(matchable)), key=lambda row: row[1])
        downgrade(database_url, "0012_images")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM image_hash_chunks WHERE hash_id = 1")).scalar() == 16
    finally:
        upgrade(database_url)
        engine.dispose()
