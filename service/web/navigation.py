"""Role-aware navigation for the base layout."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from service.models import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool
    badge: int | None = None


# (endpoint, label) per role, in menu order.
MENU: dict[Role, list[tuple[str, object]]] = {
    Role.ENTERPRISE: [("portal.index", _l("My requests")), ("portal.new_request", _l("New request")),
                      ("plans.ours", _l("Our service plan")), ("search.index", _l("Search"))],
    Role.STAFF: [("desk.index", _l("Desk")), ("desk.enterprises", _l("Enterprises")),
                 ("instructions.index", _l("My instructions")), ("hotline.index", _l("Director hotline")),
                 ("plans.index", _l("Service plans")), ("task_forces.mine", _l("My task forces")),
                 ("search.index", _l("Search"))],
    Role.DIRECTOR: [("director.dashboard_page", _l("Dashboard")), ("desk.index", _l("Desk")),
                    ("desk.enterprises", _l("Enterprises")), ("director.escalated", _l("Escalated")),
                    ("instructions.index", _l("Instructions")), ("hotline.index", _l("Director hotline")),
                    ("plans.index", _l("Service plans")), ("task_forces.mine", _l("My task forces")),
                    ("search.index", _l("Search"))],
    Role.ADMIN: [("admin.users", _l("Users")), ("admin.stations", _l("Stations")),
                 ("admin_sla.sla_targets", _l("Service times")), ("admin_sla.calendar", _l("Calendar")),
                 ("director.dashboard_page", _l("Dashboard"))],
}
NOTIFICATIONS = ("notifications.index", _l("Notifications"))
# The user's own account, shown beside their name rather than among the daily work.
ACCOUNT: list[tuple[str, object]] = [("auth.change_password", _l("Password")),
                                     ("two_factor.manage", _l("Two-step sign-in")),
                                     ("tokens.index", _l("API tokens"))]


def navigation(group: str = "main") -> list[NavItem]:
    """Menu items of ``group``: "main" (the role's work) or "account" (the user's own settings)."""
    if not current_user.is_authenticated:
        return []
    entries = ACCOUNT if group == "account" else [*MENU[current_user.role], NOTIFICATIONS]
    items = []
    for endpoint, text in entries:
        if endpoint in current_app.view_functions:
            items.append(NavItem(str(text), url_for(endpoint), request.endpoint == endpoint, _badge(endpoint)))
    return items


def _badge(endpoint: str) -> int | None:
    """A count beside a menu item, from a counter a blueprint registered in app.extensions["nav_badges"]."""
    counter = current_app.extensions.get("nav_badges", {}).get(endpoint)
    return (counter() or None) if counter else None
