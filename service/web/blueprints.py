"""Blueprints by audience."""
from __future__ import annotations

from flask import Flask

from service.web import admin, auth, desk, main, portal
from service.web.labels import label
from service.web.helpers import station_name
from service.web.navigation import navigation


def register_blueprints(app: Flask) -> None:
    for module in (main, auth, portal, desk, admin):
        app.register_blueprint(module.bp)
    app.jinja_env.globals.update(label=label, station_name=station_name, navigation=navigation)
