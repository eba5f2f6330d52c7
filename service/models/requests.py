"""Requests (tickets) and everything that hangs off one: timeline, messages,
attachments, notifications; plus the SLA targets and the working-day calendar."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.models.accounts import Enterprise, Station, User
from service.models.base import Base, utcnow
from service.models.enums import (
    Category,
    Channel,
    DeviceClass,
    EventKind,
    ExtensionStatus,
    LifecycleStage,
    Priority,
    ProductField,
    ProductType,
    ResultCategory,
    ReturnReason,
    Satisfaction,
    Status,
    VisitChannel,
)

if TYPE_CHECKING:
    from service.models.plans import ServicePlan, TaskForce


class ServiceRequest(Base):
    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("year", "sequence", name="uq_requests_year_sequence"),
        UniqueConstraint("submitter_id", "idempotency_key", name="uq_requests_submitter_idempotency"),
        Index("ix_requests_assignee_status_id", "assignee_id", "status", "id"),
        Index("ix_requests_enterprise_id", "enterprise_id", "id"),
        Index("ix_requests_escalated", "escalated", "station_id", "id"),
        Index("ix_requests_plan", "plan_id"),
        Index("ix_requests_created", "created_at"),
        # Scale (migration 0005): a station's whole list by id; its queues filtered by category and priority
        # without reading rows; dashboard ranges that count without reading rows.
        Index("ix_requests_station_id", "station_id", "id"),
        Index("ix_requests_station_filters", "station_id", "status", "category", "priority", "id"),
        Index("ix_requests_resolved", "resolved_at", "station_id", "rating"),
        Index("ix_requests_responded", "first_responded_at", "station_id", "first_response_due_at"),
        # Migration 0008: the open cases' clocks, so the dashboard's snapshot, the SLA sweep and the
        # due-time order read the index alone (tens of thousands of open cases among a million closed
        # ones); it ends with the id, which PostgreSQL's index entries do not carry by themselves.
        # Migration 0013: with their category and priority, so a filter on either is tested on the entries.
        Index(
            "ix_requests_open_clocks",
            "status",
            "station_id",
            "created_at",
            "resolution_due_at",
            "first_response_due_at",
            "first_responded_at",
            "escalated",
            "category",
            "priority",
            "id",
        ),
        # Migration 0012: one status in id order (the "new" queue, a status filter over the province), so a
        # page reads 26 entries of the index instead of sorting every request of that status (or, on SQLite,
        # which cannot tell a rare status from a common one, walking a million requests in id order).
        Index("ix_requests_status_id", "status", "id"),
        # Migration 0015: an enterprise's own list by status and filters, counted from the entries alone (the
        # busiest generated enterprise holds 31,000 requests: its open list's count read every one of them).
        Index("ix_requests_enterprise_filters", "enterprise_id", "status", "category", "priority", "escalated", "id"),
        # Migration 0023: the requests awaiting sign-for (few among a million signed for long ago), by due time.
        Index("ix_requests_sign_for", "signed_for_at", "sign_for_due_at", "station_id", "id"),
        # Migration 0024: the SLA sweep's next automatic reminders (催办), found by time; None once nothing is due.
        Index("ix_requests_sign_for_remind", "sign_for_remind_at"),
        Index("ix_requests_resolution_remind", "resolution_remind_at"),
        # Migration 0026: the rates (三率, queries/rates.py), one index per date axis, each led by the station and
        # its date and carrying every column a bucket of that axis tests, so that the grouped counts per station
        # and per officer read the period's index entries only (a year is 200,000 of a million requests).
        Index(
            "ix_requests_rates_received",
            "station_id",
            "created_at",
            "assignee_id",
            "dispatched_by_id",
            "return_count",
            "reminder_count",
            "signed_for_at",
            "sign_for_due_at",
            "first_responded_at",
            "first_response_due_at",
        ),
        Index(
            "ix_requests_rates_closed",
            "station_id",
            "resolved_at",
            "assignee_id",
            "resolution_due_at",
            "result_category",
            "redo_count",
            "extension_count",
        ),
        Index("ix_requests_rates_visited", "station_id", "visited_at", "assignee_id", "satisfaction"),
        # Migration 0031: an enterprise's satisfaction over time (its page on the desk), counted from the entries.
        Index(
            "ix_requests_enterprise_satisfaction",
            "enterprise_id",
            "resolved_at",
            "rating",
            "visited_at",
            "satisfaction",
        ),
        # Migration 0035: relations (service/operations/relations.py): a target's merged duplicates, a parent's
        # children; and the recent requests of one enterprise or of one product, among which duplicates are sought.
        Index("ix_requests_merged_into", "merged_into_id"),
        Index("ix_requests_parent", "parent_id", "id"),
        Index("ix_requests_enterprise_created", "enterprise_id", "created_at"),
        Index("ix_requests_product_created", "product_name", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    submitter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[Channel]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[Category]
    product_name: Mapped[str] = mapped_column(String(200), default="")
    device_class: Mapped[DeviceClass | None]
    product_type: Mapped[ProductType | None]
    product_field: Mapped[ProductField | None]
    innovative: Mapped[bool] = mapped_column(default=False)
    lifecycle_stage: Mapped[LifecycleStage]
    urgent: Mapped[bool] = mapped_column(default=False)
    priority: Mapped[Priority | None]
    status: Mapped[Status] = mapped_column(default=Status.SUBMITTED)
    # Where a request waiting for the enterprise goes back to when it answers.
    resume_status: Mapped[Status | None]
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("service_plans.id"))

    first_response_due_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None]
    first_responded_at: Mapped[datetime | None]
    waiting_since: Mapped[datetime | None]
    first_response_breached: Mapped[bool] = mapped_column(default=False)
    resolution_breached: Mapped[bool] = mapped_column(default=False)

    escalated: Mapped[bool] = mapped_column(default=False)
    escalation_reason: Mapped[str | None] = mapped_column(Text)
    escalated_at: Mapped[datetime | None]

    # Sign-for (签收): an assignment, or a transfer, starts its clock. The assignee (after a transfer, the
    # receiving station's desk) signs for the request or returns it with a reason (退回) to whoever dispatched it.
    sign_for_due_at: Mapped[datetime | None]
    signed_for_at: Mapped[datetime | None]
    # Who dispatched it (told of a return) and the station that transferred it here (a return before sign-for
    # sends it back there). Plain ids, no foreign keys: SQLite adds such a column in place (migration 0023)
    # rather than copying a million rows, and users and stations are deactivated, never deleted.
    dispatched_by_id: Mapped[int | None]
    transferred_from_id: Mapped[int | None]
    # Server defaults as migration 0023 added them: rows written without them (the bulk generator's) start at none.
    return_count: Mapped[int] = mapped_column(default=0, server_default="0")
    return_reason: Mapped[ReturnReason | None]
    return_note: Mapped[str | None] = mapped_column(Text)

    # Extensions (延期申请) approved so far, whether one waits for a decision, and the last approved one's
    # reason as the enterprise reads it beside the new promised date.
    extension_count: Mapped[int] = mapped_column(default=0, server_default="0")
    extension_pending: Mapped[bool] = mapped_column(default=False, server_default=false())
    extension_reason: Mapped[str | None] = mapped_column(Text)

    # Reminders (催办): the next automatic one of each clock (at the configured share of its time limit, then
    # at its due time; None when none is due), and how many were sent, automatic and manual.
    sign_for_remind_at: Mapped[datetime | None]
    resolution_remind_at: Mapped[datetime | None]
    reminder_count: Mapped[int] = mapped_column(default=0)
    last_reminded_at: Mapped[datetime | None]

    # The result (办结): its category, the text the enterprise reads, and for an explanation or a refusal the
    # policy basis or the reason.
    result_category: Mapped[ResultCategory | None]
    resolution_summary: Mapped[str | None] = mapped_column(Text)
    result_basis: Mapped[str | None] = mapped_column(Text)
    # The last return visit (回访) since the result, and how often an unsatisfied result was redone (重办).
    satisfaction: Mapped[Satisfaction | None]
    visit_solved: Mapped[bool | None]
    visited_at: Mapped[datetime | None]
    redo_count: Mapped[int] = mapped_column(default=0)
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(Text)
    # A result the station's head or the provincial director flagged as a typical case (典型案例) for the monthly
    # report: when, by whom (a plain id, added in place as dispatched_by_id) and why; None while not flagged.
    typical_at: Mapped[datetime | None]
    typical_by_id: Mapped[int | None]
    typical_note: Mapped[str | None] = mapped_column(Text)

    # The request a duplicate was merged into (status merged), and the parent of a child request (a case split
    # across stations). Plain ids added in place, as dispatched_by_id; requests are never deleted.
    merged_into_id: Mapped[int | None]
    parent_id: Mapped[int | None]

    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def typical(self) -> bool:
        return self.typical_at is not None

    enterprise: Mapped[Enterprise] = relationship()
    submitter: Mapped[User] = relationship(foreign_keys=[submitter_id])
    station: Mapped[Station] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    # Read by the policy only when the reader's station does not cover the request (members from elsewhere).
    task_forces: Mapped[list[TaskForce]] = relationship(viewonly=True)
    # Read with the request on its pages (whether guidance can start); linked through plan_id only.
    plan: Mapped[ServicePlan | None] = relationship(viewonly=True)


class ExtensionRequest(Base):
    """An officer's request for more time on a request (延期申请): pending until a director decides it."""

    __tablename__ = "extension_requests"
    __table_args__ = (
        Index("ix_extension_requests_request", "request_id", "id"),
        Index("ix_extension_requests_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[ExtensionStatus] = mapped_column(default=ExtensionStatus.PENDING)
    # Shown to the enterprise once approved; the note stays inside the station.
    public_reason: Mapped[str] = mapped_column(Text)
    internal_note: Mapped[str] = mapped_column(Text, default="")
    previous_due_at: Mapped[datetime | None]
    new_due_at: Mapped[datetime]
    # Asked beyond the configured number of extensions: only the provincial director decides it.
    needs_provincial: Mapped[bool] = mapped_column(default=False)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[ServiceRequest] = relationship()
    asked_by: Mapped[User] = relationship(foreign_keys=[asked_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class ReturnVisit(Base):
    """A return visit (回访) after a result: by phone by someone other than the handler, or online (the
    enterprise's own rating when it confirms)."""

    __tablename__ = "return_visits"
    __table_args__ = (Index("ix_return_visits_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[VisitChannel]
    satisfaction: Mapped[Satisfaction]
    # None when not asked (the enterprise's rating says only how satisfied it is).
    solved: Mapped[bool | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReferenceCounter(Base):
    """Last reference number handed out per year: gap-free, one row locked per submission."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(default=0)


class Event(Base):
    """Append-only timeline entry of a request or a service plan."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_request", "request_id", "id"),
        Index("ix_events_plan", "plan_id", "id"),
        Index("ix_events_enterprise", "enterprise_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("service_plans.id", ondelete="CASCADE"))
    # Set on an enterprise's own record (its colleagues invited, joined, changed, deactivated), which has no
    # request. A plain id, added in place: a foreign key would make SQLite copy the whole timeline.
    enterprise_id: Mapped[int | None]
    kind: Mapped[EventKind]
    public: Mapped[bool] = mapped_column(default=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()


class Message(Base):
    """A public reply or an internal note (never shown to the enterprise)."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()


class Attachment(Base):
    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_request", "request_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # An attachment of an internal note is as internal as the note.
    internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at", "id"),
        Index("ix_notifications_user_created", "user_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("service_plans.id", ondelete="CASCADE"))
    kind: Mapped[EventKind]
    # Who made the change (None: the scheduled sweep) and what changed, rendered in the reader's language.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    request: Mapped[ServiceRequest | None] = relationship()
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    plan: Mapped[ServicePlan | None] = relationship()


class SlaTarget(Base):
    """Working hours allowed per priority for the first response and for resolution."""

    __tablename__ = "sla_targets"

    priority: Mapped[Priority] = mapped_column(primary_key=True)
    first_response_hours: Mapped[int]
    resolution_hours: Mapped[int]


class CalendarDay(Base):
    """An exception to the Monday-to-Friday week: a holiday, or a make-up working day."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    is_working_day: Mapped[bool]
    name: Mapped[str] = mapped_column(String(120), default="")


class ServiceTimesRevision(Base):
    """One row whose token changes with every write to the SLA targets or the calendar.

    Database triggers (migration 0014) write a new random token, whatever makes the change
    (the admin pages, a seed, a restore, SQL by hand), so a process may keep the service
    times it read for as long as the token it read with them is current.
    """

    __tablename__ = "service_times_revision"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(36))
