"""Blueprints by audience. A blueprint's name (and so every url_for endpoint) does not depend on its module's place."""

from __future__ import annotations

from flask import Flask

from service.web import api
from service.web.admin import inbound_mail
from service.web.admin import sla as admin_sla
from service.web.admin import views as admin
from service.web.auth import invitations, mail_preferences, tokens, two_factor
from service.web.auth import views as auth
from service.web.common import knowledge, main, notifications, search
from service.web.common.helpers import can, hotline_name, station_name
from service.web.common.navigation import menus
from service.web.desk import canned_replies, enterprises, export, plans, supervision_orders, task_forces

# Relations between requests: routes added to the desk's and the portal's blueprints (imported for them).
from service.web.desk import relations as _desk_relations  # noqa: F401
from service.web.desk import views as desk
from service.web.director import hotline, instructions, rates, reports
from service.web.director import views as director
from service.web.labels import label
from service.web.portal import colleagues
from service.web.portal import duplicates as _portal_duplicates  # noqa: F401
from service.web.portal import views as portal


def register_blueprints(app: Flask) -> None:
    for module in (
        api,
        tokens,
        main,
        auth,
        two_factor,
        mail_preferences,
        portal,
        desk,
        admin,
        director,
        export,
        hotline,
        instructions,
        rates,
        notifications,
        admin_sla,
        plans,
        task_forces,
        supervision_orders,
        search,
        reports,
        inbound_mail,
        colleagues,
        invitations,
        enterprises,
        canned_replies,
        knowledge,
    ):
        app.register_blueprint(module.bp)
    app.jinja_env.globals.update(label=label, station_name=station_name, hotline_name=hotline_name, can=can)
    app.context_processor(menus)
