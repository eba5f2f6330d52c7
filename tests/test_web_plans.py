"""The plan pages through the test client: drafting, approving, milestones, the enterprise's view, the
overdue list, linking requests, and 403/404 by scope."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import render_template_string
from flask.testing import FlaskClient
from flask_login import login_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import (
    HotlineSession,
    Milestone,
    MilestonePhase,
    MilestoneStatus,
    PlanStatus,
    Role,
    ServicePlan,
    ServiceRequest,
    Status,
    User,
)
from service.operations import milestones, plans
from service.operations.milestones import MilestoneFields
from service.queries.plans import local_today
from service.web.app_settings import desk_settings
from service.web.common.request_presenter import present_request
from service.web.database import db
from tests.conftest import login, post_form
from tests.plan_helpers import active_plan, draft_plan, make_request
from tests.request_helpers import People, people  # noqa: F401 - fixture

EN = {"Accept-Language": "en"}


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def test_staff_draft_a_plan_with_the_offered_phases(client: FlaskClient, session: Session, people: People) -> None:
    login(client, people.staff)
    picker = client.get("/plans/new")
    assert picker.status_code == 200 and people.enterprise.name in _text(picker)
    form = client.get(f"/plans/new?enterprise_id={people.enterprise.id}")
    page = _text(form)
    assert page.count('type="checkbox"') == len(plans.STANDARD_PHASES)
    assert page.count("checked") == len(plans.STANDARD_PHASES)  # offered, all ticked
    response = post_form(
        client,
        f"/plans/new?enterprise_id={people.enterprise.id}",
        {
            "title": "骨科植入物一企一策",
            "goals": "年内提交注册",
            "products": "椎间融合器",
            "liaison_id": people.staff2.id,
            "phases": ["rd_design", "type_testing", "approval"],
        },
    )
    assert response.status_code == 302
    plan = session.scalars(select(ServicePlan).where(ServicePlan.enterprise_id == people.enterprise.id)).one()
    assert [m.phase.value for m in plan.milestones] == ["rd_design", "type_testing", "approval"]
    shown = _text(client.get(response.headers["Location"]))
    assert "骨科植入物一企一策" in shown and "椎间融合器" in shown


def test_the_draft_form_shows_field_errors(client: FlaskClient, people: People) -> None:
    login(client, people.staff)
    response = post_form(
        client,
        f"/plans/new?enterprise_id={people.enterprise.id}",
        {"title": "", "goals": "目标", "liaison_id": people.other_staff.id},
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in _text(response)


def test_a_director_approves_from_the_plan_page(client: FlaskClient, session: Session, people: People) -> None:
    plan = draft_plan(session, people)
    login(client, people.staff)
    staff_page = _text(client.get(f"/plans/{plan.id}"))
    assert 'value="approve"' not in staff_page
    refused = post_form(client, f"/plans/{plan.id}/status", {"action": "approve", "version": plan.version})
    assert refused.status_code == 403
    login(client, people.director)
    assert 'value="approve"' in _text(client.get(f"/plans/{plan.id}"))
    response = post_form(
        client,
        f"/plans/{plan.id}/status",
        {"action": "approve", "version": plan.version, "comment": "同意。"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    session.expire_all()
    assert session.get(ServicePlan, plan.id).status == PlanStatus.ACTIVE
    assert 'value="complete"' in _text(response)


def test_a_second_approval_shows_the_reason(client: FlaskClient, session: Session, people: People) -> None:
    active_plan(session, people, title="现行计划")
    second = draft_plan(session, people, title="新计划")
    login(client, people.director)
    response = post_form(
        client,
        f"/plans/{second.id}/status",
        {"action": "approve", "version": second.version, "comment": "同意。"},
        follow_redirects=True,
    )
    assert "现行计划" in _text(response)
    session.expire_all()
    assert session.get(ServicePlan, second.id).status == PlanStatus.DRAFT


def test_a_stale_edit_answers_409_and_keeps_the_typing(client: FlaskClient, session: Session, people: People) -> None:
    plan = draft_plan(session, people)
    old_version = plan.version
    plans.update_plan(
        session,
        people.staff2,
        plan.id,
        old_version,
        plans.PlanFields(title=plan.title, goals="同事先保存的目标", products="", liaison_id=people.staff.id),
    )
    login(client, people.staff)
    response = post_form(
        client,
        f"/plans/{plan.id}/edit",
        {
            "title": plan.title,
            "goals": "我输入的目标",
            "products": "",
            "liaison_id": people.staff.id,
            "version": old_version,
        },
    )
    assert response.status_code == 409
    page = _text(response)
    assert "我输入的目标" in page and "同事先保存的目标" in page


def test_a_stale_milestone_edit_answers_409_and_keeps_the_typing(
    client: FlaskClient, session: Session, people: People
) -> None:
    plan = draft_plan(session, people)
    first = plan.milestones[0]
    seen = first.version
    milestones.update_milestone(
        session, people.staff2, first.id, MilestoneFields(first.phase, notes="同事先保存的备注"), expected_version=seen
    )
    login(client, people.staff)
    typed = {
        "phase": first.phase.value,
        "title": "",
        "owner_id": 0,
        "status": "planned",
        "blocked_reason": "",
        "notes": "我输入的备注",
    }
    stale = post_form(client, f"/plans/milestones/{first.id}", {**typed, "version": seen})
    assert stale.status_code == 409
    page = _text(stale)
    assert "我输入的备注" in page and "同事先保存的备注" in page
    session.expire_all()
    assert session.get(Milestone, first.id).notes == "同事先保存的备注"
    # The form now carries the saved version: saving again is a deliberate overwrite.
    again = post_form(client, f"/plans/milestones/{first.id}", {**typed, "version": seen + 1})
    assert again.status_code == 302
    session.expire_all()
    assert session.get(Milestone, first.id).notes == "我输入的备注"
    assert post_form(client, f"/plans/milestones/{first.id}", typed).status_code == 400  # no version: refused


def test_milestones_are_edited_moved_and_completed(client: FlaskClient, session: Session, people: People) -> None:
    plan = draft_plan(session, people)
    first, second = plan.milestones[:2]
    login(client, people.staff)
    blocked = post_form(
        client,
        f"/plans/milestones/{first.id}",
        {
            "phase": first.phase.value,
            "title": "",
            "owner_id": people.staff2.id,
            "due_date": "2026-04-30",
            "status": "blocked",
            "blocked_reason": "",
            "notes": "",
            "version": first.version,
        },
    )
    assert blocked.status_code == 400  # blocked needs a reason
    saved = post_form(
        client,
        f"/plans/milestones/{first.id}",
        {
            "phase": first.phase.value,
            "title": "",
            "owner_id": people.staff2.id,
            "due_date": "2026-04-30",
            "status": "blocked",
            "blocked_reason": "样机未定型",
            "notes": "内部备注",
            "version": first.version,
        },
    )
    assert saved.status_code == 302
    assert post_form(client, f"/plans/milestones/{second.id}/move", {"direction": "up"}).status_code == 302
    assert post_form(client, f"/plans/milestones/{first.id}/complete", {}).status_code == 302
    session.expire_all()
    first = session.get(Milestone, first.id)
    assert (first.status, first.owner_id, first.position) == (MilestoneStatus.DONE, people.staff2.id, 2)
    added = post_form(
        client,
        f"/plans/{plan.id}/milestones/new",
        {"phase": "other", "title": "生物学评价", "owner_id": 0, "status": "planned"},
    )
    assert added.status_code == 302
    page = _text(client.get(f"/plans/{plan.id}"))
    assert "生物学评价" in page and "内部备注" in page


def test_a_decision_without_its_comment_goes_back_beside_the_box_and_keeps_the_text(
    client: FlaskClient, session: Session, people: People
) -> None:
    plan = draft_plan(session, people)
    login(client, people.director)
    status = f"/plans/{plan.id}/status"
    empty = post_form(client, status, {"action": "return", "version": plan.version, "comment": " "}, headers=EN)
    assert empty.status_code == 302 and empty.location == f"/plans/{plan.id}"
    page = _text(client.get(empty.location, headers=EN))
    assert 'id="plan-decision-comment-error"' in page and "This field is required." in page

    too_long = "请补充临床评价路线的论证。" * 160  # 2,080 characters, over the 2,000 a comment holds
    long = post_form(client, status, {"action": "approve", "version": plan.version, "comment": too_long}, headers=EN)
    page = _text(client.get(long.location, headers=EN))
    assert f"{too_long}</textarea>" in page and "Field cannot be longer than 2000 characters." in page
    # A reload shows the plan as it stands: nothing was decided, and the box is empty again.
    again = _text(client.get(f"/plans/{plan.id}", headers=EN))
    assert too_long not in again and 'id="plan-decision-comment-error"' not in again
    session.expire_all()
    assert session.get(ServicePlan, plan.id).status == PlanStatus.DRAFT


def test_dropping_a_milestone_asks_first_and_only_the_confirmed_post_drops_it(
    client: FlaskClient, session: Session, people: People
) -> None:
    plan = draft_plan(session, people, title="影像设备一企一策")
    milestone = milestones.add_milestone(
        session, people.staff, plan.id, MilestoneFields(MilestonePhase.OTHER, title="生物相容性评价")
    ).id
    login(client, people.staff)
    remove = f"/plans/milestones/{milestone}/remove"
    question = "Drop the milestone “生物相容性评价” from the plan “影像设备一企一策”?"
    plan_page = _text(client.get(f"/plans/{plan.id}", headers=EN))
    # With the script, the browser's own dialog asks the same question before the confirmed POST.
    assert f'data-confirm="{question}' in plan_page and "js/confirm.js" in plan_page

    # The button's POST without the script (or a forged one) only asks, naming what would go; nothing is dropped.
    for unconfirmed in ({}, {"confirm": "no"}, {"confirm": ""}):
        asked = post_form(client, remove, unconfirmed, headers=EN)
        page = _text(asked)
        assert asked.status_code == 200
        assert question in page
        assert 'name="confirm" value="yes"' in page and f'href="/plans/{plan.id}#milestones">Cancel</a>' in page
    session.expire_all()
    assert session.get(Milestone, milestone) is not None

    dropped = post_form(client, remove, {"confirm": "yes"}, headers=EN, follow_redirects=True)
    assert dropped.request.path == f"/plans/{plan.id}"
    assert "The milestone “生物相容性评价” is dropped." in _text(dropped)
    session.expire_all()
    assert session.get(Milestone, milestone) is None
    assert post_form(client, remove, {"confirm": "yes"}).status_code == 404


def test_the_enterprise_sees_progress_but_no_internal_notes(
    client: FlaskClient, session: Session, people: People
) -> None:
    plan = active_plan(session, people, title="我们的一企一策")
    today = local_today()
    done, late = plan.milestones[:2]
    milestones.update_milestone(
        session,
        people.staff,
        done.id,
        MilestoneFields(done.phase, status=MilestoneStatus.DONE, notes="只给站内看的备注"),
    )
    milestones.update_milestone(
        session,
        people.staff,
        late.id,
        MilestoneFields(
            late.phase,
            status=MilestoneStatus.BLOCKED,
            blocked_reason="内部阻塞原因",
            due_date=today - timedelta(days=1),
        ),
    )
    login(client, people.owner)
    ours = client.get("/plans/ours")
    assert ours.status_code == 302 and ours.headers["Location"].endswith(f"/plans/{plan.id}")
    page = _text(client.get(f"/plans/{plan.id}"))
    assert "我们的一企一策" in page and "<progress" in page
    assert "plan-step-done" in page and "plan-step-late" in page and "plan-step-next" in page
    assert "只给站内看的备注" not in page and "内部阻塞原因" not in page
    assert "Timeline" not in page and "时间线" not in page


def test_the_enterprise_gets_404_for_other_and_unapproved_plans(
    client: FlaskClient, session: Session, people: People
) -> None:
    others = active_plan(session, people, enterprise=people.other_enterprise.enterprise)
    own_draft = draft_plan(session, people)
    login(client, people.owner)
    assert client.get(f"/plans/{others.id}").status_code == 404
    assert client.get(f"/plans/{own_draft.id}").status_code == 404
    assert client.get("/plans/ours").status_code == 200  # no plan in force: an explanation
    assert client.get("/plans/").status_code == 403
    assert post_form(client, f"/plans/{own_draft.id}/status", {"action": "approve", "version": 1}).status_code == 403


@pytest.mark.parametrize("who", ["other_staff", "other_director"])
def test_another_sub_station_gets_404_everywhere(
    client: FlaskClient, session: Session, people: People, who: str
) -> None:
    plan = draft_plan(session, people)
    milestone = plan.milestones[0]
    login(client, getattr(people, who))
    assert client.get(f"/plans/{plan.id}").status_code == 404
    assert client.get(f"/plans/{plan.id}/edit").status_code == 404
    assert client.get(f"/plans/milestones/{milestone.id}").status_code == 404
    approve = {"action": "approve", "version": plan.version}
    assert post_form(client, f"/plans/{plan.id}/status", approve).status_code == 404
    assert post_form(client, f"/plans/milestones/{milestone.id}/complete", {}).status_code == 404
    assert client.get(f"/plans/new?enterprise_id={people.enterprise.id}").status_code == 404
    assert plan.title not in _text(client.get("/plans/"))


def test_lists_and_overdue_page_in_scope(client: FlaskClient, session: Session, people: People) -> None:
    plan = active_plan(session, people, title="逾期示例计划")
    first = plan.milestones[0]
    milestones.update_milestone(
        session,
        people.staff,
        first.id,
        MilestoneFields(first.phase, title="设计验证", due_date=local_today() - timedelta(days=3)),
    )
    login(client, people.staff)
    listing = _text(client.get("/plans/?status=active"))
    assert "逾期示例计划" in listing
    assert "逾期示例计划" not in _text(client.get("/plans/?status=draft"))
    assert "逾期示例计划" in _text(client.get("/plans/?q=逾期"))
    overdue = _text(client.get("/plans/overdue"))
    assert "设计验证" in overdue
    login(client, people.other_staff)
    assert "设计验证" not in _text(client.get("/plans/overdue"))


def test_bad_input_never_answers_500(client: FlaskClient, session: Session, people: People) -> None:
    plan = draft_plan(session, people)
    login(client, people.director)
    forged = post_form(client, f"/plans/{plan.id}/status", {"action": "explode", "version": 1})
    assert forged.status_code == 302 and forged.location == f"/plans/{plan.id}"
    move = f"/plans/milestones/{plan.milestones[0].id}/move"
    assert post_form(client, move, {"direction": "sideways"}).status_code == 400
    assert client.get("/plans/?status=nonsense&before=abc&station=x").status_code == 200
    assert client.get("/plans/999999").status_code == 404
    assert post_form(client, "/plans/milestones/999999/complete", {}).status_code == 404
    assert client.get("/plans/new?enterprise_id=999999").status_code == 404


def _panel(client: FlaskClient, user: User, request: ServiceRequest) -> str:
    """The partial as the request page's presenter has it drawn for ``user``."""
    with client.application.test_request_context(f"/desk/requests/{request.id}"):
        login_user(user)
        page = present_request(
            db(),
            user,
            request,
            audience="portal" if user.role == Role.ENTERPRISE else "desk",
            kept={},
            conflict=None,
            settings=desk_settings(),
            back=f"/desk/requests/{request.id}",
        )
        return render_template_string('{% include "plans/_request_panel.html" %}', page=page)


def test_the_request_panel_offers_linking_to_desk_users_only(
    client: FlaskClient, session: Session, people: People
) -> None:
    plan = active_plan(session, people, title="现行的计划")
    draft_plan(session, people, title="草拟中的计划")
    active_plan(session, people, enterprise=people.other_enterprise.enterprise, title="别家的计划")
    request = make_request(session, people.enterprise, people.owner)
    desk = _panel(client, people.staff, request)
    assert f'action="/plans/requests/{request.id}/link"' in desk
    assert "现行的计划" in desk and "草拟中的计划" in desk and "别家的计划" not in desk
    assert "/task-forces/new?request_id=" in desk
    assert _panel(client, people.owner, request).count("现行的计划") == 0  # not linked yet
    plans.link_request_to_plan(session, people.staff, request.id, plan.id, request.version)
    enterprise_view = _panel(client, people.owner, request)
    assert f'href="/plans/{plan.id}"' in enterprise_view
    assert "<form" not in enterprise_view and "task-forces" not in enterprise_view


def test_linking_a_request_from_its_panel(client: FlaskClient, session: Session, people: People) -> None:
    plan = active_plan(session, people, title="可关联的计划")
    request = make_request(session, people.enterprise, people.owner, status=Status.EARLY_INTERVENTION)
    login(client, people.staff)
    response = post_form(
        client,
        f"/plans/requests/{request.id}/link",
        {"plan_id": plan.id, "version": request.version, "next": "/plans/ours"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/plans/ours")
    session.expire_all()
    request = session.get(ServiceRequest, request.id)
    assert request.plan_id == plan.id
    stale = post_form(
        client,
        f"/plans/requests/{request.id}/link",
        {"plan_id": "", "version": request.version - 1, "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert stale.status_code == 302 and "evil" not in stale.headers["Location"]
    session.expire_all()
    assert session.get(ServiceRequest, request.id).plan_id == plan.id
    assert request.reference in _text(client.get(f"/plans/{plan.id}"))  # listed on the plan page
    login(client, people.other_staff)
    assert (
        post_form(client, f"/plans/requests/{request.id}/link", {"plan_id": "", "version": request.version}).status_code
        == 404
    )


def test_the_plan_page_shows_hotline_sessions_of_its_requests(
    client: FlaskClient, session: Session, people: People
) -> None:
    plan = active_plan(session, people)
    request = make_request(session, people.enterprise, people.owner)
    plans.link_request_to_plan(session, people.staff, request.id, plan.id, request.version)
    unlinked = make_request(session, people.enterprise, people.owner)
    session.add_all(
        [
            HotlineSession(
                request_id=request.id,
                requested_by_id=people.owner.id,
                reason="审评卡点",
                director_id=people.director.id,
            ),
            HotlineSession(request_id=unlinked.id, requested_by_id=people.owner.id, reason="无关"),
        ]
    )
    session.commit()
    login(client, people.staff)
    page = _text(client.get(f"/plans/{plan.id}"))
    section = page[page.index('id="hotline"') : page.index('id="timeline"')]
    assert request.reference in section and people.director.name in section
    assert unlinked.reference not in section


def test_a_finished_plan_offers_no_editing(client: FlaskClient, session: Session, people: People) -> None:
    plan = active_plan(session, people)
    plans.change_plan_status(session, people.director, plan.id, plans.PlanAction.COMPLETE, None)
    login(client, people.staff)
    page = _text(client.get(f"/plans/{plan.id}"))
    assert f"/plans/{plan.id}/edit" not in page and "/plans/milestones/" not in page
    first = plan.milestones[0].id
    for path in (f"/plans/{plan.id}/edit", f"/plans/{plan.id}/milestones/new", f"/plans/milestones/{first}"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/plans/{plan.id}")


def test_progress_labels_follow_each_readers_language(client: FlaskClient, session: Session, people: People) -> None:
    plan = active_plan(session, people)
    milestones.complete_milestone(session, people.staff, plan.milestones[0].id)
    login(client, people.owner)
    pages = {
        lang: _text(client.get(f"/plans/{plan.id}", headers={"Accept-Language": lang}))
        for lang in ("zh-CN", "en", "zh-CN")
    }
    assert 'plan-state-done">Done<' in pages["en"]
    assert 'plan-state-done">Done<' not in pages["zh-CN"]


def test_the_director_sees_plans_to_approve_and_decides_with_a_comment_the_author_reads(
    client: FlaskClient, session: Session, people: People
) -> None:
    plan = draft_plan(session, people, title="待批示的方案")
    login(client, people.director)
    menu = _text(client.get("/plans/awaiting-approval", headers=EN))
    assert re.search(r'href="/plans/awaiting-approval"[^>]*>Plans to approve <span class="badge">1</span>', menu)
    assert "待批示的方案" in menu
    assert "Service plans awaiting approval" in _text(client.get("/director/", headers=EN))
    bare = post_form(
        client,
        f"/plans/{plan.id}/status",
        {"action": "return", "version": plan.version, "comment": ""},
        follow_redirects=True,
        headers=EN,
    )
    assert "takes a comment for its author" in _text(bare)
    session.expire_all()
    assert session.get(ServicePlan, plan.id).returned_at is None
    post_form(
        client,
        f"/plans/{plan.id}/status",
        {"action": "return", "version": plan.version, "comment": "请补充型式检验安排。"},
    )
    assert "待批示的方案" not in _text(client.get("/plans/awaiting-approval", headers=EN))
    assert "Returned for changes: 请补充型式检验安排。" in _text(client.get(f"/plans/{plan.id}", headers=EN))
    login(client, people.staff)
    inbox = _text(client.get("/notifications/", headers=EN))
    assert "Service plan returned for changes" in inbox and "请补充型式检验安排。" in inbox
    assert f"by {people.director.name}" in inbox
    opened = re.search(r'action="/notifications/(\d+)/open"', inbox)
    assert (
        post_form(client, f"/notifications/{opened.group(1)}/open", {})
        .headers["Location"]
        .endswith(f"/plans/{plan.id}")
    )


def test_a_joint_research_and_review_milestone_is_recorded_on_a_plan(
    client: FlaskClient, session: Session, people: People
) -> None:
    plan = draft_plan(session, people)
    login(client, people.staff)
    assert "研审联动" in _text(client.get(f"/plans/{plan.id}/milestones/new"))
    added = post_form(
        client,
        f"/plans/{plan.id}/milestones/new",
        {"phase": "joint_research_review", "title": "", "owner_id": 0, "status": "planned"},
    )
    assert added.status_code == 302
    assert "研审联动" in _text(client.get(f"/plans/{plan.id}"))
