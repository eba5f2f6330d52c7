"""Builders for test data: each returns committed-in-the-test-transaction objects. Every test's people are
made here: one user of a role with ``user``, or the whole cast of the request tests with ``people``."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.infrastructure import passwords
from service.models import Enterprise, EnterpriseRole, EnterpriseSize, Role, Station, User
from service.rules.credit_code import complete

PASSWORD = "Correct-Horse-42"
_counter = itertools.count(1)


def station(session: Session, code: str) -> Station:
    return session.scalars(select(Station).where(Station.code == code)).one()


def credit_code(n: int | None = None) -> str:
    n = next(_counter) if n is None else n
    return complete(f"91220100{n:08d}")


def enterprise(
    session: Session, station_code: str = "JL-CCND", name: str | None = None, verified: bool = True
) -> Enterprise:
    n = next(_counter)
    found = Enterprise(
        name=name or f"测试企业{n}有限公司",
        credit_code=credit_code(n),
        city="长春市",
        station=station(session, station_code),
        size=EnterpriseSize.SMALL,
        product_areas=["imaging"],
        verified=verified,
    )
    session.add(found)
    session.commit()
    return found


def user(
    session: Session,
    role: Role,
    station_code: str | None = "JL-CCND",
    enterprise_: Enterprise | None = None,
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
) -> User:
    n = next(_counter)
    if role == Role.ENTERPRISE and enterprise_ is None:
        enterprise_ = enterprise(session, station_code or "JL-CCND")
    created = User(
        # As registration and invitations do: the enterprise's first contact administers it.
        enterprise_role=_first_or_member(session, enterprise_) if role == Role.ENTERPRISE else None,
        email=email or f"user{n}@example.cn",
        name=name or f"用户{n}",
        role=role,
        password_hash=passwords.hash_password(password),
        station=station(session, station_code) if role != Role.ENTERPRISE and station_code else None,
        enterprise=enterprise_,
    )
    session.add(created)
    session.commit()
    return created


def _first_or_member(session: Session, enterprise_: Enterprise | None) -> EnterpriseRole:
    taken = enterprise_ is not None and session.scalar(select(User.id).where(User.enterprise_id == enterprise_.id))
    return EnterpriseRole.MEMBER if taken else EnterpriseRole.ADMINISTRATOR


@dataclass
class People:
    owner: User  # contact person of the enterprise that submits
    colleague: User  # another contact person of the same enterprise
    other_enterprise: User  # contact of an enterprise of the same station
    staff: User  # staff of the enterprise's station (JL-CCND)
    staff2: User  # a second staff member there
    other_staff: User  # staff of another sub-station (JL-TH)
    hub_staff: User
    director: User  # director of JL-CCND
    other_director: User  # director of JL-TH
    hub_director: User  # the provincial director
    admin: User
    enterprise: Enterprise


def people(session: Session) -> People:
    """An enterprise of JL-CCND with two contacts, and everyone around it (the ``people`` fixture)."""
    enterprise_ = enterprise(session, "JL-CCND")
    return People(
        owner=user(session, Role.ENTERPRISE, enterprise_=enterprise_),
        colleague=user(session, Role.ENTERPRISE, enterprise_=enterprise_),
        other_enterprise=user(session, Role.ENTERPRISE, "JL-CCND"),
        staff=user(session, Role.STAFF, "JL-CCND"),
        staff2=user(session, Role.STAFF, "JL-CCND"),
        other_staff=user(session, Role.STAFF, "JL-TH"),
        hub_staff=user(session, Role.STAFF, "JL-HUB"),
        director=user(session, Role.DIRECTOR, "JL-CCND"),
        other_director=user(session, Role.DIRECTOR, "JL-TH"),
        hub_director=user(session, Role.DIRECTOR, "JL-HUB"),
        admin=user(session, Role.ADMIN, "JL-HUB"),
        enterprise=enterprise_,
    )
