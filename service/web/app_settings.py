"""The app's settings (config.Settings), given to create_app once; views and commands read them here."""

from __future__ import annotations

from flask import Flask, current_app

from config import Settings
from service.store.settings import DeskSettings


def register(app: Flask, settings: Settings) -> None:
    app.config.update(settings.flask_config())
    app.extensions["settings"] = settings


def settings() -> Settings:
    """The current app's settings."""
    found: Settings = current_app.extensions["settings"]
    return found


def desk_settings() -> DeskSettings:
    return settings().desk
