"""Alembic, driven from code: ``factcheck init-db`` upgrades to head; tests compare head with the models."""

from __future__ import annotations

from alembic import command
from alembic.config import Config as AlembicConfig

from factcheck.config import PACKAGE_ROOT

MIGRATIONS_DIR = PACKAGE_ROOT / "migrations"


def alembic_config(database_url: str) -> AlembicConfig:
    """An Alembic configuration for ``database_url`` using the project's ``migrations/``."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would read a "%" in a password as a placeholder.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Upgrade the database at ``database_url`` to ``revision``."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)
