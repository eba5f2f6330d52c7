"""The desk's settings as plain values, so that operations never reach for Flask's config."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import CalendarDay
from service.rules.sla_calendar import WorkingCalendar


@dataclass(frozen=True)
class DeskSettings:
    upload_folder: str
    max_attachment_bytes: int = 20 * 1024 * 1024
    max_attachments: int = 5
    working_hours: str = "09:00-12:00,13:00-17:00"
    reopen_window_days: int = 14
    auto_close_days: int = 7
    meeting_url_template: str = "https://meet.example.gov.cn/hotline/{reference}-{token}"

    @classmethod
    def from_config(cls, mapping: Mapping[str, Any]) -> DeskSettings:
        """Read the Flask config keys (see config.py); missing optional keys keep their defaults."""
        keys = {
            "max_attachment_bytes": "MAX_ATTACHMENT_BYTES",
            "max_attachments": "MAX_ATTACHMENTS_PER_MESSAGE",
            "working_hours": "SLA_WORKING_HOURS",
            "reopen_window_days": "REOPEN_WINDOW_DAYS",
            "auto_close_days": "AUTO_CLOSE_DAYS",
            "meeting_url_template": "MEETING_URL_TEMPLATE",
        }
        values = {field: mapping[key] for field, key in keys.items() if mapping.get(key) is not None}
        return cls(upload_folder=str(mapping["UPLOAD_FOLDER"]), **values)


_CALENDAR_DAYS = select(CalendarDay.day, CalendarDay.is_working_day)


def load_calendar(session: Session, settings: DeskSettings) -> WorkingCalendar:
    """The working calendar: the configured hours, with the CalendarDay rows as exceptions."""
    rows = session.execute(_CALENDAR_DAYS).all()
    return WorkingCalendar.from_setting(settings.working_hours, {day: working for day, working in rows})
