"""The policy: who covers which station, which requests a list shows, and NotFound versus Forbidden."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import Forbidden, NotFound
from service.models import (
    ExtensionRequest,
    HotlineSession,
    HotlineStatus,
    KnowledgeArticle,
    KnowledgeStatus,
    PlanStatus,
    Role,
    ServicePlan,
    ServiceRequest,
    Status,
    SupervisionOrder,
    User,
)
from service.models.base import utcnow
from service.operations.requests import submit_request
from service.queries import search
from service.rules import policy
from service.rules.policy import PolicyAction
from tests import factories
from tests.request_helpers import draft
from tests.suite import suite_settings


def _request(session: Session, submitter: User) -> ServiceRequest:
    """A request the contact submits for their enterprise, through the portal's operation."""
    return submit_request(
        session,
        submitter,
        draft(title="注册申报资料咨询", description="如何准备注册申报资料？"),
        settings=suite_settings().desk,
    )


@pytest.fixture()
def world(session: Session) -> dict:
    """Two enterprises at two sub-stations, one request each, and a user of every kind."""
    ccnd_company = factories.enterprise(session, "JL-CCND")
    tonghua_company = factories.enterprise(session, "JL-TH")
    ccnd_contact = factories.user(session, Role.ENTERPRISE, enterprise_=ccnd_company)
    tonghua_contact = factories.user(session, Role.ENTERPRISE, enterprise_=tonghua_company)
    return {
        "ccnd_request": _request(session, ccnd_contact),
        "tonghua_request": _request(session, tonghua_contact),
        "ccnd_contact": ccnd_contact,
        "tonghua_contact": tonghua_contact,
        "ccnd_staff": factories.user(session, Role.STAFF, "JL-CCND"),
        "ccnd_director": factories.user(session, Role.DIRECTOR, "JL-CCND"),
        "tonghua_staff": factories.user(session, Role.STAFF, "JL-TH"),
        "hub_staff": factories.user(session, Role.STAFF, "JL-HUB"),
        "hub_director": factories.user(session, Role.DIRECTOR, "JL-HUB"),
        "admin": factories.user(session, Role.ADMIN, "JL-HUB"),
    }


def test_covers_station(session: Session, world: dict) -> None:
    ccnd = factories.station(session, "JL-CCND").id
    tonghua = factories.station(session, "JL-TH").id
    assert policy.covers_station(world["ccnd_staff"], ccnd)
    assert not policy.covers_station(world["ccnd_staff"], tonghua)
    assert not policy.covers_station(world["ccnd_director"], tonghua)
    for everywhere in ("hub_staff", "hub_director", "admin"):
        assert policy.covers_station(world[everywhere], tonghua), everywhere
    # An enterprise contact has no station, even its own company's.
    assert not policy.covers_station(world["ccnd_contact"], ccnd)


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("ccnd_contact", {"ccnd_request"}),
        ("tonghua_contact", {"tonghua_request"}),
        ("ccnd_staff", {"ccnd_request"}),
        ("ccnd_director", {"ccnd_request"}),
        ("tonghua_staff", {"tonghua_request"}),
        ("hub_staff", {"ccnd_request", "tonghua_request"}),
        ("hub_director", {"ccnd_request", "tonghua_request"}),
        ("admin", {"ccnd_request", "tonghua_request"}),
    ],
)
def test_visible_requests_selects_exactly_the_users_scope(
    session: Session, world: dict, who: str, sees: set[str]
) -> None:
    ours = {world[name].id: name for name in ("ccnd_request", "tonghua_request")}
    found = session.scalars(select(ServiceRequest.id).where(policy.visible_requests(world[who]))).all()
    assert {ours[i] for i in found if i in ours} == sees
    # The list and the detail check never disagree.
    for request_id, name in ours.items():
        assert policy.may(world[who], PolicyAction.REQUEST_VIEW, session.get(ServiceRequest, request_id)) == (
            name in sees
        )


def test_an_enterprise_without_company_or_a_desk_user_without_station_sees_nothing(
    session: Session, world: dict
) -> None:
    orphan_contact = factories.user(session, Role.ENTERPRISE)
    orphan_contact.enterprise_id = None
    orphan_staff = factories.user(session, Role.STAFF, station_code=None)
    for user in (orphan_contact, orphan_staff):
        assert session.scalars(select(ServiceRequest.id).where(policy.visible_requests(user))).all() == []


def test_out_of_scope_answers_not_found_in_scope_but_not_allowed_answers_forbidden(world: dict) -> None:
    ccnd_request = world["ccnd_request"]
    with pytest.raises(NotFound):
        policy.authorize(world["tonghua_staff"], PolicyAction.REQUEST_TRIAGE, ccnd_request)
    with pytest.raises(NotFound):
        policy.authorize(world["tonghua_contact"], PolicyAction.REQUEST_VIEW, ccnd_request)
    with pytest.raises(Forbidden):
        policy.authorize(world["ccnd_contact"], PolicyAction.REQUEST_NOTE, ccnd_request)
    with pytest.raises(Forbidden):
        policy.authorize(world["ccnd_staff"], PolicyAction.REQUEST_INSTRUCT, ccnd_request)
    policy.authorize(world["ccnd_director"], PolicyAction.REQUEST_INSTRUCT, ccnd_request)
    policy.authorize(world["ccnd_staff"], PolicyAction.REQUEST_TRIAGE, ccnd_request)
    policy.authorize(world["ccnd_contact"], PolicyAction.REQUEST_REPLY, ccnd_request)


def test_internal_views_are_for_the_desk_only(world: dict) -> None:
    ccnd_request = world["ccnd_request"]
    assert not policy.may(world["ccnd_contact"], PolicyAction.REQUEST_VIEW_INTERNAL, ccnd_request)
    assert policy.may(world["ccnd_staff"], PolicyAction.REQUEST_VIEW_INTERNAL, ccnd_request)
    assert not policy.may(world["tonghua_staff"], PolicyAction.REQUEST_VIEW_INTERNAL, ccnd_request)


def test_a_deactivated_user_may_do_nothing(world: dict) -> None:
    staff = world["ccnd_staff"]
    staff.active = False
    assert not policy.may(staff, PolicyAction.REQUEST_VIEW, world["ccnd_request"])
    assert not policy.may(staff, PolicyAction.DESK_USE)
    with pytest.raises(NotFound):
        policy.authorize(staff, PolicyAction.REQUEST_VIEW, world["ccnd_request"])
    with pytest.raises(Forbidden):
        policy.authorize(staff, PolicyAction.DESK_USE, None)


@pytest.mark.parametrize(
    ("action", "allowed"),
    [
        (PolicyAction.DESK_USE, {"ccnd_staff", "ccnd_director", "hub_staff", "hub_director"}),
        (PolicyAction.DIRECTOR_USE, {"ccnd_director", "hub_director"}),
        (PolicyAction.ADMIN_USE, {"admin"}),
        (PolicyAction.MAIL_RETRY, {"admin"}),
        (PolicyAction.DASHBOARD_VIEW, {"ccnd_director", "hub_director", "admin"}),
        # The monthly report: the heads (a station's of its own station, the provincial director's of all).
        (PolicyAction.REPORT_VIEW, {"ccnd_director", "hub_director"}),
        # The rates' ranking: a station's head (scoped to his station by the queries), the provincial director.
        (PolicyAction.RATES_VIEW, {"ccnd_director", "hub_director", "admin"}),
        (PolicyAction.REQUEST_SUBMIT, {"ccnd_contact", "tonghua_contact"}),
        (PolicyAction.ENTERPRISE_VERIFY, {"ccnd_staff", "ccnd_director", "hub_staff", "hub_director"}),
    ],
)
def test_role_gates(world: dict, action: str, allowed: set[str]) -> None:
    users = {"ccnd_contact", "tonghua_contact", "ccnd_staff", "ccnd_director", "hub_staff", "hub_director", "admin"}
    assert {name for name in users if policy.may(world[name], action)} == allowed
    for name in users - allowed:
        with pytest.raises(Forbidden):
            policy.authorize(world[name], action, None)


def test_unknown_actions_and_targets_are_programming_errors(world: dict) -> None:
    # Free strings are refused even when they spell a real action: a misspelling cannot pass for "not allowed".
    for free in ("request.teleport", "request.view"):
        with pytest.raises(TypeError):
            policy.may(world["admin"], free, world["ccnd_request"])  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            policy.authorize(world["admin"], free, world["ccnd_request"])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        policy.may(world["admin"], PolicyAction.REQUEST_VIEW, object())


def test_an_enterprise_sees_its_plan_only_once_approved_in_lists_and_on_its_page(session: Session, world: dict) -> None:
    contact, other = world["ccnd_contact"], world["tonghua_contact"]
    plan = ServicePlan(
        enterprise_id=contact.enterprise_id,
        station_id=world["ccnd_request"].station_id,
        title="创新产品注册",
        goals="按期注册",
        products="",
        status=PlanStatus.DRAFT,
        created_by_id=world["ccnd_staff"].id,
    )
    session.add(plan)
    session.commit()
    listed = lambda user: plan.id in session.scalars(select(ServicePlan.id).where(policy.visible_plans(user))).all()  # noqa: E731
    for status, sees in (
        (PlanStatus.DRAFT, False),
        (PlanStatus.ACTIVE, True),
        (PlanStatus.COMPLETED, True),
        (PlanStatus.ARCHIVED, False),
    ):
        plan.status = status
        session.commit()
        assert listed(contact) is sees is policy.may(contact, PolicyAction.PLAN_VIEW, plan), status
        assert not listed(other) and not policy.may(other, PolicyAction.PLAN_VIEW, plan)
        # The desk of the station sees it whatever its status.
        assert listed(world["ccnd_staff"]) and policy.may(world["ccnd_staff"], PolicyAction.PLAN_VIEW, plan)


def test_the_search_scope_is_the_request_scope(world: dict) -> None:
    """The search index narrows by the same scope as the request lists: an enterprise, a station, or none."""
    contact, staff = world["ccnd_contact"], world["ccnd_staff"]
    assert policy.scope_of(contact) == policy.Scope(enterprise_id=contact.enterprise_id)
    assert search.scope_token(contact) == f"e{contact.enterprise_id}"
    assert policy.scope_of(staff) == policy.Scope(station_id=staff.station_id)
    assert search.scope_token(staff) == f"s{staff.station_id}"
    for everywhere in ("hub_staff", "hub_director", "admin"):
        assert policy.scope_of(world[everywhere]).every and search.scope_token(world[everywhere]) is None


def test_desk_membership_is_one_rule(session: Session, world: dict) -> None:
    """Who work may be given to: an active staff member or director covering the station."""
    ccnd = world["ccnd_request"].station_id
    assert policy.on_desk(world["ccnd_staff"], ccnd) and policy.on_desk(world["hub_director"], ccnd)
    assert not policy.on_desk(world["tonghua_staff"], ccnd)
    assert policy.on_desk(world["tonghua_staff"])
    for nobody in (world["ccnd_contact"], world["admin"], None):
        assert not policy.on_desk(nobody)
    world["ccnd_staff"].active = False
    session.commit()
    assert not policy.on_desk(world["ccnd_staff"], ccnd)
    members = set(session.scalars(select(User.id).where(policy.desk_members())))
    assert world["hub_director"].id in members and world["ccnd_staff"].id not in members
    assert world["ccnd_contact"].id not in members and world["admin"].id not in members


def test_the_asker_may_withdraw_an_ask_until_a_director_takes_it_up(session: Session, world: dict) -> None:
    contact = world["ccnd_contact"]
    hotline = HotlineSession(
        request=world["ccnd_request"], requested_by_id=contact.id, reason="请指导", status=HotlineStatus.REQUESTED
    )
    session.add(hotline)
    session.commit()
    assert policy.may(contact, PolicyAction.HOTLINE_WITHDRAW_ASK, hotline)
    assert not policy.may(world["ccnd_staff"], PolicyAction.HOTLINE_WITHDRAW_ASK, hotline)
    hotline.status = HotlineStatus.SCHEDULED
    assert not policy.may(contact, PolicyAction.HOTLINE_WITHDRAW_ASK, hotline)


def test_every_policy_action_has_a_rule(world: dict) -> None:
    """Each member of the enum is answered (for a global action or on an object of its kind), never a KeyError."""
    hotline = HotlineSession(
        request=world["ccnd_request"],
        requested_by_id=world["ccnd_contact"].id,
        reason="请指导",
        status=HotlineStatus.REQUESTED,
    )
    extension = ExtensionRequest(
        request=world["ccnd_request"],
        asked_by_id=world["ccnd_staff"].id,
        public_reason="需补充检测",
        new_due_at=utcnow(),
    )
    order = SupervisionOrder(
        request=world["ccnd_request"],
        station_id=world["ccnd_request"].station_id,
        issued_by_id=world["hub_director"].id,
        issue="办理超期",
        requirement="报送落实情况",
        deadline=utcnow(),
    )
    targets = {
        "request": world["ccnd_request"],
        "supervision": order,
        "hotline": hotline,
        "plan": None,
        "task_force": None,
        "extension": extension,
        "knowledge": KnowledgeArticle(station_id=world["ccnd_request"].station_id, status=KnowledgeStatus.PUBLISHED),
    }
    for action in PolicyAction:
        kind = action.value.split(".")[0]
        if action in policy.GLOBAL_RULES:
            assert isinstance(policy.may(world["ccnd_director"], action), bool)
        else:
            assert kind in targets, action
            if targets[kind] is not None:
                assert isinstance(policy.may(world["ccnd_director"], action, targets[kind]), bool)


def test_the_hosting_director_and_the_named_recorder_record_a_hotline_session(session: Session, world: dict) -> None:
    ccnd_request = world["ccnd_request"]
    second_staff = factories.user(session, Role.STAFF, "JL-CCND")
    hotline = HotlineSession(
        request=ccnd_request,
        requested_by_id=world["ccnd_contact"].id,
        reason="请指导",
        status=HotlineStatus.SCHEDULED,
        director_id=world["ccnd_director"].id,
        recorder_id=world["ccnd_staff"].id,
    )
    session.add(hotline)
    session.commit()
    for recorder in ("ccnd_director", "ccnd_staff", "hub_director"):
        assert policy.may(world[recorder], PolicyAction.HOTLINE_RECORD, hotline), recorder
    assert not policy.may(second_staff, PolicyAction.HOTLINE_RECORD, hotline)
    assert not policy.may(world["ccnd_contact"], PolicyAction.HOTLINE_RECORD, hotline)
    assert not policy.may(world["ccnd_staff"], PolicyAction.HOTLINE_MANAGE, hotline)
    with pytest.raises(NotFound):
        policy.authorize(world["tonghua_staff"], PolicyAction.HOTLINE_RECORD, hotline)


# -- reminders, result reviews, return visits and redos: who, on whose requests, in which states (the lifecycle's
# table adds the states of a review and a redo).

USERS = (
    "ccnd_contact",
    "tonghua_contact",
    "ccnd_staff",
    "ccnd_director",
    "tonghua_staff",
    "hub_staff",
    "hub_director",
    "admin",
)
RESULT_AT = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def _allowed(world: dict, action: PolicyAction) -> set[str]:
    return {name for name in USERS if policy.may(world[name], action, world["ccnd_request"])}


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (Status.TRIAGED, {"ccnd_director", "hub_director"}),
        (Status.REVIEW, {"ccnd_director", "hub_director"}),
        (Status.RESOLVED, set()),
        (Status.CLOSED, set()),
    ],
)
def test_heads_remind_open_requests_of_their_scope(
    session: Session, world: dict, status: Status, allowed: set[str]
) -> None:
    world["ccnd_request"].status = status
    assert _allowed(world, PolicyAction.REQUEST_REMIND) == allowed


def test_heads_of_the_requests_scope_review_results_and_order_redos(world: dict) -> None:
    for action in (PolicyAction.REQUEST_REVIEW_CLOSURE, PolicyAction.REQUEST_REDO):
        assert _allowed(world, action) == {"ccnd_director", "hub_director"}


@pytest.mark.parametrize(
    ("status", "assignee", "visited", "allowed"),
    [
        (Status.RESOLVED, None, False, {"ccnd_staff", "ccnd_director", "hub_staff", "hub_director"}),
        (Status.CLOSED, "ccnd_staff", False, {"ccnd_director", "hub_staff", "hub_director"}),
        (Status.RESOLVED, "ccnd_staff", True, set()),
        (Status.TRIAGED, None, False, set()),
    ],
)
def test_a_result_is_visited_once_by_the_desk_in_scope_other_than_its_handler(
    world: dict, status: Status, assignee: str | None, visited: bool, allowed: set[str]
) -> None:
    request = world["ccnd_request"]
    request.status = status
    request.assignee_id = world[assignee].id if assignee else None
    request.visited_at = RESULT_AT if visited else None
    assert _allowed(world, PolicyAction.REQUEST_RECORD_VISIT) == allowed


@pytest.mark.parametrize(
    ("status", "typical", "allowed"),
    [
        (Status.RESOLVED, False, {"ccnd_director", "hub_director"}),
        (Status.CLOSED, False, {"ccnd_director", "hub_director"}),
        (Status.GUIDANCE, False, set()),
        # Reopened since it was flagged: the flag can still be taken back.
        (Status.GUIDANCE, True, {"ccnd_director", "hub_director"}),
    ],
)
def test_heads_in_scope_flag_a_result_as_a_typical_case(
    world: dict, status: Status, typical: bool, allowed: set[str]
) -> None:
    request = world["ccnd_request"]
    request.status = status
    request.typical_at = RESULT_AT if typical else None
    assert _allowed(world, PolicyAction.REQUEST_FLAG_TYPICAL) == allowed
