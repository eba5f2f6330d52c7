"""Role-aware navigation for the base layout."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, select

from service.models import Role
from service.web.database import db

# What a blueprint registers in app.extensions["nav_badges"][badge_key(...)]: the count beside its menu item, as a
# query (None when the reader has nothing to count there), so the menu runs every count in one statement.
BadgeCounter = Callable[[], Select[int] | None]
# Beyond this a badge reads "99+" (and a counter may stop counting there).
BADGE_CAP = 99


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool
    badge: str | None = None


# (endpoint, label) per role, in menu order; a third element gives the URL's arguments (such an entry points into
# a page that another entry names, so it is never the one marked current; its count is registered under its
# badge_key).
MenuEntry = tuple[str, object] | tuple[str, object, dict[str, Any]]
MENU: dict[Role, list[MenuEntry]] = {
    # An enterprise has no hotline or company page of its own: its hotline sessions (a station head's or the
    # director's) sit on each of its requests, and its company's name and verification on its home page.
    # "Hotline" (热线会商) names both kinds; each session is called by its host's title on its own page.
    Role.ENTERPRISE: [
        ("portal.index", _l("My requests")),
        ("portal.new_request", _l("New request")),
        ("plans.ours", _l("Our service plan")),
        ("portal.index", _l("Hotline"), {"queue": "all"}),
        ("portal.index", _l("Our company"), {"_anchor": "company"}),
        ("colleagues.index", _l("Colleagues")),
        ("search.index", _l("Search")),
        ("knowledge.index", _l("Knowledge base")),
    ],
    Role.STAFF: [
        ("desk.index", _l("Desk")),
        ("desk.enterprises", _l("Enterprises")),
        ("supervision.index", _l("Supervision")),
        ("instructions.index", _l("My instructions")),
        ("hotline.index", _l("Hotline")),
        ("plans.index", _l("Service plans")),
        ("task_forces.mine", _l("My task forces")),
        ("search.index", _l("Search")),
        ("knowledge.desk", _l("Knowledge base")),
    ],
    Role.DIRECTOR: [
        ("director.dashboard_page", _l("Dashboard")),
        ("reports.monthly", _l("Monthly report")),
        ("rates.ranking", _l("Rates and ranking")),
        ("desk.index", _l("Desk")),
        ("desk.enterprises", _l("Enterprises")),
        ("director.escalated", _l("Escalated")),
        ("director.extensions", _l("Extensions to decide")),
        ("desk.index", _l("Results to review"), {"queue": "review"}),
        ("supervision.index", _l("Supervision")),
        ("instructions.index", _l("Instructions")),
        ("hotline.index", _l("Hotline")),
        ("plans.index", _l("Service plans")),
        ("plans.awaiting", _l("Plans to approve")),
        ("task_forces.mine", _l("My task forces")),
        ("search.index", _l("Search")),
        ("knowledge.desk", _l("Knowledge base")),
    ],
    Role.ADMIN: [
        ("admin.users", _l("Users")),
        ("admin.stations", _l("Stations")),
        ("admin_sla.sla_targets", _l("Service times")),
        ("admin_sla.calendar", _l("Calendar")),
        ("admin.failed_mail", _l("Failed mail")),
        ("inbound_mail.index", _l("Inbound mail")),
        ("director.dashboard_page", _l("Dashboard")),
        ("rates.ranking", _l("Rates and ranking")),
        ("canned_replies.index", _l("Canned replies")),
    ],
}
NOTIFICATIONS = ("notifications.index", _l("Notifications"))
# The user's own account, shown beside their name rather than among the daily work.
ACCOUNT: list[MenuEntry] = [
    ("auth.change_password", _l("Password")),
    ("two_factor.manage", _l("Two-step sign-in")),
    ("mail_preferences.index", _l("Email notifications")),
    ("tokens.index", _l("API tokens")),
]


def navigation(group: str = "main") -> list[NavItem]:
    """Menu items of ``group``: "main" (the role's work) or "account" (the user's own settings)."""
    if not current_user.is_authenticated:
        return []
    entries: list[MenuEntry] = ACCOUNT if group == "account" else [*MENU[current_user.role], NOTIFICATIONS]
    shown = [entry for entry in entries if entry[0] in current_app.view_functions]
    badges = _badges([badge_key(endpoint, *values) for endpoint, _, *values in shown])
    return [
        NavItem(
            str(text),
            url_for(endpoint, **(values[0] if values else {})),
            request.endpoint == endpoint and not values,
            badge_text(badges.get(badge_key(endpoint, *values))),
        )
        for endpoint, text, *values in shown
    ]


def badge_key(endpoint: str, values: dict[str, Any] | None = None) -> str:
    """What a menu item's count is registered under: its endpoint, with the arguments of an entry that points into
    a page (e.g. "desk.index?queue=review")."""
    return f"{endpoint}?{urlencode(sorted(values.items()))}" if values else endpoint


def badge_text(count: int | None) -> str | None:
    if not count:
        return None
    return f"{BADGE_CAP}+" if count > BADGE_CAP else str(count)


def _badges(keys: list[str]) -> dict[str, int]:
    """The non-zero counts beside these menu items (``badge_key``), all read in one statement."""
    registered: dict[str, BadgeCounter] = current_app.extensions.get("nav_badges", {})
    counts = {}
    for key in keys:
        counter = registered.get(key)
        query = counter() if counter else None
        if query is not None:
            counts[key] = query.scalar_subquery()
    if not counts:
        return {}
    row = db().execute(select(*counts.values())).one()
    return {key: count for key, count in zip(counts, row, strict=True) if count}


def menus() -> dict[str, list[NavItem]]:
    """The layout's menus, as a context processor: read before a page's template renders, which runs no query."""
    return {"main_menu": navigation(), "account_menu": navigation("account")}
