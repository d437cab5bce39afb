"""What every feature's commands share: a refusal turned into a plain message and exit status 1."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from factcheck.errors import ValidationError, WorkbenchError

T = TypeVar("T")


def fail(action: Callable[[], T]) -> T:
    """Run ``action``; a :class:`WorkbenchError` it raises becomes a ClickException (no traceback)."""
    try:
        return action()
    except ValidationError as error:
        raise click.ClickException("; ".join(f"{k}: {v}" for k, v in error.fields.items())) from None
    except WorkbenchError as error:
        raise click.ClickException(error.message) from None
