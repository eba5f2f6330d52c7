"""The outbox of email (发信箱): one row per message to send, written in the transaction of the change it tells of.

A rolled-back change leaves no row, so nothing is mailed about what did not happen. The row's Message-ID is made
when it is written and never changes: a message sent again after a crash (sent, but the sent mark lost) carries
the same Message-ID, which receivers use to drop the duplicate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.models.accounts import User
from service.models.base import Base, utcnow
from service.models.enums import EventKind, MailChoice, MailStatus
from service.models.plans import ServicePlan
from service.models.requests import ServiceRequest


class OutboundMail(Base):
    __tablename__ = "outbound_mail"
    __table_args__ = (
        # The delivery pass: pending rows whose next attempt is due, oldest first.
        Index("ix_outbound_mail_status_due", "status", "next_attempt_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The address and language when the change happened: the message goes where the user was reachable then.
    address: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(120), default="")
    language: Mapped[str] = mapped_column(String(16))
    # What the message tells of, as the in-app notification does; composed into the texts below at the first
    # delivery attempt (the web layer owns the templates and the catalogs), then kept: a retry sends the same.
    kind: Mapped[EventKind]
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("service_plans.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    subject: Mapped[str | None] = mapped_column(String(255))
    text_body: Mapped[str | None] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[MailStatus] = mapped_column(default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A row kept for the daily digest, once gathered: the digest's own row, which carries it (status gathered).
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_mail.id", ondelete="SET NULL"), index=True)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    request: Mapped[ServiceRequest | None] = relationship()
    plan: Mapped[ServicePlan | None] = relationship()
    # A digest's items, as gathered (service/operations/digests.py).
    items: Mapped[list[OutboundMail]] = relationship(foreign_keys=[digest_id], order_by="OutboundMail.id")


class MailPreference(Base):
    """A user's choice for one kind of mailed notification; a kind without a row is mailed immediately."""

    __tablename__ = "mail_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[EventKind] = mapped_column(primary_key=True)
    choice: Mapped[MailChoice]
