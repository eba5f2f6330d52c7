"""Reference data that nearly every page reads: the stations and the working calendar, kept per process.

Both change rarely: the calendar through the admin's operations, which call ``forget()`` after their commit
so that this worker shows the change at once; the stations only through the seed or a restore (CLI). Each
process keeps a snapshot for TTL_SECONDS, so any change shows in every worker within a minute.

For read views only. Writes that compute due times call ``settings.service_times``, which checks on their
own transaction that what it keeps is current; the snapshots are plain frozen values, never ORM instances,
which would belong to one request's session.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Station
from service.rules.sla_calendar import WorkingCalendar
from service.store.settings import DeskSettings, forget_service_times, service_times

TTL_SECONDS = 60.0

T = TypeVar("T")
# key -> (when it was read, by time.monotonic(), the value)
_snapshots: dict[Hashable, tuple[float, object]] = {}


@dataclass(frozen=True)
class StationInfo:
    """A station as the pages show it; ``name_for`` reads like Station's, so helpers take either."""

    id: int
    code: str
    name_zh: str
    name_en: str
    region: str
    is_hub: bool
    active: bool

    def name_for(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh


def _kept(key: Hashable, load: Callable[[], T]) -> T:
    now = time.monotonic()
    found = _snapshots.get(key)
    if found is not None and now - found[0] < TTL_SECONDS:
        return cast(T, found[1])
    value = load()
    _snapshots[key] = (now, value)
    return value


def stations(session: Session) -> tuple[StationInfo, ...]:
    """Every station, active or not: the hub first, then by id."""

    def load() -> tuple[StationInfo, ...]:
        rows = session.execute(
            select(
                Station.id,
                Station.code,
                Station.name_zh,
                Station.name_en,
                Station.region,
                Station.is_hub,
                Station.active,
            ).order_by(Station.is_hub.desc(), Station.id)
        )
        return tuple(StationInfo(*row) for row in rows)

    return _kept("stations", load)


def working_calendar(session: Session, settings: DeskSettings) -> WorkingCalendar:
    """The working calendar for SLA badges, from the process's one copy of the service times (a
    WorkingCalendar is immutable, so one can be shared)."""
    return service_times(session, settings, trust_for=TTL_SECONDS).calendar


def forget() -> None:
    """Drop this process's snapshots: the stations or the calendar have just changed (or a test ends)."""
    _snapshots.clear()
    forget_service_times()
