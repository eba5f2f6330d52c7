"""Blueprints by audience."""
from __future__ import annotations

from flask import Flask

from service.web.admin import views as admin
from service.web.auth import two_factor
from service.web.auth import views as auth
from service.web.common import main
from service.web.common.helpers import hotline_name, station_name
from service.web.common.labels import label
from service.web.common.navigation import navigation
from service.web.desk import views as desk
from service.web.portal import views as portal


def register_blueprints(app: Flask) -> None:
    from service.web import api
    from service.web.auth import tokens

    app.register_blueprint(api.bp)
    app.register_blueprint(tokens.bp)
    for module in (main, auth, two_factor, portal, desk, admin):
        app.register_blueprint(module.bp)
    from service.web.director import hotline, instructions
    from service.web.director import views as director
    from service.web.desk import export

    for module in (director, export, hotline, instructions):
        app.register_blueprint(module.bp)
    from service.web.admin import sla as admin_sla
    from service.web.common import notifications

    for module in (notifications, admin_sla):
        app.register_blueprint(module.bp)
    from service.web.desk import plans, task_forces

    for module in (plans, task_forces):
        app.register_blueprint(module.bp)
    from service.web.common import search

    app.register_blueprint(search.bp)
    app.jinja_env.globals.update(label=label, station_name=station_name, hotline_name=hotline_name,
                                  navigation=navigation)
