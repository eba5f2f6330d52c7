"""``flask --app app create-token``: a personal access token from the command line (scripts, first setup)."""

from __future__ import annotations

import click
from sqlalchemy import select

from service.errors import ValidationError
from service.models import User
from service.operations import accounts, api_tokens
from service.web.app_settings import settings
from service.web.database import db


@click.command("create-token")
@click.option("--email", required=True, help="The account the token acts for.")
@click.option("--name", default="command line", show_default=True, help="What the token is for.")
@click.option(
    "--scopes",
    "scope",
    type=click.Choice(api_tokens.SCOPES),
    default="read",
    show_default=True,
    help="write includes read.",
)
@click.option(
    "--days",
    default=api_tokens.DEFAULT_DAYS,
    show_default=True,
    type=int,
    help="Lifetime in days (at most API_TOKEN_MAX_DAYS).",
)
def create_token_command(email: str, name: str, scope: str, days: int) -> None:
    """Create a personal access token and print it (once)."""
    user = db().scalars(select(User).where(User.email == accounts.normalize_email(email))).first()
    if user is None or not user.active:
        raise click.ClickException(f"no active account with the email {email}")
    try:
        issued = api_tokens.create_token(db(), user, name, scope, days, max_days=settings().api_token_max_days)
    except ValidationError as error:
        raise click.ClickException("; ".join(f"{k}: {v % error.params}" for k, v in error.fields.items())) from None
    click.echo(issued.secret)
