"""Each person's own settings: the language of the pages, their time zone, and whether they want
e-mail notifications. Operations flush; the caller commits."""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass

from flask_babel import gettext as _

from factcheck import db
from factcheck.accounts.models import Role, User
from factcheck.audit import record_event
from factcheck.config import is_time_zone
from factcheck.errors import NotFound, ValidationError
from factcheck.i18n import LOCALES

# Offered first, before every other zone: where the desk's people mostly are.
COMMON_TIME_ZONES = ("Asia/Kolkata", "Asia/Dhaka", "Asia/Karachi", "Asia/Kathmandu", "Asia/Colombo",
                     "Asia/Dubai", "Asia/Singapore", "Europe/London", "America/New_York", "UTC")


@dataclass(frozen=True)
class Preferences:
    """A person's choices; None means "as the browser says" (language) or "the desk's" (zone)."""

    locale: str | None = None
    timezone: str | None = None
    notify_by_email: bool = False


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    """Every zone offered, by name: the system's IANA region/city names (not the Etc/ offsets or
    the old aliases without a region), known to Babel too."""
    names = (name for name in zoneinfo.available_timezones()
             if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/")))
    return tuple(sorted(name for name in names if is_time_zone(name)))


def other_time_zones() -> tuple[str, ...]:
    """The zones offered after :data:`COMMON_TIME_ZONES`."""
    common = set(COMMON_TIME_ZONES)
    return tuple(name for name in time_zone_names() if name not in common)


def set_preferences(actor: User, user: User, preferences: Preferences) -> None:
    """Save ``user``'s own settings (a person sets their own; staff may set anyone's)."""
    if actor.id != user.id and not actor.has_role(Role.STAFF):
        raise NotFound(_("No such user."))
    errors: dict[str, str] = {}
    if preferences.locale is not None and preferences.locale not in LOCALES:
        errors["locale"] = _("Choose one of the languages in the list.")
    if preferences.timezone is not None and not is_time_zone(preferences.timezone):
        errors["timezone"] = _("Choose a time zone from the list.")
    if errors:
        raise ValidationError(errors)
    changed = {name: getattr(preferences, name) for name in ("locale", "timezone", "notify_by_email")
               if getattr(user, name) != getattr(preferences, name)}
    if not changed:
        return
    for name, value in changed.items():
        setattr(user, name, value)
    db.session().flush()
    record_event("preferences_changed", actor=actor, user_id=user.id, **changed)
