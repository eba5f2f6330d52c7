"""Administration pages (desk accounts) and the desk's enterprise verification."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.models import Enterprise, Role, User
from tests import factories
from tests.suite import login, post_form

EN = {"Accept-Language": "en"}


def _admin(client: FlaskClient, session: Session) -> User:
    admin = factories.user(session, Role.ADMIN, "JL-HUB")
    login(client, admin)
    return admin


def _new_user(session: Session, **changes: str) -> dict:
    form = {
        "name": "新同事",
        "email": "new.desk@jl.gov.cn",
        "phone": "0431-1",
        "role": "staff",
        "station_id": str(factories.station(session, "JL-DH").id),
        "password": "Stable-Password-9",
    }
    return {**form, **changes}


def _user(session: Session, email: str) -> User | None:
    session.expire_all()
    return session.scalars(select(User).where(User.email == email)).first()


@pytest.mark.parametrize("role", ["staff", "director"])
def test_admin_creates_a_desk_account_with_its_station(client: FlaskClient, session: Session, role: str) -> None:
    _admin(client, session)
    response = post_form(client, "/admin/users/new", _new_user(session, role=role), headers=EN)

    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    created = _user(session, "new.desk@jl.gov.cn")
    assert created is not None
    assert (created.role, created.station.code, created.active) == (Role(role), "JL-DH", True)
    listing = client.get("/admin/users", headers=EN).get_data(as_text=True)
    assert "Account new.desk@jl.gov.cn created." in listing
    assert "Dunhua City Sub-station" in listing


def test_the_new_account_can_sign_in_at_its_station_desk(client: FlaskClient, session: Session) -> None:
    _admin(client, session)
    post_form(client, "/admin/users/new", _new_user(session))
    post_form(client, "/logout", {})
    response = post_form(client, "/login", {"email": "new.desk@jl.gov.cn", "password": "Stable-Password-9"})
    assert response.status_code == 302
    assert client.get("/desk/").status_code == 200


def test_a_duplicate_email_is_refused(client: FlaskClient, session: Session) -> None:
    _admin(client, session)
    existing = factories.user(session, Role.STAFF, "JL-TH")
    response = post_form(client, "/admin/users/new", _new_user(session, email=existing.email.upper()), headers=EN)

    assert response.status_code == 400
    assert "A user with this email already exists." in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(User).where(User.email == existing.email)) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password": "password123"}, "This password is too common"),
        ({"role": "enterprise"}, "Not a valid choice."),
        ({"station_id": "999999"}, "Not a valid choice."),
        ({"email": "nobody"}, "Invalid email address."),
    ],
)
def test_bad_account_forms_answer_400_and_create_nothing(
    client: FlaskClient, session: Session, changes: dict, message: str
) -> None:
    _admin(client, session)
    response = post_form(client, "/admin/users/new", _new_user(session, **changes), headers=EN)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _user(session, _new_user(session, **changes)["email"]) is None


def test_admin_deactivates_and_reactivates_an_account(client: FlaskClient, session: Session) -> None:
    admin = _admin(client, session)
    staff = factories.user(session, Role.STAFF, "JL-TH")

    response = post_form(client, f"/admin/users/{staff.id}/active", {"active": "0"}, headers=EN)
    assert response.status_code == 302
    assert not _user(session, staff.email).active
    assert f"Account {staff.email} deactivated." in client.get("/admin/users", headers=EN).get_data(as_text=True)

    post_form(client, f"/admin/users/{staff.id}/active", {"active": "1"})
    assert _user(session, staff.email).active

    post_form(client, f"/admin/users/{admin.id}/active", {"active": "0"})
    assert _user(session, admin.email).active
    assert post_form(client, "/admin/users/999999/active", {"active": "0"}).status_code == 404


@pytest.mark.parametrize("role", [Role.STAFF, Role.DIRECTOR, Role.ENTERPRISE])
def test_non_admins_get_403_on_admin_pages(client: FlaskClient, session: Session, role: Role) -> None:
    user = factories.user(session, role, "JL-HUB" if role != Role.ENTERPRISE else "JL-CCND")
    victim = factories.user(session, Role.STAFF, "JL-TH")
    login(client, user)
    for path in ("/admin/users", "/admin/users/new", "/admin/stations"):
        assert client.get(path).status_code == 403, path
    assert post_form(client, f"/admin/users/{victim.id}/active", {"active": "0"}).status_code == 403
    assert post_form(client, "/admin/users/new", _new_user(session)).status_code == 403
    assert _user(session, victim.email).active
    assert _user(session, "new.desk@jl.gov.cn") is None


def test_the_stations_page_lists_the_hub_and_the_six_sub_stations(client: FlaskClient, session: Session) -> None:
    _admin(client, session)
    page = client.get("/admin/stations", headers=EN).get_data(as_text=True)
    for name in (
        "Jilin Provincial Medical Device Innovation Service Station",
        "Tonghua City Sub-station",
        "Changchun Economic Development Zone Sub-station",
        "Changchun New District Sub-station",
        "Meihe New District Sub-station",
        "Dongfeng County Sub-station",
        "Dunhua City Sub-station",
    ):
        assert name in page
    chinese = client.get("/admin/stations", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "通化市分站" in chinese and "长春经济技术开发区分站" in chinese


def _verified(session: Session, enterprise: Enterprise) -> bool:
    session.expire_all()
    return session.get(Enterprise, enterprise.id).verified


def test_staff_of_the_home_station_verify_an_enterprise(client: FlaskClient, session: Session) -> None:
    enterprise = factories.enterprise(session, "JL-CCND", name="待核验企业有限公司", verified=False)
    login(client, factories.user(session, Role.STAFF, "JL-CCND"))
    listing = client.get("/desk/enterprises?unverified=1").get_data(as_text=True)
    assert "待核验企业有限公司" in listing

    response = post_form(client, f"/desk/enterprises/{enterprise.id}/verify", {})

    assert response.status_code == 302
    assert _verified(session, enterprise)


def test_staff_of_another_sub_station_neither_see_nor_verify_it(client: FlaskClient, session: Session) -> None:
    enterprise = factories.enterprise(session, "JL-CCND", name="别站企业有限公司", verified=False)
    login(client, factories.user(session, Role.STAFF, "JL-TH"))
    assert "别站企业有限公司" not in client.get("/desk/enterprises").get_data(as_text=True)

    assert post_form(client, f"/desk/enterprises/{enterprise.id}/verify", {}).status_code == 404
    assert not _verified(session, enterprise)


def test_hub_staff_verify_any_enterprise_and_enterprises_may_not(client: FlaskClient, session: Session) -> None:
    enterprise = factories.enterprise(session, "JL-DF", verified=False)
    login(client, factories.user(session, Role.ENTERPRISE, enterprise_=enterprise))
    assert client.get("/desk/enterprises").status_code == 403
    assert post_form(client, f"/desk/enterprises/{enterprise.id}/verify", {}).status_code == 403
    assert not _verified(session, enterprise)

    login(client, factories.user(session, Role.STAFF, "JL-HUB"))
    assert post_form(client, f"/desk/enterprises/{enterprise.id}/verify", {}).status_code == 302
    assert _verified(session, enterprise)
