"""Account operations: registration, sign-in with lockout, desk accounts, verification."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.errors import Forbidden, NotFound, ValidationError
from service.models import Enterprise, EnterpriseSize, Role, User
from service.operations import accounts
from service.rules.credit_code import complete
from tests import factories

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
ADDRESS = "203.0.113.7"


def _code(stem: str = "91220101MA1AB2C3") -> str:
    return complete(stem)


def _registration(session: Session, **changes: object) -> accounts.Registration:
    form = accounts.Registration(
        company_name="  长春测试医疗器械有限公司 ",
        credit_code=_code(),
        city="长春市",
        station_id=factories.station(session, "JL-CCND").id,
        size=EnterpriseSize.SMALL,
        product_areas=["imaging"],
        contact_name="王芳",
        email="Wang.Fang@Example.cn",
        phone="0431-1234567",
        password="Stable-Password-9",
    )
    return replace(form, **changes)


def _counts(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(Enterprise)) or 0,
        session.scalar(select(func.count()).select_from(User)) or 0,
    )


def test_registration_creates_an_unverified_enterprise_and_its_contact(session: Session) -> None:
    user = accounts.register_enterprise(session, _registration(session, credit_code=_code().lower()))

    enterprise = session.scalars(select(Enterprise).where(Enterprise.credit_code == _code())).one()
    assert enterprise.name == "长春测试医疗器械有限公司"
    assert enterprise.verified is False
    assert enterprise.station.code == "JL-CCND"
    assert user.role == Role.ENTERPRISE
    assert user.enterprise_id == enterprise.id
    assert user.email == "wang.fang@example.cn"
    assert user.password_hash != "Stable-Password-9"


def test_a_second_registration_of_the_same_code_is_refused_and_saves_nothing(session: Session) -> None:
    accounts.register_enterprise(session, _registration(session))
    before = _counts(session)

    with pytest.raises(ValidationError) as refused:
        accounts.register_enterprise(
            session, _registration(session, email="other@example.cn", company_name="另一家公司")
        )

    assert "already registered" in refused.value.fields["credit_code"]
    assert _counts(session) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"credit_code": _code()[:-1] + ("0" if _code()[-1] != "0" else "1")}, "credit_code"),
        ({"credit_code": _code()[:10] + "I" + _code()[11:]}, "credit_code"),
        ({"credit_code": _code()[:17]}, "credit_code"),
        ({"password": "short"}, "password"),
        ({"password": "password123"}, "password"),
        ({"password": "wang.fang"}, "password"),
        ({"station_id": 999_999}, "station_id"),
    ],
)
def test_bad_registrations_name_the_field_and_save_nothing(session: Session, changes: dict, field: str) -> None:
    before = _counts(session)
    with pytest.raises(ValidationError) as refused:
        accounts.register_enterprise(session, _registration(session, **changes))
    assert set(refused.value.fields) == {field}
    assert _counts(session) == before


def test_every_problem_of_a_registration_is_named_at_once(session: Session) -> None:
    before = _counts(session)
    with pytest.raises(ValidationError) as refused:
        accounts.register_enterprise(
            session, _registration(session, credit_code=_code()[:17] + "I", password="password123", station_id=999_999)
        )
    assert set(refused.value.fields) == {"credit_code", "password", "station_id"}
    assert _counts(session) == before


def test_a_taken_code_is_named_together_with_a_weak_password(session: Session) -> None:
    accounts.register_enterprise(session, _registration(session))
    with pytest.raises(ValidationError) as refused:
        accounts.register_enterprise(session, _registration(session, email="other@example.cn", password="short"))
    assert set(refused.value.fields) == {"credit_code", "password"}


def test_an_email_already_in_use_creates_and_changes_nothing_after_the_same_hashing_work(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    existing = factories.user(session, Role.STAFF)
    hashed_before, before = existing.password_hash, _counts(session)
    hashed: list[str] = []
    real_hash = accounts.passwords.hash_password

    def counted_hash(password: str) -> str:
        hashed.append(password)
        return real_hash(password)

    monkeypatch.setattr(accounts.passwords, "hash_password", counted_hash)

    assert accounts.register_enterprise(session, _registration(session, email=existing.email.upper())) is None
    accounts.register_enterprise(session, _registration(session, credit_code=_code("91220102MA1AB2C3")))

    assert hashed == ["Stable-Password-9", "Stable-Password-9"]
    assert _counts(session) == (before[0] + 1, before[1] + 1)
    session.refresh(existing)
    assert existing.password_hash == hashed_before and existing.enterprise_id is None


def _authenticate(session: Session, email: str, password: str, now: datetime = T0) -> User:
    return accounts.authenticate(session, email, password, ADDRESS, now=now)


def test_right_password_signs_in_whatever_the_email_case(session: Session) -> None:
    user = factories.user(session, Role.STAFF)
    signed_in = _authenticate(session, "  " + user.email.upper(), factories.PASSWORD)
    assert signed_in.id == user.id
    assert signed_in.last_login_at == T0


def test_wrong_password_and_unknown_email_fail_alike(session: Session) -> None:
    user = factories.user(session, Role.STAFF)
    failures = []
    for email, password in [(user.email, "Wrong-Password-1"), ("nobody@example.cn", factories.PASSWORD)]:
        with pytest.raises(accounts.AuthenticationFailed) as failed:
            _authenticate(session, email, password)
        failures.append((type(failed.value), failed.value.args))
    assert failures[0] == failures[1]


def test_five_failures_lock_the_account_for_fifteen_minutes(session: Session) -> None:
    user = factories.user(session, Role.STAFF)
    for minute in range(4):
        with pytest.raises(accounts.AuthenticationFailed):
            _authenticate(session, user.email, "Wrong-Password-1", T0 + timedelta(minutes=minute))
    # Four failures: the right password still works, and it resets the count.
    _authenticate(session, user.email, factories.PASSWORD, T0 + timedelta(minutes=4))
    for _ in range(5):
        with pytest.raises(accounts.AuthenticationFailed):
            _authenticate(session, user.email, "Wrong-Password-1", T0 + timedelta(minutes=5))

    for later in (timedelta(seconds=1), timedelta(minutes=14, seconds=59)):
        with pytest.raises(accounts.AuthenticationFailed):
            _authenticate(session, user.email, factories.PASSWORD, T0 + timedelta(minutes=5) + later)
    assert _authenticate(session, user.email, factories.PASSWORD, T0 + timedelta(minutes=20, seconds=1)).id == user.id


def test_attempts_during_the_lock_do_not_extend_it(session: Session) -> None:
    user = factories.user(session, Role.STAFF)
    for _ in range(5):
        with pytest.raises(accounts.AuthenticationFailed):
            _authenticate(session, user.email, "Wrong-Password-1")
    for _ in range(10):
        with pytest.raises(accounts.AuthenticationFailed):
            _authenticate(session, user.email, "Wrong-Password-1", T0 + timedelta(minutes=10))
    assert _authenticate(session, user.email, factories.PASSWORD, T0 + timedelta(minutes=15, seconds=1)).id == user.id


def test_a_deactivated_user_cannot_sign_in(session: Session) -> None:
    admin = factories.user(session, Role.ADMIN, "JL-HUB")
    user = factories.user(session, Role.STAFF)
    accounts.set_user_active(session, admin, user.id, False)
    with pytest.raises(accounts.AuthenticationFailed):
        _authenticate(session, user.email, factories.PASSWORD)


def _desk_form(session: Session, **changes: object) -> accounts.DeskUserForm:
    form = accounts.DeskUserForm(
        email="New.Staff@jl.gov.cn",
        name="新同事",
        role=Role.STAFF,
        station_id=factories.station(session, "JL-TH").id,
        password="Stable-Password-9",
    )
    return replace(form, **changes)


def test_admin_creates_desk_accounts_with_their_station(session: Session) -> None:
    admin = factories.user(session, Role.ADMIN, "JL-HUB")
    staff = accounts.create_desk_user(session, admin, _desk_form(session))
    director = accounts.create_desk_user(session, admin, _desk_form(session, email="d@jl.gov.cn", role=Role.DIRECTOR))

    assert (staff.email, staff.role, staff.station.code) == ("new.staff@jl.gov.cn", Role.STAFF, "JL-TH")
    assert (director.role, director.station.code) == (Role.DIRECTOR, "JL-TH")
    assert _authenticate(session, "new.staff@jl.gov.cn", "Stable-Password-9").id == staff.id


def test_desk_accounts_refuse_duplicates_enterprise_role_and_non_admins(session: Session) -> None:
    admin = factories.user(session, Role.ADMIN, "JL-HUB")
    accounts.create_desk_user(session, admin, _desk_form(session))
    with pytest.raises(ValidationError) as duplicate:
        accounts.create_desk_user(session, admin, _desk_form(session, email="NEW.STAFF@jl.gov.cn"))
    assert set(duplicate.value.fields) == {"email"}
    with pytest.raises(ValidationError):
        accounts.create_desk_user(session, admin, _desk_form(session, email="e@jl.gov.cn", role=Role.ENTERPRISE))
    director = factories.user(session, Role.DIRECTOR, "JL-HUB")
    with pytest.raises(Forbidden):
        accounts.create_desk_user(session, director, _desk_form(session, email="x@jl.gov.cn"))


def test_deactivation_ends_live_sessions_and_admins_cannot_lock_themselves_out(session: Session) -> None:
    admin = factories.user(session, Role.ADMIN, "JL-HUB")
    user = factories.user(session, Role.STAFF)
    old_cookie_id = user.get_id()

    accounts.set_user_active(session, admin, user.id, False)
    assert not user.active
    assert user.get_id() != old_cookie_id
    with pytest.raises(Forbidden):
        accounts.set_user_active(session, admin, admin.id, False)
    with pytest.raises(NotFound):
        accounts.set_user_active(session, admin, 999_999, False)
    accounts.set_user_active(session, admin, user.id, True)
    assert _authenticate(session, user.email, factories.PASSWORD).id == user.id


def test_home_station_and_hub_staff_verify_enterprises_others_do_not_see_them(session: Session) -> None:
    enterprise = factories.enterprise(session, "JL-CCND", verified=False)
    other_station = factories.user(session, Role.STAFF, "JL-TH")
    with pytest.raises(NotFound):
        accounts.verify_enterprise(session, other_station, enterprise.id)
    with pytest.raises(Forbidden):
        accounts.verify_enterprise(session, factories.user(session, Role.ENTERPRISE), enterprise.id)
    assert not session.get(Enterprise, enterprise.id).verified

    home = factories.user(session, Role.STAFF, "JL-CCND")
    verified = accounts.verify_enterprise(session, home, enterprise.id, now=T0)
    assert (verified.verified, verified.verified_at, verified.verified_by_id) == (True, T0, home.id)

    another = factories.enterprise(session, "JL-DH", verified=False)
    assert accounts.verify_enterprise(session, factories.user(session, Role.STAFF, "JL-HUB"), another.id).verified


def test_change_password_checks_the_current_one_and_ends_other_sessions(session: Session) -> None:
    user = factories.user(session, Role.STAFF)
    old_cookie_id = user.get_id()
    with pytest.raises(ValidationError) as wrong:
        accounts.change_password(session, user, "not-it", "Another-Password-7")
    assert set(wrong.value.fields) == {"current_password"}
    accounts.change_password(session, user, factories.PASSWORD, "Another-Password-7")
    assert session.get(User, user.id).get_id() != old_cookie_id
    assert _authenticate(session, user.email, "Another-Password-7").id == user.id
