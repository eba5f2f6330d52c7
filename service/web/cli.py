"""Command-line entry points: ``flask --app app <command>``."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app

from service import PROJECT_DIR
from service.demo import seed
from service.demo.seed_canned_replies import seed_demo_canned_replies
from service.demo.seed_knowledge import seed_demo_knowledge
from service.demo.seed_plans import seed_demo_plans
from service.demo.seed_requests import seed_demo_requests
from service.infrastructure.attachment_files import attachment_store
from service.jobs import sweep_service_targets
from service.models.base import utcnow
from service.operations import two_factor
from service.operations.digests import gather_digests
from service.web.app_settings import desk_settings, settings
from service.web.background import job_queue_of_app
from service.web.common.mail import send_due_mail
from service.web.database import db


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig(str(PROJECT_DIR / "alembic.ini"))
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
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    from service.web.api.commands import create_token_command

    app.cli.add_command(create_token_command)
    app.cli.add_command(sla_sweep_command)
    app.cli.add_command(jobs_command)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(search_reindex_command)
    app.cli.add_command(rotate_totp_key_command)
    app.cli.add_command(send_mail_command)
    from service.web.common.inbound_mail import receive_mail_command

    app.cli.add_command(receive_mail_command)
    app.cli.add_command(send_digest_command)


def _seed_demo_requests() -> None:
    created = seed_demo_requests(db(), desk_settings())
    if created:
        click.echo(f"Created {created} demo requests.")


def _seed_demo_plans() -> None:
    if seed_demo_plans(db()):
        click.echo("Set up the demo service plans.")
    if seed_demo_knowledge(db()):
        click.echo("Published the demo knowledge base.")


def _seed_demo_canned_replies() -> None:
    if seed_demo_canned_replies(db()):
        click.echo("Wrote the demo canned replies.")


@click.command("sla-sweep")
def sla_sweep_command() -> None:
    """Flag overdue requests, escalate and remind, raise supervision tiers, auto-close old resolutions and remove
    upload files left without an attachment for over an hour, once (idempotent; `flask jobs` does it every
    minute)."""
    click.echo(sweep_service_targets(db(), desk_settings()).summary())


@click.command("jobs")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 32), help="Jobs run at once.")
def jobs_command(workers: int) -> None:
    """Run the background jobs until stopped (Ctrl-C or SIGTERM finish the running jobs first): what the app
    enqueues and, every minute, the SLA sweep. Production runs one such process beside the web servers."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Threads, not processes: each job opens its own session from the app's engine.
    job_queue_of_app().create_consumer(workers=workers, worker_type="thread").run()


@click.command("send-mail")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Send at most this many messages.")
def send_mail_command(limit: int | None) -> None:
    """Send the outbox's due email once, by hand (idempotent; `flask jobs` does it every minute)."""
    chosen = settings()
    if not chosen.smtp_host:
        click.echo(f"No SMTP_HOST: writing the messages as .eml files into {chosen.mail_folder}")
    report = send_due_mail(db(), chosen, utcnow(), limit)
    click.echo(f"sent: {report.sent}, to retry: {report.retrying}, failed: {report.failed}")


@click.command("send-digest")
def send_digest_command() -> None:
    """Gather every daily digest now, by hand (what waits for one until this moment), and send the due mail.
    `flask jobs` gathers them every day at DIGEST_HOUR."""
    queued = gather_digests(db(), utcnow(), until=utcnow())
    click.echo(f"digests queued: {queued}")
    report = send_due_mail(db(), settings(), utcnow())
    click.echo(f"sent: {report.sent}, to retry: {report.retrying}, failed: {report.failed}")


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
    upgrade_database(settings().database_url)
    click.echo("Database is at the newest schema.")


@click.command("seed")
@click.option("--demo/--no-demo", default=False, help="Also create the demo enterprises, accounts and requests.")
def seed_command(demo: bool) -> None:
    """Create the stations, SLA targets and calendar (and, with --demo, demo data). Idempotent."""
    seed.seed_reference_data(db())
    if demo:
        seed.seed_demo_accounts(db())
        _seed_demo_requests()
        _seed_demo_plans()
        _seed_demo_canned_replies()
    click.echo("Seed data is in place.")


@click.command("quickstart")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option(
    "--no-serve", is_flag=True, help="Prepare the database and print the logins, but do not start the server."
)
def quickstart_command(host: str, port: int, no_serve: bool) -> None:
    """Migrate, seed demo data, print the demo logins and serve the app with its background jobs (development
    only)."""
    upgrade_database(settings().database_url)
    seed.seed_reference_data(db())
    accounts = seed.seed_demo_accounts(db())
    _seed_demo_requests()
    _seed_demo_plans()
    _seed_demo_canned_replies()
    click.echo(f"\nInnovation Service Desk is ready at http://{host}:{port}/login\n")
    click.echo(f"Demo accounts (password for all: {seed.DEMO_PASSWORD}):")
    for account in accounts:
        click.echo(f"  {account.role.value:<10} {account.email}")
    if not settings().smtp_host:
        click.echo(
            f"\nEmail is not sent (no SMTP_HOST): each message is written as an .eml file into {settings().mail_folder}"
        )
    click.echo("")
    if not no_serve:
        # Flask ignores app.run() inside a `flask` command, so start the server directly.
        from werkzeug.serving import run_simple

        db().close()  # the server's requests use sessions of their own
        # The background jobs in a child process of their own (Huey's consumer wants a main thread), on the
        # SQLite queue beside the database unless REDIS_URL is set; it stops with the server.
        consumer = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs", "--workers", "1"])
        # SIGTERM too stops the server through the ``finally`` below, and so the consumer with it.
        signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(0))
        try:
            # current_app is typed as the app it stands for, not as the proxy whose method this is.
            run_simple(host, port, current_app._get_current_object(), threaded=True)  # type: ignore[attr-defined]
        finally:
            consumer.terminate()
            consumer.wait()


@click.command("backup")
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Path(file_okay=False),
    help="A new or empty directory to write the backup into.",
)
def backup_command(target: str) -> None:
    """Back up the database and the uploaded files, safe while the app is running."""
    from service.infrastructure import backup

    try:
        outcome = backup.backup(settings().database_url, attachment_store(desk_settings()), target)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Backup written to {outcome.directory}: {len(outcome.tables)} tables, {outcome.rows} rows, "
        f"{len(outcome.files)} files."
    )
    for problem in outcome.problems:
        click.echo(f"warning: {problem}", err=True)


@click.command("restore")
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(exists=True, file_okay=False),
    help="A directory written by `flask backup`.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(source: str, yes: bool) -> None:
    """Replace the database and uploaded files by a backup, then verify row counts and checksums.

    Stop the app first: restoring under running workers would mix old and new data.
    """
    from service.infrastructure import backup

    if not yes:
        click.confirm(f"Replace the data of {settings().database_url} by the backup in {source}?", abort=True)
    try:
        outcome = backup.restore(settings().database_url, attachment_store(desk_settings()), source)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Restored and verified: {len(outcome.tables)} tables and {outcome.rows} rows match the manifest, "
        f"{len(outcome.files)} files match their sha256."
    )


@click.command("demo-data")
@click.option(
    "--requests",
    "count",
    default=10_000,
    show_default=True,
    type=click.IntRange(1, 10_000_000),
    help="How many requests to generate.",
)
@click.option("--enterprises", default=300, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--years", default=5, show_default=True, type=click.IntRange(1, 20))
@click.option("--seed", "random_seed", default=2026, show_default=True, help="Random seed (same seed, same data).")
@click.option(
    "--articles",
    type=click.IntRange(0, 1_000_000),
    default=None,
    help="Knowledge-base articles and typical cases to generate [default: one per 100 requests, at most 10,000].",
)
def demo_data_command(count: int, enterprises: int, years: int, random_seed: int, articles: int | None) -> None:
    """Fill the database in bulk with realistic requests and everything around them (for demos and benchmarks)."""
    import time

    from service.demo import bulk as demo_data
    from service.demo.bulk_knowledge import generate_articles

    upgrade_database(settings().database_url)
    options = demo_data.Options(requests=count, enterprises=enterprises, years=years, seed=random_seed)
    started = time.monotonic()
    with click.progressbar(length=count, label="Generating requests", show_pos=True, show_eta=True) as bar:
        written = demo_data.generate(current_app.extensions["db_engine"], options, progress=bar.update)
    elapsed = time.monotonic() - started
    articles = min(10_000, count // 100) if articles is None else articles
    generate_articles(current_app.extensions["db_engine"], articles, random_seed)
    written["knowledge_articles"] = articles
    click.echo(", ".join(f"{table}: {rows:,}" for table, rows in written.items()))
    click.echo(
        f"{count:,} requests in {elapsed:.1f} s ({count / elapsed:,.0f} requests/s). "
        f"Every generated account's password is {seed.DEMO_PASSWORD}."
    )


@click.command("search-reindex")
def search_reindex_command() -> None:
    """Rebuild the full-text indexes of every request and of the knowledge base's published articles (after a
    restore or an import that bypassed the app)."""
    from service.infrastructure import knowledge_index, search_index

    with current_app.extensions["db_engine"].begin() as connection:
        done = search_index.rebuild(connection)
        articles = knowledge_index.rebuild(connection)
    click.echo(f"Search index rebuilt for {done:,} requests and {articles:,} knowledge-base articles.")


@click.command("rotate-totp-key")
def rotate_totp_key_command() -> None:
    """Re-encrypt every stored TOTP secret with the first key of TOTP_ENCRYPTION_KEYS (then drop the old keys)."""
    click.echo(f"TOTP secrets re-encrypted with the newest key: {two_factor.rotate_encryption(db())}.")
