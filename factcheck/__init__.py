"""Factcheck Workbench: a self-hostable fake-news claim tracker and fact-check desk.

The package is layered (checked by ``lint-imports``, see setup.cfg):

    the app          factcheck (create_app), cli, site (pages, dashboard), backup, models
    features         notify > search > publish > archive > claims > accounts
    plumbing         api, web, jobs, audit, i18n, urls, settings, db, storage, config, errors, …

A feature imports only the features below it. Where a lower one needs a higher one (claims asks
who can capture its links, show its rebuttal, find claims like it), it sends a signal that the
higher feature answers; each feature's ``init_app`` connects its part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from factcheck.config import CONFIG_KEY, PACKAGE_ROOT, Config

if TYPE_CHECKING:
    from factcheck.web import WorkbenchApp


def create_app(config: Config | None = None) -> WorkbenchApp:
    """Assemble the workbench: the only place the app is built. Reads the environment when
    ``config`` is not given; runs no migrations and starts no threads."""
    from factcheck import accounts, api, archive, claims, db, i18n, images, jobs, notify, publish, search, site, web
    from factcheck import cli as app_cli
    from factcheck.backup import cli as backup_cli
    from factcheck.extensions import csrf, limiter
    from factcheck.models import import_all_models
    from factcheck.storage import BLOBS_KEY, BlobStore

    config = config or Config.from_env()
    app = web.WorkbenchApp(
        "factcheck",
        template_folder=str(PACKAGE_ROOT / "templates"),
        static_folder=str(PACKAGE_ROOT / "static"),
        instance_path=str(config.instance_dir),
    )
    app.url_map.converters["id"] = web.IdConverter
    app.config.update(
        SECRET_KEY=config.secret_key,
        TESTING=config.testing,
        # The screenshot limit plus room for the form's other fields.
        MAX_CONTENT_LENGTH=config.screenshot_max_bytes + 256 * 1024,
        MAX_FORM_MEMORY_SIZE=1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.public_url.startswith("https://"),
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in web.protect_request, which knows about tokens
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_STORAGE_URI=config.rate_limit_storage_url,
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_ENABLED=config.extra.get("rate_limits", True),
        JSON_SORT_KEYS=False,
        BABEL_TRANSLATION_DIRECTORIES=str(PACKAGE_ROOT / "translations"),
    )
    app.config[CONFIG_KEY] = config

    import_all_models()
    db.init_app(app, config.database_url, busy_timeout=config.database_busy_timeout)
    app.extensions[BLOBS_KEY] = BlobStore(config.archive_dir / "blobs")
    queue = app.extensions[jobs.EXTENSION_KEY] = jobs.JobQueue(app, config)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    api.init_app(app)
    app_cli.register(app.cli)
    backup_cli.register(app.cli)

    # The features, lowest first: each connects its answers to the signals of those below it.
    accounts.init_app(app)
    claims.init_app(app)
    archive.init_app(app, config, queue)
    publish.init_app(app)
    images.init_app(app, config, queue)
    search.init_app(app, queue)
    notify.init_app(app, queue)
    site.init_app(app)
    return app


def close_app(app: WorkbenchApp) -> None:
    """Let go of what the app holds open: database connections, the search index's files and
    the job queue's storage (for tests and tools that make many apps in one process)."""
    from contextlib import suppress

    from factcheck import db, jobs
    from factcheck.search.service import EXTENSION_KEY as SEARCH_KEY

    db.database_of(app).dispose()
    index = app.extensions.get(SEARCH_KEY, {}).get("index")
    if index is not None:
        index.close()
    queue = app.extensions.get(jobs.EXTENSION_KEY)
    if queue is not None:
        with suppress(Exception):  # a storage that is already closed, or a Redis that went away
            queue.huey.storage.close()
