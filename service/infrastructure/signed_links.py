"""Links signed with the app's secret key (itsdangerous): what a mailed link carries instead of a stored token.

A link holds a few values and the time it was issued; the caller decides how long it lives and what else makes
it dead (a password changed since, an invitation sent again). Password recovery and colleague invitations
both sign their links here, each with its own salt, so one kind of link is never taken for the other.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from itsdangerous import BadData, URLSafeSerializer

SignedValue = int | str


class LinkDamaged(Exception):
    """Not a link this app signed with this salt: forged, cut short or mistyped."""


def sign(secret_key: str, salt: str, now: datetime, **values: SignedValue) -> str:
    return str(URLSafeSerializer(secret_key, salt=salt).dumps({**values, "t": int(now.timestamp())}))


def read(secret_key: str, salt: str, token: str) -> tuple[dict[str, SignedValue], datetime]:
    """The values a link carries and when it was issued. Raises LinkDamaged."""
    try:
        payload = URLSafeSerializer(secret_key, salt=salt).loads(token)
        issued = datetime.fromtimestamp(int(payload.pop("t")), UTC)
    except (BadData, AttributeError, KeyError, TypeError, ValueError, OverflowError, OSError):
        raise LinkDamaged() from None
    return payload, issued


def is_live(issued: datetime, lifetime: timedelta, now: datetime) -> bool:
    """Issued no later than now (a clock gone back forges nothing) and no longer ago than its lifetime."""
    return timedelta(0) <= now - issued <= lifetime
