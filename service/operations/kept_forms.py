"""Forms sent back to their page (post/redirect/get): kept by the POST that refused them, read once by the page."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from service.models import KeptForm, User
from service.models.base import utcnow
from service.store.db import unit_of_work

# The page reads its form right after the redirect; one never read (the browser went elsewhere) goes after this.
KEEP_FOR = timedelta(hours=1)


def keep_form(session: Session, actor: User, data: dict[str, Any], now: datetime | None = None) -> str:
    """Keep ``data`` (what ``actor`` typed, and why it was not taken) for the page; the token to read it with.

    Forms left unread past KEEP_FOR, anyone's, are cleared on the way.
    """
    now = now or utcnow()
    token = secrets.token_hex(16)
    with unit_of_work(session):
        session.execute(delete(KeptForm).where(KeptForm.created_at < now - KEEP_FOR))
        session.add(KeptForm(token=token, user_id=actor.id, created_at=now, data=data))
    return token


def take_form(session: Session, actor: User, token: str, now: datetime | None = None) -> dict[str, Any] | None:
    """The form kept under ``token``, once: reading it deletes it. None when it is gone, stale or another user's."""
    now = now or utcnow()
    with unit_of_work(session):
        return session.execute(
            delete(KeptForm)
            .where(
                KeptForm.token == token,
                KeptForm.user_id == actor.id,
                KeptForm.created_at >= now - KEEP_FOR,
            )
            .returning(KeptForm.data)
        ).scalar_one_or_none()
