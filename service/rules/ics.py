"""iCalendar (.ics) invitations for director hotline sessions, built with the icalendar package."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Innovation Service Desk//Director hotline//ZH"


@dataclass(frozen=True)
class Invitation:
    uid: str
    start: datetime
    duration: timedelta
    summary: str
    description: str
    url: str
    organizer_email: str
    organizer_name: str
    # Bumped on every reschedule so calendar programs replace the earlier copy.
    sequence: int = 0


def build_invitation(invitation: Invitation, stamp: datetime) -> bytes:
    """One VEVENT in UTC; times must be aware. Returns the file's bytes (CRLF lines, UTF-8)."""
    if invitation.start.tzinfo is None or stamp.tzinfo is None:
        raise ValueError("invitation times must be timezone-aware")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = Event()
    start = invitation.start.astimezone(timezone.utc)
    event.add("uid", invitation.uid)
    event.add("dtstamp", stamp.astimezone(timezone.utc))
    event.add("dtstart", start)
    event.add("dtend", start + invitation.duration)
    event.add("summary", invitation.summary)
    event.add("description", invitation.description)
    event.add("url", invitation.url)
    event.add("location", invitation.url)
    event.add("sequence", invitation.sequence)
    event.add("status", "CONFIRMED")
    organizer = vCalAddress(f"mailto:{invitation.organizer_email}")
    organizer.params["cn"] = vText(invitation.organizer_name)
    event["organizer"] = organizer
    calendar.add_component(event)
    return calendar.to_ical()
