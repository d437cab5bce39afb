"""Factcheck Workbench: a self-hostable fake-news claim tracker and fact-check desk."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import request
from flask_babel import get_locale

from factcheck.config import PROJECT_ROOT, Config

if TYPE_CHECKING:
    from factcheck.web import WorkbenchApp

LOCALES = ("en", "hi")


def create_app(config: Config | None = None) -> WorkbenchApp:
    """Assemble the workbench: the only place the app is built. Reads the environment when
    ``config`` is not given; runs no migrations and starts no threads."""
    from factcheck import api, db, jobs, web
    from factcheck.accounts.views import bp as accounts_bp
    from factcheck.archive import api as archive_api  # noqa: F401 - registers its API routes
    from factcheck.archive import tasks as archive_tasks
    from factcheck.archive.capture import Archive
    from factcheck.archive.views import bp as archive_bp
    from factcheck.claims import api as claims_api  # noqa: F401 - registers its API routes
    from factcheck.claims.views import bp as claims_bp
    from factcheck.dashboard import bp as dashboard_bp
    from factcheck.extensions import babel, csrf, limiter
    from factcheck.pages import bp as pages_bp
    from factcheck.publish import api as publish_api  # noqa: F401 - registers its API routes
    from factcheck.publish.views import bp as publish_bp
    from factcheck.search import service as search_service
    from factcheck.search.views import bp as search_bp

    config = config or Config.from_env()
    app = web.WorkbenchApp(
        "factcheck",
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(config.instance_dir),
    )
    app.url_map.converters["id"] = web.IdConverter
    app.config.update(
        FACTCHECK=config,
        SECRET_KEY=config.secret_key,
        TESTING=config.testing,
        # The screenshot limit plus room for the form's other fields.
        MAX_CONTENT_LENGTH=config.screenshot_max_bytes + 256 * 1024,
        MAX_FORM_MEMORY_SIZE=1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.public_url.startswith("https://"),
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in web.protect_csrf, which knows about tokens
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_STORAGE_URI=config.rate_limit_storage_url,
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_ENABLED=config.extra.get("rate_limits", True),
        JSON_SORT_KEYS=False,
        BABEL_TRANSLATION_DIRECTORIES=str(PROJECT_ROOT / "factcheck" / "translations"),
    )

    db.init_app(app, config.database_url)
    archive = app.extensions["factcheck.archive"] = Archive.at(config.archive_dir)
    queue = app.extensions[jobs.EXTENSION_KEY] = jobs.JobQueue(app, config)
    archive_tasks.register(queue, config, archive)
    search_service.init_app(app, queue)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    web.init_app(app)
    api.init_app(app)
    app.register_blueprint(pages_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(claims_bp)
    app.register_blueprint(archive_bp)
    app.register_blueprint(publish_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(search_bp)

    @app.context_processor
    def _template_globals() -> dict[str, object]:
        return {"current_locale": str(get_locale() or "en")}

    from factcheck.cli import register_commands

    register_commands(app)
    return app


def _select_locale() -> str | None:
    chosen = request.cookies.get("lang")
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or "en"

