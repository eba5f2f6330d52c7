"""Small pieces every blueprint shares: the role gate, station choices, error flashing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from babel.lists import format_list
from flask import abort, flash
from flask_babel import get_locale, gettext
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from service.errors import DomainError, NotFound
from service.models import HotlineSession, ServicePlan, ServiceRequest, Station, User
from service.rules import machines, policy
from service.rules.policy import PolicyAction
from service.store import reference
from service.web.database import db
from service.web.labels import domain_message

F = TypeVar("F", bound=Callable[..., Any])


def can(subject: ServiceRequest | ServicePlan | HotlineSession, action: str) -> bool:
    """For templates: may the signed-in user take ``action`` on ``subject`` now (``rules.machines.can``)?"""
    return current_user.is_authenticated and machines.can(actor(), subject, action)


def require(action: PolicyAction) -> Callable[[F], F]:
    """Coarse role gate for a view: sign-in first, then 403 for roles the policy does not admit."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not policy.may(actor(), action):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)  # wraps() keeps the view's name and signature

    return decorate


def actor() -> User:
    user: User = current_user._get_current_object()
    return user


def word_list(items: Iterable[str]) -> str:
    """Items joined the reader's way: "A, B and C", or "A、B和C"."""
    return format_list(list(items), locale=get_locale())


def station_name(station: Station | reference.StationInfo | None) -> str:
    return station.name_for(str(get_locale())) if station else "—"


def hotline_name(subject: HotlineSession | ServiceRequest) -> str:
    """站长热线 when a sub-station's head hosts the session, 局长热线 when the provincial (hub) director does.

    The host's station is the session director's; before a director is named (or for a request without
    a session yet) it is the request's station, whose head would host it.
    """
    if isinstance(subject, HotlineSession):
        station_id = subject.director.station_id if subject.director else subject.request.station_id
    else:
        station_id = subject.station_id
    hub = next((s.is_hub for s in reference.stations(db()) if s.id == station_id), True)
    return gettext("Director hotline") if hub else gettext("Station head hotline")


def station_choices(include_hub: bool = True) -> list[SelectChoice]:
    """Active stations, the hub first, from the process's snapshot (a station added shows within a minute)."""
    return [
        SelectChoice(s.id, station_name(s))
        for s in reference.stations(db())
        if s.active and (include_hub or not s.is_hub)
    ]


def flash_domain_error(error: DomainError) -> None:
    """A refusal as a flash message; NotFound instead goes on to the one not-found page."""
    if isinstance(error, NotFound):
        raise error
    flash(domain_message(error), "error")


def safe_next(target: str | None) -> str | None:
    """Only same-site paths may be followed after sign-in (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
