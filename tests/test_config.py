"""The settings: one object read from the environment, its bad values refused at start, README's table true."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from config import EXIT_BAD_SETTINGS, Settings, load_settings
from service import PROJECT_DIR
from tests.suite import SuiteSettings

README = PROJECT_DIR / "README.md"
ROW = re.compile(r"^\| (`[A-Z][A-Z0-9_]*`(?:, `[A-Z][A-Z0-9_]*`)*) \| ([^|]*) \|", re.MULTILINE)


def _documented() -> dict[str, str | None]:
    """Each variable of README's Configuration table, with its default when the table gives it as a literal."""
    section = README.read_text(encoding="utf-8").split("## Configuration", 1)[1].split("\n## ", 1)[0]
    table: dict[str, str | None] = {}
    for names_cell, default_cell in ROW.findall(section):
        names = re.findall(r"`([A-Z][A-Z0-9_]*)`", names_cell)
        literals = re.findall(r"`([^`]*)`", default_cell)
        for n, name in enumerate(names):
            table[name] = literals[n] if len(literals) == len(names) else None
    return table


def test_every_documented_variable_is_a_setting_and_every_setting_is_documented() -> None:
    assert set(_documented()) == {name.upper() for name in Settings.model_fields}


def test_the_defaults_the_readme_gives_are_the_settings_defaults() -> None:
    stated = {name: value for name, value in _documented().items() if value is not None}
    assert len(stated) >= 15, "the table gives most defaults as literals"
    for name, value in stated.items():
        default = str(Settings.model_fields[name.lower()].default)
        assert default.replace(f"{PROJECT_DIR}/", "") == value, name


def _clean_environment() -> dict[str, str]:
    """The runner's environment without any setting, so that only what a test sets counts."""
    return {name: value for name, value in os.environ.items() if name.lower() not in Settings.model_fields}


def test_a_bad_value_stops_the_app_at_start_with_a_message_naming_the_variable() -> None:
    environment = {**_clean_environment(), "MAX_ATTACHMENTS_PER_MESSAGE": "five", "TOTP_ENCRYPTION_KEYS": "my-own-key"}
    started = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "routes"],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert started.returncode == EXIT_BAD_SETTINGS
    assert "MAX_ATTACHMENTS_PER_MESSAGE: Input should be a valid integer" in started.stderr
    assert "TOTP_ENCRYPTION_KEYS: must be one or more Fernet keys separated by commas" in started.stderr
    assert "Traceback" not in started.stderr and "my-own-key" not in started.stderr, "no traceback, no secret"
    assert started.stdout == ""


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("APP_ENV", "prod", "Input should be 'development', 'production' or 'testing'"),
        ("API_RATE_LIMIT_PER_MINUTE", "0", "greater than or equal to 1"),
        ("REOPEN_WINDOW_DAYS", "-1", "greater than or equal to 0"),
        ("SLA_WORKING_HOURS", "9-17", "invalid working-hours span '9-17'"),
        ("MEETING_URL_TEMPLATE", "https://meet.example/{case}", "may use {reference} and {token} only"),
        ("DATABASE_URL", "desk.sqlite3", "must be an SQLAlchemy URL"),
        ("SESSION_COOKIE_SECURE", "sometimes", "Input should be a valid boolean"),
        ("ATTACHMENT_STORAGE", "nfs", "Input should be 'filesystem' or 's3'"),
    ],
)
def test_each_kind_of_bad_value_is_named_with_what_is_wrong(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str, problem: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit):
        load_settings()
    message = capsys.readouterr().err
    assert f"\n  {name}: " in message and problem in message


def test_object_storage_without_a_bucket_is_refused_naming_the_bucket(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ATTACHMENT_STORAGE", "s3")
    with pytest.raises(SystemExit):
        load_settings()
    assert "\n  S3_BUCKET: must name the bucket when ATTACHMENT_STORAGE is s3" in capsys.readouterr().err


def test_production_turns_secure_cookies_and_two_step_sign_in_on_unless_set() -> None:
    production = {
        "app_env": "production",
        "secret_key": "s" * 32,
        "totp_encryption_keys": Fernet.generate_key().decode(),
    }
    assert SuiteSettings(**production).session_cookie_secure is True
    assert SuiteSettings(**production).require_two_factor_for_desk is True
    trial = SuiteSettings(**production, session_cookie_secure=False, require_two_factor_for_desk=False)
    assert trial.session_cookie_secure is False and trial.require_two_factor_for_desk is False
    development = SuiteSettings()
    assert development.session_cookie_secure is False and development.require_two_factor_for_desk is False
