"""The layout's rules (README, "Project layout"): imports only go down the layers (import-linter's contracts in
pyproject.toml, which .ci/run also checks before the tests), importing the app builds nothing, and the search
index and the attachment files follow the sessions of the factories they were registered on, not every session."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from service.infrastructure import attachment_files, search_index, session_hooks

ROOT = Path(__file__).resolve().parent.parent


def test_imports_keep_to_the_layers() -> None:
    lint = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_importing_the_app_module_builds_no_app() -> None:
    module = importlib.import_module("app")
    assert [name for name, value in vars(module).items() if isinstance(value, Flask)] == []


@pytest.fixture()
def factory_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app as `flask --app app` finds it (the suite's shared app has its sessions swapped for the tests')."""
    monkeypatch.setenv("APP_ENV", "testing")
    app = ScriptInfo(app_import_path="app").load_app()
    yield app
    app.extensions["db_engine"].dispose()


def test_flask_finds_the_factory(factory_app: Flask) -> None:
    assert {"portal", "desk", "director", "admin", "auth", "api"} <= set(factory_app.blueprints)


def test_session_hooks_follow_only_the_factories_they_were_registered_on(factory_app: Flask) -> None:
    sessions = factory_app.extensions["db_sessions"]
    assert event.contains(sessions, "after_flush", search_index._after_flush)
    assert event.contains(sessions, "after_commit", attachment_files._keep_files)
    assert not event.contains(Session, "after_flush", search_index._after_flush)
    assert not event.contains(Session, "after_commit", attachment_files._keep_files)
    elsewhere: sessionmaker[Session] = sessionmaker()
    assert not event.contains(elsewhere, "after_flush", search_index._after_flush)
    session_hooks.register(elsewhere)
    assert event.contains(elsewhere, "after_flush", search_index._after_flush)
    assert event.contains(elsewhere, "after_transaction_end", attachment_files._discard_files)
