"""The desk's plan page presenter: the plan, its milestones, requests, task forces, sessions and timeline, with
the steps the plan's lifecycle and the policy offer the reader.

``present_plan`` is built from the plan page's query (service.queries.plans.plan_page); the template only
draws it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from service.models import OPEN_PLAN_STATUSES, Event, HotlineSession, ServicePlan, ServiceRequest, TaskForce, User
from service.queries.plans import PlanPage, Progress
from service.rules import policy
from service.rules.plan_status import PlanAction, allowed_plan_actions
from service.rules.policy import PolicyAction
from service.web.desk.plan_support import describe_event, member_names, request_url
from service.web.forms.plans import PlanStatusForm

# The plan's steps drawn as buttons at the top; a director's decision (approve, return) has a form of its own.
STEP_BUTTONS = {
    PlanAction.COMPLETE: _l("Mark completed"),
    PlanAction.ARCHIVE: _l("Archive"),
    PlanAction.DISCARD: _l("Discard the draft"),
}
DECISIONS = (PlanAction.APPROVE, PlanAction.RETURN)


@dataclass(frozen=True)
class StepButton:
    action: PlanAction
    text: str
    # Steps that end the plan's work are drawn as cautionary buttons.
    danger: bool


@dataclass(frozen=True)
class TeamLine:
    task_force: TaskForce
    # Staff by name, experts with their affiliation, in one line.
    members: str


@dataclass(frozen=True)
class RequestLine:
    request: ServiceRequest
    # The request's page for the reader, None when no request page is installed.
    url: str | None


@dataclass(frozen=True)
class EventLine:
    event: Event
    text: str


@dataclass(frozen=True)
class PlanPagePresenter:
    plan: ServicePlan
    progress: Progress
    hotline_sessions: list[HotlineSession]
    enterprise_name: str
    today: date
    # Editing the plan, its milestones and task forces: the reader's scope, while the plan is open.
    can_edit: bool
    steps: list[StepButton]
    decisions: list[PlanAction]
    status_form: PlanStatusForm
    requests: list[RequestLine]
    task_forces: list[TeamLine]
    timeline: list[EventLine]


def present_plan(page: PlanPage, user: User, today: date, decision: PlanStatusForm | None) -> PlanPagePresenter:
    """``decision``: the director's decision sent back to the page (no comment, a refusal), drawn as typed."""
    plan = page.plan
    allowed = [t.action for t in allowed_plan_actions(user, plan)]
    return PlanPagePresenter(
        plan=plan,
        progress=page.progress,
        hotline_sessions=page.hotline_sessions,
        enterprise_name=plan.enterprise.name,
        today=today,
        can_edit=policy.may(user, PolicyAction.PLAN_EDIT, plan) and plan.status in OPEN_PLAN_STATUSES,
        steps=[
            StepButton(action, str(STEP_BUTTONS[action]), action != PlanAction.COMPLETE)
            for action in allowed
            if action in STEP_BUTTONS
        ],
        decisions=[action for action in allowed if action in DECISIONS],
        status_form=decision or PlanStatusForm(formdata=None),
        requests=[RequestLine(r, request_url(r)) for r in page.requests],
        task_forces=[TeamLine(tf, member_names(tf.members)) for tf in page.task_forces],
        timeline=[EventLine(e, describe_event(e)) for e in page.timeline],
    )
