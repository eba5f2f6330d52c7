"""Director dashboard figures (read only); plans, hotline sessions and instructions have their own modules."""

from __future__ import annotations

from datetime import date

from service.models.base import utcnow
from service.queries import dashboard as dash
from service.rules import policy
from service.rules.policy import PolicyAction
from service.store import reference
from service.web.api import schemas as s
from service.web.api.registry import caller, endpoint
from service.web.app_settings import desk_settings
from service.web.database import db


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


@endpoint(
    "/dashboard",
    summary="Director dashboard figures for the last weeks, in the caller's scope.",
    tag="dashboard",
    response=DashboardOut,
)
def dashboard() -> DashboardOut:
    user = caller()
    policy.authorize(user, PolicyAction.DASHBOARD_VIEW, None)
    figures = dash.build_dashboard(
        db(), dash.make_scope(user, utcnow()), reference.working_calendar(db(), desk_settings())
    )
    return DashboardOut(
        date_from=figures.scope.date_from,
        date_to=figures.scope.date_to,
        totals=figures.totals,
        by_status={str(k): v for k, v in figures.by_status.items()},
        range_counts=figures.range_counts,
        rating_average=figures.rating_average,
        median_resolution_days=figures.median_days,
        unacknowledged_instructions=figures.unacknowledged,
        overdue_milestones=figures.overdue_milestones,
    )
