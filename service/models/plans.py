"""One-company-one-policy service plans, their milestones, and task forces."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.models.accounts import Enterprise, Station, User
from service.models.base import Base, utcnow
from service.models.enums import MilestonePhase, MilestoneStatus, PlanStatus, TaskForceStatus


class ServicePlan(Base):
    __tablename__ = "service_plans"
    __table_args__ = (
        # One active plan per enterprise, kept by the database itself.
        Index(
            "uq_service_plans_one_active",
            "enterprise_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_service_plans_station_status", "station_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    title: Mapped[str] = mapped_column(String(200))
    goals: Mapped[str] = mapped_column(Text)
    products: Mapped[str] = mapped_column(Text, default="")
    liaison_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[PlanStatus] = mapped_column(default=PlanStatus.DRAFT)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    # Set when a director sends the draft back with a comment; saving the draft again puts it back
    # in the directors' list of plans awaiting approval.
    returned_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    enterprise: Mapped[Enterprise] = relationship()
    station: Mapped[Station] = relationship()
    liaison: Mapped[User | None] = relationship(foreign_keys=[liaison_id])
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="plan", order_by="Milestone.position", cascade="all, delete-orphan"
    )
    # Read by the policy only when the reader's station does not cover the plan (members from elsewhere).
    task_forces: Mapped[list[TaskForce]] = relationship(viewonly=True)


class Milestone(Base):
    __tablename__ = "milestones"
    __table_args__ = (
        Index("ix_milestones_plan_position", "plan_id", "position"),
        Index("ix_milestones_status_due", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("service_plans.id", ondelete="CASCADE"))
    position: Mapped[int]
    phase: Mapped[MilestonePhase]
    title: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_date: Mapped[date | None]
    status: Mapped[MilestoneStatus] = mapped_column(default=MilestoneStatus.PLANNED)
    blocked_reason: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text, default="")
    completed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    plan: Mapped[ServicePlan] = relationship(back_populates="milestones")
    owner: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class TaskForce(Base):
    """A customized team (定制化专班) for a plan or a request."""

    __tablename__ = "task_forces"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("service_plans.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    lead_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[TaskForceStatus] = mapped_column(default=TaskForceStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lead: Mapped[User] = relationship()
    members: Mapped[list[TaskForceMember]] = relationship(
        back_populates="task_force", cascade="all, delete-orphan", order_by="TaskForceMember.id"
    )


class TaskForceMember(Base):
    """A staff member (user_id) or an external expert (name, affiliation, field)."""

    __tablename__ = "task_force_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_force_id: Mapped[int] = mapped_column(ForeignKey("task_forces.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    external_name: Mapped[str | None] = mapped_column(String(120))
    affiliation: Mapped[str | None] = mapped_column(String(200))
    field: Mapped[str | None] = mapped_column(String(200))

    task_force: Mapped[TaskForce] = relationship(back_populates="members")
    user: Mapped[User | None] = relationship()
