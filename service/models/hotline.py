"""Director hotline sessions, their follow-up actions, and directors' instructions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.models.accounts import User
from service.models.base import Base, utcnow
from service.models.enums import HotlineStatus
from service.models.requests import ServiceRequest


class HotlineSession(Base):
    __tablename__ = "hotline_sessions"
    __table_args__ = (
        Index("ix_hotline_sessions_request", "request_id"),
        Index("ix_hotline_sessions_status_time", "status", "scheduled_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    preferred_times: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[HotlineStatus] = mapped_column(default=HotlineStatus.REQUESTED)
    director_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Staff member named when scheduling who may record the minutes besides the directors.
    recorder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scheduled_at: Mapped[datetime | None]
    duration_minutes: Mapped[int | None]
    meeting_link: Mapped[str | None] = mapped_column(String(500))
    minutes_internal: Mapped[str | None] = mapped_column(Text)
    public_summary: Mapped[str | None] = mapped_column(Text)
    decisions: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    held_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    request: Mapped[ServiceRequest] = relationship()
    director: Mapped[User | None] = relationship(foreign_keys=[director_id])
    recorder: Mapped[User | None] = relationship(foreign_keys=[recorder_id])
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    follow_ups: Mapped[list[FollowUpAction]] = relationship(
        back_populates="hotline_session", cascade="all, delete-orphan", order_by="FollowUpAction.id"
    )


class FollowUpAction(Base):
    __tablename__ = "follow_up_actions"
    __table_args__ = (Index("ix_follow_up_actions_open", "done_at", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hotline_session_id: Mapped[int] = mapped_column(ForeignKey("hotline_sessions.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_date: Mapped[date]
    done_at: Mapped[datetime | None]

    hotline_session: Mapped[HotlineSession] = relationship(back_populates="follow_ups")
    owner: Mapped[User] = relationship()


class Instruction(Base):
    """A director's instruction (批示) on a case, to be acknowledged by its assignee."""

    __tablename__ = "instructions"
    __table_args__ = (
        Index("ix_instructions_request", "request_id"),
        Index("ix_instructions_open", "acknowledged_at", "assignee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    director_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    request: Mapped[ServiceRequest] = relationship()
    director: Mapped[User] = relationship(foreign_keys=[director_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
