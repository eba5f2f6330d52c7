"""Service plans and milestones, director hotline sessions and dashboard figures (read, plus plan links)."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from service.db import utcnow
from service.errors import Forbidden
from service.models import HotlineStatus, MilestonePhase, MilestoneStatus, PlanStatus, Role
from service.operations.plans import link_request_to_plan
from service.queries import dashboard as dash
from service.queries import hotline as hotline_queries
from service.queries import plans as plan_queries
from service.settings import load_calendar
from service.web.api import schemas as s
from service.web.api.registry import caller, desk_settings, endpoint, expected_version
from service.web.database import db


class MilestoneOut(s.Output):
    id: int
    position: int
    phase: MilestonePhase
    title: str
    owner_id: int | None
    due_date: date | None
    status: MilestoneStatus
    completed_at: datetime | None


class PlanOut(s.Output):
    id: int
    enterprise_id: int
    station_id: int
    title: str
    goals: str
    status: PlanStatus
    approved_at: datetime | None
    created_at: datetime
    version: int
    milestones: list[MilestoneOut]


class PlanList(s.Output):
    items: list[PlanOut]
    next_cursor: int | None


class PlanQuery(s.Query):
    status: PlanStatus | None = None
    cursor: s.Id | None = None
    limit: int = Field(25, ge=1, le=100)


class PlanLinkIn(s.Input):
    plan_id: s.Id | None = Field(description="The plan to link, or null to unlink.")
    version: s.Id | None = None


class HotlineOut(s.Output):
    id: int
    request_id: int
    status: HotlineStatus
    reason: str
    scheduled_at: datetime | None
    duration_minutes: int | None
    meeting_link: str | None
    public_summary: str | None
    held_at: datetime | None
    created_at: datetime


class HotlineList(s.Output):
    items: list[HotlineOut]


class HotlineQuery(s.Query):
    status: HotlineStatus | None = None


class DashboardOut(s.Output):
    date_from: date
    date_to: date
    totals: dict[str, int]
    by_status: dict[str, int]
    range_counts: dict[str, int]
    rating_average: float | None
    median_resolution_days: float | None
    unacknowledged_instructions: int
    overdue_milestones: int


def _plan_out(plan) -> PlanOut:  # type: ignore[no-untyped-def]
    milestones = [MilestoneOut.model_validate(m, from_attributes=True) for m in plan.milestones]
    fields = {k: getattr(plan, k) for k in PlanOut.model_fields if k != "milestones"}
    return PlanOut(**fields, milestones=milestones)


@endpoint("/plans", summary="Service plans (one-company-one-policy) you may see, newest first.", tag="plans",
          query=PlanQuery, response=PlanList)
def list_plans(query: PlanQuery):  # type: ignore[no-untyped-def]
    rows = plan_queries.list_plans(db(), caller(), status=query.status, before=query.cursor, limit=query.limit + 1)
    items = [_plan_out(r.plan) for r in rows[:query.limit]]
    return PlanList(items=items, next_cursor=items[-1].id if len(rows) > query.limit else None)


@endpoint("/plans/<int:plan_id>", summary="One service plan with its milestones.", tag="plans", response=PlanOut)
def get_plan(plan_id: int):  # type: ignore[no-untyped-def]
    return _plan_out(plan_queries.get_plan(db(), caller(), plan_id))


@endpoint("/requests/<int:request_id>/plan", "POST", summary="Link the request to its enterprise's plan (desk).",
          tag="plans", body=PlanLinkIn, response=s.RequestOut, headers=("If-Match",))
def link_plan(request_id: int, body: PlanLinkIn):  # type: ignore[no-untyped-def]
    changed = link_request_to_plan(db(), caller(), request_id, body.plan_id, expected_version(body.version))
    return s.request_out(changed, caller())


def _hotline_out(hotline) -> HotlineOut:  # type: ignore[no-untyped-def]
    return HotlineOut.model_validate(hotline, from_attributes=True)


@endpoint("/hotline-sessions", summary="Director hotline sessions on the desk's cases (staff and directors).",
          tag="hotline", query=HotlineQuery, response=HotlineList)
def list_hotline_sessions(query: HotlineQuery):  # type: ignore[no-untyped-def]
    statuses = [query.status] if query.status else list(HotlineStatus)
    return HotlineList(items=[_hotline_out(h) for h in hotline_queries.list_sessions(db(), caller(), statuses)])


@endpoint("/hotline-sessions/<int:hotline_id>", summary="One hotline session you may see.", tag="hotline",
          response=HotlineOut)
def get_hotline_session(hotline_id: int):  # type: ignore[no-untyped-def]
    return _hotline_out(hotline_queries.get_session(db(), caller(), hotline_id))


@endpoint("/dashboard", summary="Director dashboard figures for the last weeks, in the caller's scope.",
          tag="dashboard", response=DashboardOut)
def dashboard():  # type: ignore[no-untyped-def]
    user = caller()
    if user.role == Role.ENTERPRISE or not dash.may_view(user):
        raise Forbidden()
    figures = dash.build_dashboard(db(), dash.make_scope(user, utcnow()), load_calendar(db(), desk_settings()))
    return DashboardOut(date_from=figures.scope.date_from, date_to=figures.scope.date_to, totals=figures.totals,
                        by_status={str(k): v for k, v in figures.by_status.items()}, range_counts=figures.range_counts,
                        rating_average=figures.rating_average, median_resolution_days=figures.median_days,
                        unacknowledged_instructions=figures.unacknowledged,
                        overdue_milestones=figures.overdue_milestones)
