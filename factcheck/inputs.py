"""The one rule for text that users send, whatever the path: forms, multipart fields, JSON, the
command line.

Text may hold any Unicode character a person can type, tab and line breaks included; it may not
hold NUL, the other C0 and C1 control characters, or lone surrogates. PostgreSQL refuses NUL in
text (a 500 before this rule), XML feeds cannot carry the controls, and none of them is ever part
of a real post. Refusing (not silently dropping) says plainly what was wrong.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext

_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_PROBLEM = lazy_gettext("must not contain control characters (such as NUL)")


def text_problem(value: str) -> str | None:
    """What is wrong with ``value`` under the rule, or None when it is acceptable."""
    match = _REFUSED.search(value)
    if match is None:
        return None
    if "\ud800" <= match.group() <= "\udfff":
        return _("must be valid Unicode text")
    return str(CONTROL_PROBLEM)


def strip_refused(value: str) -> str:
    """``value`` with refused characters turned into spaces (only for search text, never stored)."""
    return _REFUSED.sub(" ", value)
