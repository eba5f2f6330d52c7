"""Application factory. Importing this module builds nothing: ``flask --app app`` and gunicorn's ``'app:create_app()'``
call the factory."""
from __future__ import annotations

from flask import Flask

from config import Config, config_from_environment
from service.web import cli, database, errors, i18n, security
from service.web.converters import RecordIdConverter
from service.web.blueprints import register_blueprints


def create_app(config: type[Config] | None = None) -> Flask:
    settings = config or config_from_environment()
    settings.check()
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object(settings)
    app.url_map.converters["int"] = RecordIdConverter  # before any route is added
    database.register(app)
    security.register(app)
    i18n.register(app)
    register_blueprints(app)
    errors.register(app)
    cli.register(app)
    return app
