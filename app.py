"""Application factory. Importing this module builds nothing: ``flask --app app`` and gunicorn's ``'app:create_app()'``
call the factory."""

from __future__ import annotations

from flask import Flask

from config import Settings, load_settings
from service.web import app_settings, background, cli, database, errors, i18n, security
from service.web.blueprints import register_blueprints
from service.web.converters import RecordIdConverter


def create_app(settings: Settings | None = None) -> Flask:
    """The app for these settings; without any, the environment's (a bad value stops the program, naming it)."""
    settings = settings or load_settings()
    app = Flask(__name__, instance_relative_config=False)
    app_settings.register(app, settings)
    app.url_map.converters["int"] = RecordIdConverter  # before any route is added
    database.register(app, settings)
    background.register(app, settings)
    security.register(app, settings)
    i18n.register(app)
    register_blueprints(app)
    errors.register(app)
    cli.register(app)
    return app
