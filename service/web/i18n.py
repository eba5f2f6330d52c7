"""Languages: Simplified Chinese (default) and English, chosen by the user, then Accept-Language."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g, request, session
from flask_babel import Babel, get_locale, gettext
from flask_login import current_user

from service import PROJECT_DIR
from service.web.app_settings import settings

LOCALES = ("zh", "en")
DEFAULT_LOCALE = "zh"
# Every station works in this one zone (the SLA calendar counts in it): dates and times show in it for everyone.
TIME_ZONE = "Asia/Shanghai"
TRANSLATIONS_DIR = PROJECT_DIR / "translations"


def register(app: Flask) -> None:
    compile_translations(TRANSLATIONS_DIR)
    Babel(
        app,
        locale_selector=select_locale,
        default_locale=DEFAULT_LOCALE,
        default_timezone=TIME_ZONE,
        default_translation_directories=str(TRANSLATIONS_DIR),
    )
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.globals["html_lang"] = lambda: "en" if str(get_locale()) == "en" else "zh-CN"
    app.jinja_env.globals["organisation_name"] = lambda: gettext(settings().organisation_name)


def select_locale() -> str:
    if request.blueprint == "api":
        return _api_locale()
    chosen: str | None = session.get("locale")
    if chosen in LOCALES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        user_locale: str = current_user.locale
        return user_locale
    return request.accept_languages.best_match(LOCALES, default=DEFAULT_LOCALE) or DEFAULT_LOCALE


def _api_locale() -> str:
    """API callers: Accept-Language when sent, else the token owner's language; never the cookie's."""
    if request.headers.get("Accept-Language"):
        return request.accept_languages.best_match(LOCALES, default=DEFAULT_LOCALE) or DEFAULT_LOCALE
    auth = g.get("api_auth")
    if auth is not None and auth.user.locale in LOCALES:
        return str(auth.user.locale)
    return DEFAULT_LOCALE


def compile_translations(directory: Path) -> None:
    """Build each catalog's .mo from its .po when missing or older, atomically.

    The .po files are the source kept in git; compiling at start keeps the
    two-command setup free of a separate build step.
    """
    for po_path in directory.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        fd, tmp_name = tempfile.mkstemp(dir=po_path.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as mo_file:
            write_mo(mo_file, catalog)
        os.replace(tmp_name, mo_path)


def extract_messages(pot: Path) -> None:
    """Write every message of the code and templates (gettext, its lazy and contextual forms, N_) to ``pot``."""
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(PROJECT_DIR / "babel.cfg"),
            "-k",
            "N_",
            "-k",
            "_l",
            "-k",
            "pgettext:1c,2",
            "-k",
            "npgettext:1c,2,3",
            "-k",
            "lazy_pgettext:1c,2",
            "--no-location",
            "--sort-output",
            "-o",
            str(pot),
            str(PROJECT_DIR),
        ]
    )


def update_catalogs(directory: Path = TRANSLATIONS_DIR) -> list[str]:
    """Extract every message, merge it into both catalogs, and return the msgids still untranslated in Chinese.

    English is the source language: its catalog repeats each msgid so that it is complete too.
    """
    from babel.messages.frontend import CommandLineInterface
    from babel.messages.pofile import write_po

    pot = directory / "messages.pot"
    extract_messages(pot)
    CommandLineInterface().run(
        ["pybabel", "-q", "update", "-i", str(pot), "-d", str(directory), "--no-fuzzy-matching", "--ignore-obsolete"]
    )
    for locale in LOCALES:
        po_path = directory / locale / "LC_MESSAGES" / "messages.po"
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=locale)
        if locale == "en":
            for message in catalog:
                if message.id and not _translated(message.string):
                    message.string = message.id
        with po_path.open("wb") as po_file:
            write_po(po_file, catalog, no_location=True, sort_output=True, ignore_obsolete=True)
    return missing_translations(directory / "zh" / "LC_MESSAGES" / "messages.po")


def missing_translations(po_path: Path) -> list[str]:
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file)
    return [str(m.id) for m in catalog if m.id and (not _translated(m.string) or m.fuzzy)]


def _translated(string: str | tuple[str, ...] | list[str] | None) -> bool:
    """A singular message needs its text; a plural one needs every form."""
    return all(string) if isinstance(string, tuple) else bool(string)
