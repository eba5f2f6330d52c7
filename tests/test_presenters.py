"""What the page presenters offer a reader, decided from the lifecycle and the policy (no template drawn)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from service.models import ServiceRequest, Status, User
from service.models.base import utcnow
from service.queries.plans import local_today, plan_page
from service.rules.lifecycle import Action
from service.rules.plan_status import PlanAction
from service.store.settings import DeskSettings
from service.web.common.request_presenter import Audience, RequestPage, present_request
from service.web.desk.plan_presenter import present_plan
from tests.plan_helpers import draft_plan
from tests.request_helpers import People, in_status, people  # noqa: F401 - fixture
from tests.web_requests_support import settings  # noqa: F401 - fixture


@pytest.fixture()
def page_context(app: Flask) -> Iterator[None]:
    """The forms a presenter builds belong to a web request (their CSRF token, the reader's language)."""
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        yield


def _page(session: Session, user: User, req: ServiceRequest, audience: Audience, settings: DeskSettings) -> RequestPage:
    return present_request(
        session,
        user,
        req,
        audience=audience,
        kept={},
        conflict=None,
        settings=settings,
        back=f"/{audience}/requests/{req.id}",
    )


@pytest.mark.usefixtures("page_context")
def test_an_enterprise_on_a_resolved_request_may_confirm_or_reopen(
    session: Session, people: People, settings: DeskSettings
) -> None:
    req = in_status(session, people, settings, Status.RESOLVED, now=utcnow())
    page = _page(session, people.owner, req, "portal", settings)
    assert {view.action: view.unavailable for view in page.actions} == {Action.CONFIRM: "", Action.REOPEN: ""}
    # Replying reopens the request, and the page says so before the message is sent.
    assert page.portal is not None and page.portal.form is not None and "reopens" in page.portal.hint
    # Nothing internal: no desk forms, no director's instructions, no task forces.
    assert page.desk is None and page.instructions is None and page.plan is not None and page.plan.task_forces == []


@pytest.mark.usefixtures("page_context")
def test_staff_on_a_triaged_request_get_the_working_steps(
    session: Session, people: People, settings: DeskSettings
) -> None:
    req = in_status(session, people, settings, Status.TRIAGED)
    page = _page(session, people.staff, req, "desk", settings)
    offered = {view.action: view.unavailable for view in page.actions}
    assert set(offered) == {
        Action.START_INTERVENTION,
        Action.START_GUIDANCE,
        Action.REQUEST_INFO,
        Action.RESOLVE,
        Action.DECLINE,
    }
    # Guidance needs the enterprise's plan in force: offered, but drawn disabled with the reason.
    assert offered[Action.START_GUIDANCE] and not offered[Action.RESOLVE]
    assert page.desk is not None and page.portal is None and page.instructions is not None
    forms = page.desk
    assert forms.assign is not None and forms.transfer is not None and forms.escalate is not None
    assert forms.de_escalate is None and not forms.triage_first
    assert str(req.station_id) not in [str(choice.value) for choice in forms.transfer.station_id.choices]


@pytest.mark.usefixtures("page_context")
def test_a_submitted_request_is_triaged_before_it_is_assigned(
    session: Session, people: People, settings: DeskSettings
) -> None:
    req = in_status(session, people, settings, Status.SUBMITTED)
    forms = _page(session, people.staff, req, "desk", settings).desk
    assert forms is not None and forms.triage_first and forms.triage is not None and forms.assign is None


@pytest.mark.usefixtures("page_context")
def test_a_closed_request_offers_the_enterprise_no_reply(
    session: Session, people: People, settings: DeskSettings
) -> None:
    req = in_status(session, people, settings, Status.DECLINED)
    page = _page(session, people.owner, req, "portal", settings)
    assert page.actions == [] and page.portal is not None and page.portal.form is None
    assert "can no longer be reopened" in page.portal.closed_note


@pytest.mark.usefixtures("page_context")
def test_a_draft_plan_offers_the_director_a_decision_and_the_staff_its_editing(
    session: Session, people: People
) -> None:
    plan = draft_plan(session, people)
    today = local_today()
    director = present_plan(plan_page(session, people.director, plan.id, today), people.director, today, None)
    assert director.decisions == [PlanAction.APPROVE, PlanAction.RETURN]
    staff = present_plan(plan_page(session, people.staff, plan.id, today), people.staff, today, None)
    assert staff.decisions == [] and staff.can_edit
    assert [(step.action, step.danger) for step in staff.steps] == [(PlanAction.DISCARD, True)]
