"""Canned replies (常用回复): reply templates an officer inserts into a reply and edits before sending, kept by
their author (personal) or by a station for its whole desk (station-wide)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.models.accounts import Station, User
from service.models.base import Base, utcnow


class CannedReply(Base):
    __tablename__ = "canned_replies"
    __table_args__ = (
        Index("ix_canned_replies_owner", "owner_id", "title"),
        Index("ix_canned_replies_station", "station_id", "title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    # With variables such as {enterprise} (service/rules/canned_replies.py), filled in for the request at hand.
    body: Mapped[str] = mapped_column(Text)
    # The language it is written in ("zh" or "en"): the picker shows it, the officer picks the enterprise's.
    language: Mapped[str] = mapped_column(String(8))
    # One of the two, never both (create_canned_reply): a person's own, or a station's.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"))
    # How many sent messages used it: the most used come first in the picker.
    usage_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    owner: Mapped[User | None] = relationship()
    station: Mapped[Station | None] = relationship()

    @property
    def station_wide(self) -> bool:
        return self.station_id is not None
