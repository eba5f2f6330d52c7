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
    Role.ENTERPRISE: [("portal.index", _l("My requests"))],
    Role.STAFF: [("desk.index", _l("Desk")), ("desk.enterprises", _l("Enterprises"))],
    Role.DIRECTOR: [("desk.index", _l("Desk")), ("desk.enterprises", _l("Enterprises"))],
    Role.ADMIN: [("admin.users", _l("Users")), ("admin.stations", _l("Stations"))],
}
COMMON: list[tuple[str, object]] = [("auth.change_password", _l("Password"))]


def navigation() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    items = []
    for endpoint, text in [*MENU[current_user.role], *COMMON]:
        if endpoint in current_app.view_functions:
            items.append(NavItem(str(text), url_for(endpoint), request.endpoint == endpoint))
    return items
