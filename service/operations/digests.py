"""The daily digest (每日摘要): each user's messages kept for it, gathered into one message a day.

Gathering a user's waiting rows writes the digest as an outbox row of its own (pending, with a Message-ID of its
own) and marks the rows gathered under it, in one transaction: a crash before the commit leaves them waiting for
the next run, a crash after it leaves the digest in the outbox, where the delivery pass sends it once, with
retries, as any message. A row is gathered once, into one digest, and never lost.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from service.models import EventKind, MailStatus, OutboundMail, User
from service.operations.mail import DEFAULT_LANGUAGE, new_message_id
from service.rules.local_time import LOCAL_TZ
from service.store.db import unit_of_work


def last_digest_time(now: datetime, hour: int) -> datetime:
    """The latest moment up to ``now`` at ``hour`` o'clock Beijing time: what came before it goes in a digest."""
    local = now.astimezone(LOCAL_TZ)
    moment = datetime.combine(local.date(), time(hour), tzinfo=LOCAL_TZ)
    return moment if moment <= local else moment - timedelta(days=1)


def _waiting(until: datetime) -> tuple[ColumnElement[bool], ...]:
    return (OutboundMail.status == MailStatus.DIGEST, OutboundMail.created_at < until)


def gather_digests(session: Session, now: datetime, *, until: datetime) -> int:
    """Gather, per active user with an address, the rows kept for the digest written before ``until`` into one
    digest queued at ``now`` in the user's present language and address; return how many digests were queued.

    Idempotent: a second run finds nothing left before ``until``. Rows written meanwhile wait for the next digest.
    """
    with unit_of_work(session):
        users = list(
            session.scalars(
                select(OutboundMail.user_id)
                .where(*_waiting(until), OutboundMail.user_id.is_not(None))
                .distinct()
                .order_by(OutboundMail.user_id)
            )
        )
    queued = 0
    for user_id in users:
        with unit_of_work(session):
            user = session.get(User, user_id)
            if user is None or not user.active or not user.email:
                continue
            # Locked (SKIP LOCKED on PostgreSQL): two runs at once never gather one row twice.
            items = list(
                session.scalars(
                    select(OutboundMail)
                    .where(*_waiting(until), OutboundMail.user_id == user_id)
                    .order_by(OutboundMail.id)
                    .with_for_update(skip_locked=True)
                )
            )
            if not items:
                continue
            digest = OutboundMail(
                user_id=user_id,
                address=user.email,
                display_name=user.name,
                language=user.locale or DEFAULT_LANGUAGE,
                kind=EventKind.DIGEST,
                data={"count": len(items)},
                message_id=new_message_id(),
                status=MailStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
                last_error="",
                created_at=now,
            )
            session.add(digest)
            session.flush()
            for item in items:
                item.status, item.digest_id = MailStatus.GATHERED, digest.id
        queued += 1
    return queued
