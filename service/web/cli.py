"""Command-line entry points: ``flask --app app <command>``."""
from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app

from config import BASE_DIR
from service import seed
from service.web.database import db


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig(str(BASE_DIR / "alembic.ini"))
    cfg.attributes["url"] = url
    cfg.attributes["configure_logging"] = False
    return cfg


def upgrade_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "head")


def register(app: Flask) -> None:
    app.cli.add_command(migrate_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(quickstart_command)
    app.cli.add_command(translations_command)


@click.command("translations")
def translations_command() -> None:
    """Extract messages into both catalogs and list those still missing a Chinese translation."""
    from service.web.i18n import update_catalogs

    missing = update_catalogs()
    for msgid in missing:
        click.echo(f"untranslated: {msgid}")
    click.echo(f"{len(missing)} message(s) need a Chinese translation in translations/zh/LC_MESSAGES/messages.po")


@click.command("migrate")
def migrate_command() -> None:
    """Apply every database migration (alembic upgrade head)."""
    upgrade_database(current_app.config["DATABASE_URL"])
    click.echo("Database is at the newest schema.")


@click.command("seed")
@click.option("--demo/--no-demo", default=False, help="Also create the demo enterprises, accounts and requests.")
def seed_command(demo: bool) -> None:
    """Create the stations, SLA targets and calendar (and, with --demo, demo data). Idempotent."""
    seed.seed_reference_data(db())
    if demo:
        seed.seed_demo_accounts(db())
    click.echo("Seed data is in place.")


@click.command("quickstart")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the database and print the logins, but do not start the server.")
def quickstart_command(host: str, port: int, no_serve: bool) -> None:
    """Migrate, seed demo data, print the demo logins and serve the app (development only)."""
    upgrade_database(current_app.config["DATABASE_URL"])
    seed.seed_reference_data(db())
    accounts = seed.seed_demo_accounts(db())
    click.echo(f"\nInnovation Service Desk is ready at http://{host}:{port}/login\n")
    click.echo(f"Demo accounts (password for all: {seed.DEMO_PASSWORD}):")
    for account in accounts:
        click.echo(f"  {account.role.value:<10} {account.email}")
    click.echo("")
    if not no_serve:
        current_app.run(host=host, port=port, debug=False, use_reloader=False)
