"""Personal access tokens for the JSON API: issued once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, N_, NotFound, ValidationError
from service.models import ApiToken, User
from service.models.base import utcnow
from service.store.db import unit_of_work

PREFIX = "isd_"
SCOPES = ("read", "write")
# What the forms offer (within API_TOKEN_MAX_DAYS): long enough for a script, short enough to expire if forgotten.
DEFAULT_DAYS = 90
# last_used_at is a hint for the owner, not an audit trail: writing it on every
# call would turn each read into a write, so it is refreshed at most this often.
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown to the user once, never stored


@dataclass(frozen=True)
class Authenticated:
    user: User
    token_id: int
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


class TokenRejected(Exception):
    """Unknown, revoked or expired token, or a deactivated owner; deliberately says nothing about which."""


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def scopes_of(token: ApiToken) -> frozenset[str]:
    return frozenset(token.scopes.split())


def create_token(
    session: Session, actor: User, name: str, scope: str, days: int, *, max_days: int, now: datetime | None = None
) -> IssuedToken:
    """Issue a token for ``actor``; ``write`` includes ``read``.

    Raises ValidationError for a missing or long name, an unknown scope, or a
    lifetime outside 1..max_days days.
    """
    name = name.strip()
    fields = {}
    if not name or len(name) > 120:
        fields["name"] = N_("Give the token a name of at most 120 characters.")
    if scope not in SCOPES:
        fields["scope"] = N_("Choose read or write.")
    if not 1 <= days <= max_days:
        fields["days"] = N_("Choose a lifetime from 1 to %(max)s days.")
    if fields:
        raise ValidationError(CORRECT_FIELDS, fields=fields, max=max_days)
    now = now or utcnow()
    secret = PREFIX + secrets.token_urlsafe(32)
    with unit_of_work(session):
        token = ApiToken(
            user_id=actor.id,
            name=name,
            token_hash=hash_secret(secret),
            scopes="read write" if scope == "write" else "read",
            expires_at=now + timedelta(days=days),
            created_at=now,
        )
        session.add(token)
    return IssuedToken(token, secret)


def list_tokens(session: Session, actor: User) -> list[ApiToken]:
    """The actor's own tokens, newest first (revoked ones too, so the owner sees what happened)."""
    query = select(ApiToken).where(ApiToken.user_id == actor.id).order_by(ApiToken.id.desc()).limit(200)
    return list(session.scalars(query))


def revoke_token(session: Session, actor: User, token_id: int, now: datetime | None = None) -> ApiToken:
    """Revoke one of the actor's tokens (idempotent). Raises NotFound for anyone else's token."""
    with unit_of_work(session):
        token = session.get(ApiToken, token_id)
        if token is None or token.user_id != actor.id:
            raise NotFound()
        if token.revoked_at is None:
            token.revoked_at = now or utcnow()
    return token


def authenticate(session: Session, secret: str, now: datetime | None = None) -> Authenticated:
    """The user behind a bearer token. Raises TokenRejected."""
    now = now or utcnow()
    if not secret.startswith(PREFIX) or len(secret) > 100:
        raise TokenRejected()
    row = session.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == hash_secret(secret))
    ).first()
    if row is None:
        raise TokenRejected()
    token, user = row
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now) or not user.active:
        raise TokenRejected()
    if token.last_used_at is None or token.last_used_at < now - TOUCH_INTERVAL:
        with unit_of_work(session):
            session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        # Read again after the commit; the join above found the row, so it is there.
        user = session.get(User, user.id)  # type: ignore[assignment]
    return Authenticated(user=user, token_id=token.id, scopes=scopes_of(token))
