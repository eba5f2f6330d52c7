"""Reference numbers: ``JL-<year>-<sequence of six digits>``, numbered from 1 each year, the year as in Beijing."""

from __future__ import annotations

from datetime import UTC, datetime

from service.rules.local_time import LOCAL_TZ


def reference_year(moment: datetime) -> int:
    """The year a request submitted at ``moment`` (aware, or naive UTC as stored) is numbered in."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(LOCAL_TZ).year


def format_reference(year: int, sequence: int) -> str:
    return f"JL-{year}-{sequence:06d}"
