"""The language of the pages (English or Hindi) and the time zone they show times in.

Language: the person's own choice when logged in, else the language links at the bottom of each
page (a cookie), else the browser's. Time zone: the person's own choice, else the desk's
(``FACTCHECK_TIMEZONE``). Times are stored in UTC; templates show them with the ``localtime`` and
``localdate`` filters, which keep the UTC value in a ``<time datetime>`` element.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import get_datetime_format
from flask import Flask, g, has_request_context, request
from flask_babel import format_date, format_time, get_locale, get_timezone
from markupsafe import Markup

from factcheck.config import config_of, current_config, is_time_zone
from factcheck.extensions import babel

LOCALES = ("en", "hi")
TRANSLATIONS = "translations"  # inside the package


def _own_choice(attribute: str) -> str | None:
    """The logged-in person's own setting ``attribute`` (``locale``, ``timezone``), if any.

    Only a user Flask-Login has already loaded for this request is asked (every page loads it
    first), so that the error page of a database that is down does not query it again.
    """
    if not has_request_context():
        return None
    user = g.get("_login_user")  # where Flask-Login keeps the request's user once loaded
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    value = getattr(user, attribute, None)
    return value if isinstance(value, str) and value else None


def select_locale() -> str:
    """The person's own language when logged in, else the one chosen with the links at the
    bottom of each page, else the browser's best."""
    own = _own_choice("locale")
    if own in LOCALES:
        return own
    if not has_request_context():
        return "en"
    chosen = request.cookies.get("lang")
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or "en"


def select_timezone() -> str:
    """The person's own time zone when logged in, else the desk's (``FACTCHECK_TIMEZONE``)."""
    own = _own_choice("timezone")
    if own is not None and is_time_zone(own):
        return own
    return current_config().timezone


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def format_local_datetime(value: dt.datetime, *, seconds: bool = False) -> str:
    """``value`` (UTC) as a date and a time of day in the viewer's time zone and language:
    "May 1, 2024, 2:00 PM", "1 मई 2024, 2:00 pm" (with the seconds if asked)."""
    value = _aware(value)
    pattern = str(get_datetime_format("medium", locale=get_locale() or "en")).replace("'", "")
    return pattern.format(format_time(value, "medium" if seconds else "short"), format_date(value, "medium"))


def format_local_date(value: dt.date) -> str:
    """The day ``value`` falls on in the viewer's time zone (a datetime), in their language."""
    return format_date(_aware(value) if isinstance(value, dt.datetime) else value, "medium")


def _time_element(value: dt.date, shown: str) -> Markup:
    if isinstance(value, dt.datetime):
        utc = _aware(value).astimezone(dt.UTC)
        return Markup('<time datetime="{}" title="{}" data-zone="{}">{}</time>').format(
            utc.strftime("%Y-%m-%dT%H:%M:%SZ"), utc.strftime("%Y-%m-%d %H:%M UTC"), str(get_timezone()), shown)
    return Markup('<time datetime="{}">{}</time>').format(value.isoformat(), shown)


def localtime_filter(value: dt.datetime | None, seconds: bool = False) -> Markup:
    """``{{ when|localtime }}``: a ``<time>`` element showing ``when`` in the viewer's zone and
    language, its ``datetime`` the UTC value (``data-zone`` names the zone shown);
    ``localtime(seconds=True)`` shows the seconds too."""
    if value is None:
        return Markup("")
    if not isinstance(value, dt.datetime):
        return _time_element(value, format_local_date(value))
    return _time_element(value, format_local_datetime(value, seconds=seconds))


def localdate_filter(value: dt.date | None) -> Markup:
    """``{{ when|localdate }}``: the day only, as :func:`localtime_filter` does."""
    if value is None:
        return Markup("")
    return _time_element(value, format_local_date(value))


def init_app(app: Flask) -> None:
    """Translate the pages, show times in the viewer's zone, and tell templates the language."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", TRANSLATIONS)
    app.config["BABEL_DEFAULT_TIMEZONE"] = config_of(app).timezone
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.filters["localtime"] = localtime_filter
    app.jinja_env.filters["localdate"] = localdate_filter
    app.jinja_env.filters["language_name"] = language_name

    @app.context_processor
    def _template_globals() -> dict[str, Any]:
        return {"current_locale": str(get_locale() or "en")}


def supported_locale(code: str | None) -> str:
    """``code`` when the workbench speaks it, else English (a stored or requested language that is
    not, or no longer, translated)."""
    return code if code in LOCALES else "en"


def language_name(code: str) -> str:
    """A language's name in that language ("हिन्दी", "English"), as a reader looks for it."""
    tag = code.replace("-", "_")
    try:
        name = Locale.parse(tag).get_display_name(tag)
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:] if name else code
