"""Supervision orders (督办): a director's written order on a request or a service plan, which the unit (the
request's or plan's station) answers with a report of what was done (落实情况)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.models.accounts import Station, User
from service.models.base import Base, utcnow
from service.models.enums import SupervisionStatus, SupervisionTier
from service.models.plans import ServicePlan
from service.models.requests import ServiceRequest


class SupervisionOrder(Base):
    __tablename__ = "supervision_orders"
    __table_args__ = (
        # The supervision page: by status and deadline (its tiers are deadline ranges), within one station or all.
        Index("ix_supervision_orders_status_deadline", "status", "deadline", "id"),
        Index("ix_supervision_orders_station", "station_id", "status", "deadline", "id"),
        Index("ix_supervision_orders_request", "request_id", "id"),
        Index("ix_supervision_orders_plan", "plan_id", "id"),
        # Migration 0026: the orders issued in a period, by their requests (the rates' count of supervised requests).
        Index("ix_supervision_orders_created", "created_at", "request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # On a request or on a plan, never both (issue_order sets one).
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("service_plans.id", ondelete="CASCADE"))
    # The unit that must report: the subject's station, kept in step when a request moves to another station.
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issue: Mapped[str] = mapped_column(Text)
    requirement: Mapped[str] = mapped_column(Text)
    deadline: Mapped[datetime]
    status: Mapped[SupervisionStatus] = mapped_column(default=SupervisionStatus.OPEN)
    # The unit's latest report and the director's latest word on it (a send-back's comment, or the acceptance's).
    report: Mapped[str | None] = mapped_column(Text)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[datetime | None]
    reports: Mapped[int] = mapped_column(default=0)
    sent_back: Mapped[int] = mapped_column(default=0)
    comment: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    # The worst tier the SLA sweep has told the unit and the issuer of (None: none yet), so that each worsening is
    # told once. The sweep's bookkeeping: writing it leaves the version (someone's open form) as it was.
    tier_told: Mapped[SupervisionTier | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    request: Mapped[ServiceRequest | None] = relationship()
    plan: Mapped[ServicePlan | None] = relationship()
    station: Mapped[Station] = relationship()
    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])
    reported_by: Mapped[User | None] = relationship(foreign_keys=[reported_by_id])
