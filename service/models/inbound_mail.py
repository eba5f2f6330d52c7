"""The log of inbound mail (收信记录): every mail that reached the desk, and what became of it.

A reply is stored in the transaction that logs its mail as accepted, so the log and the requests never disagree.
``processed_message_id`` is unique: the first copy of a Message-ID holds it, later copies (an MTA delivering
again, the same mail on two paths) are logged as duplicates with it empty, and two copies arriving together
cannot both be stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.models.accounts import User
from service.models.base import Base, utcnow
from service.models.enums import InboundOutcome
from service.models.requests import ServiceRequest


class InboundMail(Base):
    __tablename__ = "inbound_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), index=True)
    processed_message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    sender: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(255), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    outcome: Mapped[InboundOutcome]
    # A message id of the catalogs and its values, shown in the reader's language.
    reason: Mapped[str] = mapped_column(String(255), default="")
    reason_params: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))

    request: Mapped[ServiceRequest | None] = relationship()
    user: Mapped[User | None] = relationship()
