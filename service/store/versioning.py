"""Versioned edits: the version the editor read must still be the row's, else StaleVersion (shown as "someone
changed this meanwhile"). Checked when the row is loaded, and again by the UPDATE itself (the mapper's
version counter), which catches a writer that committed in between."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm.exc import StaleDataError

from service.errors import N_, StaleVersion

STALE = N_("Someone else changed this record meanwhile. Reload the page and try again.")


def check_version(current: int, expected: int | None, message: str = STALE) -> None:
    """``expected`` None skips the check (the caller holds no version, e.g. the SLA sweep)."""
    if expected is not None and current != expected:
        raise StaleVersion(message)


@contextmanager
def stale_is_conflict(message: str = STALE) -> Iterator[None]:
    """A concurrent writer that committed first makes the UPDATE's version check fail: the same answer."""
    try:
        yield
    except StaleDataError:
        raise StaleVersion(message) from None
