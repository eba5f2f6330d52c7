"""Blueprints by audience."""
from __future__ import annotations

from flask import Flask

from service.web import admin, auth, desk, main, portal, two_factor
from service.web.labels import label
from service.web.helpers import hotline_name, station_name
from service.web.navigation import navigation


def register_blueprints(app: Flask) -> None:
    from service.web import api, tokens

    app.register_blueprint(api.bp)
    app.register_blueprint(tokens.bp)
    for module in (main, auth, two_factor, portal, desk, admin):
        app.register_blueprint(module.bp)
    from service.web import director, export, hotline, instructions

    for module in (director, export, hotline, instructions):
        app.register_blueprint(module.bp)
    from service.web import admin_sla, notifications

    for module in (notifications, admin_sla):
        app.register_blueprint(module.bp)
    from service.web import plans, task_forces

    for module in (plans, task_forces):
        app.register_blueprint(module.bp)
    from service.web import search

    app.register_blueprint(search.bp)
    app.jinja_env.globals.update(label=label, station_name=station_name, hotline_name=hotline_name,
                                  navigation=navigation)
