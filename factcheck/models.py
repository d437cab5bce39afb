"""One import that loads every feature's models, for Alembic and ``create_all``."""

from __future__ import annotations


def import_all_models() -> None:
    """Import each feature's models so their tables join the shared metadata."""
    import factcheck.accounts.models  # noqa: F401
    import factcheck.archive.models  # noqa: F401
    import factcheck.audit  # noqa: F401
    import factcheck.claims.models  # noqa: F401
    import factcheck.images.models  # noqa: F401
    import factcheck.notify.models  # noqa: F401
    import factcheck.publish.models  # noqa: F401
    import factcheck.search.models  # noqa: F401
    import factcheck.settings  # noqa: F401
