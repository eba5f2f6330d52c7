"""Task-force pages: set up for a plan or a request, members and experts, "my task forces", and scope."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import Status, TaskForce, TaskForceStatus
from service.operations import task_forces
from service.operations.task_forces import TaskForceFields
from service.store.settings import DeskSettings
from tests.factories import People
from tests.plan_helpers import active_plan
from tests.request_helpers import in_status
from tests.suite import login, post_form


def _team(session: Session, people: People, **target: int) -> TaskForce:
    return task_forces.create_task_force(
        session, people.staff, TaskForceFields("注册攻关专班", "解决临床评价难题", people.staff.id), **target
    )


def test_set_up_a_task_force_for_a_plan_and_add_people(client: FlaskClient, session: Session, people: People) -> None:
    plan = active_plan(session, people)
    login(client, people.staff)
    assert client.get(f"/task-forces/new?plan_id={plan.id}").status_code == 200
    created = post_form(
        client,
        f"/task-forces/new?plan_id={plan.id}",
        {"name": "影像AI专班", "purpose": "审评问题攻关", "lead_id": people.staff.id},
    )
    assert created.status_code == 302
    team = session.scalars(select(TaskForce).where(TaskForce.plan_id == plan.id)).one()
    assert post_form(client, f"/task-forces/{team.id}/members", {"user_id": people.other_staff.id}).status_code == 302
    assert (
        post_form(
            client,
            f"/task-forces/{team.id}/experts",
            {"name": "周教授", "affiliation": "吉林大学", "field": "医学影像"},
        ).status_code
        == 302
    )
    page = client.get(f"/task-forces/{team.id}").get_data(as_text=True)
    assert people.other_staff.name in page and "周教授" in page and "吉林大学" in page
    assert "影像AI专班" in client.get(f"/plans/{plan.id}").get_data(as_text=True)


def test_a_task_force_for_a_request(
    client: FlaskClient, session: Session, people: People, settings: DeskSettings
) -> None:
    request = in_status(session, people, settings, Status.TRIAGED)
    login(client, people.director)
    response = post_form(
        client,
        f"/task-forces/new?request_id={request.id}",
        {"name": "急难愁盼专班", "purpose": "限期解决", "lead_id": people.staff.id},
    )
    assert response.status_code == 302
    team = session.scalars(select(TaskForce).where(TaskForce.request_id == request.id)).one()
    assert request.reference in client.get(f"/task-forces/{team.id}").get_data(as_text=True)
    login(client, people.other_staff)
    assert client.get(f"/task-forces/new?request_id={request.id}").status_code == 404


def test_members_see_it_in_my_task_forces_but_cannot_run_it(
    client: FlaskClient, session: Session, people: People
) -> None:
    team = _team(session, people, plan_id=active_plan(session, people).id)
    task_forces.add_staff_member(session, people.staff, team.id, people.other_staff.id)
    login(client, people.other_staff)
    assert "注册攻关专班" in client.get("/task-forces/mine").get_data(as_text=True)
    page = client.get(f"/task-forces/{team.id}").get_data(as_text=True)
    assert "注册攻关专班" in page and f"/task-forces/{team.id}/edit" not in page
    assert (
        post_form(client, f"/task-forces/{team.id}/experts", {"name": "某", "affiliation": "某院"}).status_code == 403
    )
    assert client.get(f"/task-forces/{team.id}/edit").status_code == 403
    login(client, people.other_director)
    assert client.get(f"/task-forces/{team.id}").status_code == 404
    assert "注册攻关专班" not in client.get("/task-forces/mine").get_data(as_text=True)
    login(client, people.owner)
    assert client.get(f"/task-forces/{team.id}").status_code == 403  # not a desk page at all


def test_close_a_task_force_and_remove_a_member(client: FlaskClient, session: Session, people: People) -> None:
    team = _team(session, people, plan_id=active_plan(session, people).id)
    member = task_forces.add_staff_member(session, people.staff, team.id, people.staff2.id)
    login(client, people.staff)
    remove = f"/task-forces/members/{member.id}/remove"
    # Unconfirmed (no script asked, or a forged POST): a page asks, naming the member; nobody is removed.
    asked = post_form(client, remove, {}, headers={"Accept-Language": "en"})
    assert asked.status_code == 200
    assert f"Remove {people.staff2.name} from the task force “注册攻关专班”?" in asked.get_data(as_text=True)
    session.expire_all()
    assert [m.user_id for m in session.get(TaskForce, team.id).members] == [people.staff2.id]
    assert post_form(client, remove, {"confirm": "yes"}).status_code == 302
    edited = post_form(
        client,
        f"/task-forces/{team.id}/edit",
        {"name": team.name, "purpose": team.purpose, "lead_id": people.staff.id, "status": "closed"},
    )
    assert edited.status_code == 302
    session.expire_all()
    team = session.get(TaskForce, team.id)
    assert team.status == TaskForceStatus.CLOSED and team.members == []
    assert post_form(client, "/task-forces/members/999999/remove", {"confirm": "yes"}).status_code == 404
    assert post_form(client, remove, {"confirm": "yes"}).status_code == 404
    assert client.get("/task-forces/new").status_code == 404


def test_a_member_from_another_station_opens_the_plan_and_the_request_but_cannot_run_them(
    client: FlaskClient, session: Session, people: People, settings: DeskSettings
) -> None:
    plan = active_plan(session, people)
    request = in_status(session, people, settings, Status.TRIAGED)
    login(client, people.other_staff)
    assert client.get(f"/plans/{plan.id}").status_code == 404
    assert client.get(f"/desk/requests/{request.id}").status_code == 404
    for target in ({"plan_id": plan.id}, {"request_id": request.id}):
        team = _team(session, people, **target)
        task_forces.add_staff_member(session, people.staff, team.id, people.other_staff.id)
    plan_page = client.get(f"/plans/{plan.id}")
    request_page = client.get(f"/desk/requests/{request.id}")
    assert plan_page.status_code == 200 and plan.title in plan_page.get_data(as_text=True)
    assert request_page.status_code == 200 and request.reference in request_page.get_data(as_text=True)
    # Running the case stays with its own station: no acceptance or assignment form for the member.
    assert f"/desk/requests/{request.id}/triage" not in request_page.get_data(as_text=True)
    assert f"/desk/requests/{request.id}/assign" not in request_page.get_data(as_text=True)
    # The director of that other station is on no task force: still nothing there.
    login(client, people.other_director)
    assert client.get(f"/desk/requests/{request.id}").status_code == 404
