"""Canned replies (常用回复) as their page lists them and as the request page's picker offers them, filled in."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from service.models import CannedReply, ServiceRequest, User
from service.rules import policy
from service.rules.canned_replies import fill_in, reply_context
from service.rules.policy import PolicyAction


def canned_replies_of(session: Session, user: User) -> list[CannedReply]:
    """The canned replies ``user`` sees: its own and its station's (the administrator: every station's), the most
    used first."""
    return list(
        session.scalars(
            select(CannedReply)
            .where(policy.visible_canned_replies(user))
            .options(selectinload(CannedReply.station))
            .order_by(CannedReply.usage_count.desc(), CannedReply.title, CannedReply.id)
        )
    )


@dataclass(frozen=True)
class FilledReply:
    """A canned reply offered in the reply box, with its text filled in for the request."""

    reply: CannedReply
    text: str


def filled_reply(
    session: Session, writer: User, request: ServiceRequest, reply_id: int, base_url: str
) -> FilledReply | None:
    """The canned reply ``reply_id`` filled in for ``request``, if ``writer`` may use it (else None); article
    links start with ``base_url``."""
    reply = session.get(CannedReply, reply_id)
    if reply is None or not policy.may(writer, PolicyAction.CANNED_REPLY_USE, reply):
        return None
    return FilledReply(reply, fill_in(reply.body, reply_context(request, writer, base_url)))


def replies_for_request(session: Session, writer: User, request: ServiceRequest, base_url: str) -> list[FilledReply]:
    replies = canned_replies_of(session, writer)
    if not replies:
        return []
    context = reply_context(request, writer, base_url)
    return [FilledReply(reply, fill_in(reply.body, context)) for reply in replies]
