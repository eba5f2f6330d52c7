"""iCalendar (.ics) invitations for director hotline sessions, built with the icalendar package."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Innovation Service Desk//Director hotline//ZH"


@dataclass(frozen=True)
class Person:
    email: str
    name: str


@dataclass(frozen=True)
class Invitation:
    uid: str
    start: datetime
    duration: timedelta
    summary: str
    description: str
    url: str
    # The director who hosts the session, and the enterprise's contact person who takes part.
    organizer: Person
    attendee: Person | None = None
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
    start = invitation.start.astimezone(UTC)
    event.add("uid", invitation.uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", start + invitation.duration)
    event.add("summary", invitation.summary)
    event.add("description", invitation.description)
    event.add("url", invitation.url)
    event.add("location", invitation.url)
    event.add("sequence", invitation.sequence)
    event.add("status", "CONFIRMED")
    event["organizer"] = _address(invitation.organizer)
    if invitation.attendee is not None:
        attendee = _address(invitation.attendee)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee)
    calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical


def _address(person: Person) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["cn"] = vText(person.name)
    return address
