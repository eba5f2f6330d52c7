"""The outbox as the administrator sees it: the messages it gave up on."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from service.models import MailStatus, OutboundMail


def failed_mail(session: Session, limit: int = 200) -> list[OutboundMail]:
    """Newest first, with their recipients and requests loaded."""
    return list(
        session.scalars(
            select(OutboundMail)
            .where(OutboundMail.status == MailStatus.FAILED)
            .order_by(OutboundMail.created_at.desc(), OutboundMail.id.desc())
            .limit(limit)
            .options(selectinload(OutboundMail.user), selectinload(OutboundMail.request))
        )
    )


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).where(OutboundMail.status == MailStatus.PENDING)) or 0
