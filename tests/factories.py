"""Builders for test data: each returns committed-in-the-test-transaction objects."""

from __future__ import annotations

import itertools

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.infrastructure import passwords
from service.models import Enterprise, EnterpriseSize, Role, Station, User
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
) -> User:
    n = next(_counter)
    if role == Role.ENTERPRISE and enterprise_ is None:
        enterprise_ = enterprise(session, station_code or "JL-CCND")
    created = User(
        email=email or f"user{n}@example.cn",
        name=f"用户{n}",
        role=role,
        password_hash=passwords.hash_password(PASSWORD),
        station=station(session, station_code) if role != Role.ENTERPRISE and station_code else None,
        enterprise=enterprise_,
    )
    session.add(created)
    session.commit()
    return created
