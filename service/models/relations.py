"""Related requests: a symmetric "related to" link between two requests (merges and parents live on the request)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.models.base import Base, utcnow


class RequestLink(Base):
    """Two related requests, stored once with the lower id first (the link reads the same from either side)."""

    __tablename__ = "request_links"
    __table_args__ = (
        UniqueConstraint("request_id", "related_id", name="uq_request_links_pair"),
        Index("ix_request_links_related", "related_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    related_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
