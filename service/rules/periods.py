"""Calendar periods the rates are counted over (三率): a month, a quarter or a year in Asia/Shanghai, read from the
text people type (``2026-11``, ``2026-Q4``, ``2026``) and written back the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from service.errors import N_, ValidationError
from service.rules.local_time import LOCAL_TZ

PERIOD_HELP = N_("Give a month as 2026-11, a quarter as 2026-Q4 or a year as 2026.")


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


_MONTHS_IN = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}
_PATTERNS = (
    (PeriodKind.MONTH, re.compile(r"(\d{4})-(\d{1,2})")),
    (PeriodKind.QUARTER, re.compile(r"(\d{4})-?[Qq]([1-4])")),
    (PeriodKind.YEAR, re.compile(r"(\d{4})")),
)
# Far enough for any history, and the year after the last one still has a first day.
FIRST_YEAR, LAST_YEAR = 2000, 2999


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month, quarter or year in Asia/Shanghai; ``number`` is the month (1–12), the quarter (1–4) or 1."""

    year: int
    kind: PeriodKind
    number: int = 1

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2026-11``, ``2026-Q4`` or ``2026``. Raises ValidationError (field ``period``) for anything else."""
        cleaned = text.strip()
        for kind, pattern in _PATTERNS:
            match = pattern.fullmatch(cleaned)
            if match is None:
                continue
            year = int(match.group(1))
            number = int(match.group(2)) if kind != PeriodKind.YEAR else 1
            if FIRST_YEAR <= year <= LAST_YEAR and 1 <= number <= 12 // _MONTHS_IN[kind]:
                return cls(year, kind, number)
        raise ValidationError(PERIOD_HELP, fields={"period": PERIOD_HELP})

    @classmethod
    def containing(cls, moment: datetime, kind: PeriodKind = PeriodKind.MONTH) -> Period:
        """The period of ``kind`` that holds ``moment`` (read in Asia/Shanghai)."""
        day = moment.astimezone(LOCAL_TZ).date()
        return cls(day.year, kind, (day.month - 1) // _MONTHS_IN[kind] + 1)

    @property
    def first_month(self) -> int:
        return (self.number - 1) * _MONTHS_IN[self.kind] + 1

    @property
    def first_day(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def last_day(self) -> date:
        """The period's last day, inclusive."""
        return date.fromordinal(self.next().first_day.toordinal() - 1)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(), LOCAL_TZ)

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        return self.next().start

    def _shifted(self, by: int) -> Period:
        count = 12 // _MONTHS_IN[self.kind]
        index = self.year * count + self.number - 1 + by
        return Period(index // count, self.kind, index % count + 1)

    def previous(self) -> Period:
        """The period of the same kind just before (the month before, the quarter before, the year before)."""
        return self._shifted(-1)

    def next(self) -> Period:
        return self._shifted(1)

    def __str__(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.year}-{self.number:02d}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.year}-Q{self.number}"
        return str(self.year)
