"""Reference data every installation needs, and demo accounts for trying the system out.

Both are idempotent: running them again adds only what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.infrastructure import passwords
from service.models import (
    CalendarDay,
    Enterprise,
    EnterpriseRole,
    EnterpriseSize,
    Priority,
    Role,
    SlaTarget,
    Station,
    User,
)
from service.rules.credit_code import complete
from service.store.db import unit_of_work

STATIONS = [
    # code, name_zh, name_en, region, is_hub
    (
        "JL-HUB",
        "吉林省医疗器械创新服务站",
        "Jilin Provincial Medical Device Innovation Service Station",
        "长春市",
        True,
    ),
    ("JL-TH", "通化市分站", "Tonghua City Sub-station", "通化市", False),
    ("JL-CCED", "长春经济技术开发区分站", "Changchun Economic Development Zone Sub-station", "长春市", False),
    ("JL-CCND", "长春新区分站", "Changchun New District Sub-station", "长春市", False),
    ("JL-MH", "梅河新区分站", "Meihe New District Sub-station", "梅河口市", False),
    ("JL-DF", "东丰县分站", "Dongfeng County Sub-station", "辽源市东丰县", False),
    ("JL-DH", "敦化市分站", "Dunhua City Sub-station", "延边州敦化市", False),
]

# Working hours allowed per priority: (first response, resolution).
SLA_DEFAULTS = {Priority.P1: (2, 16), Priority.P2: (4, 40), Priority.P3: (8, 80), Priority.P4: (16, 160)}

# The State Council's 2026 holiday arrangement: days off, and weekend make-up working days.
CALENDAR_2026 = [
    *[(date(2026, 1, d), False, "元旦") for d in (1, 2, 3)],
    (date(2026, 1, 4), True, "元旦调休上班"),
    *[(date(2026, 2, d), False, "春节") for d in range(15, 24)],
    (date(2026, 2, 14), True, "春节调休上班"),
    (date(2026, 2, 28), True, "春节调休上班"),
    *[(date(2026, 4, d), False, "清明节") for d in (4, 5, 6)],
    *[(date(2026, 5, d), False, "劳动节") for d in range(1, 6)],
    (date(2026, 5, 9), True, "劳动节调休上班"),
    *[(date(2026, 6, d), False, "端午节") for d in (19, 20, 21)],
    *[(date(2026, 9, d), False, "中秋节") for d in (25, 26, 27)],
    *[(date(2026, 10, d), False, "国庆节") for d in range(1, 8)],
    (date(2026, 9, 20), True, "国庆节调休上班"),
    (date(2026, 10, 10), True, "国庆节调休上班"),
]

DEMO_PASSWORD = "Demo-Desk-2026"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: Role
    station: str | None = None
    enterprise: str | None = None
    # An enterprise's demo contact administers it unless this says otherwise.
    enterprise_role: EnterpriseRole | None = None


DEMO_ENTERPRISES = [
    # credit code without its two check characters, name, city, station, size, areas, verified
    (
        "91220101MA17CX0Y",
        "长春博识医疗科技有限公司",
        "长春市",
        "JL-CCND",
        EnterpriseSize.SMALL,
        ["imaging", "software_ai"],
        True,
    ),
    ("91220501MA14TH2Q", "通化康宁生物医学有限公司", "通化市", "JL-TH", EnterpriseSize.MEDIUM, ["ivd"], True),
    ("91220104MA16ED3K", "吉林瑞康植介器械股份有限公司", "长春市", "JL-CCED", EnterpriseSize.LARGE, ["implant"], False),
]

DEMO_ACCOUNTS = [
    DemoAccount("admin@demo.jl.gov.cn", "系统管理员", Role.ADMIN, station="JL-HUB"),
    DemoAccount("director@demo.jl.gov.cn", "王局长", Role.DIRECTOR, station="JL-HUB"),
    DemoAccount("hub.staff@demo.jl.gov.cn", "李明（省站）", Role.STAFF, station="JL-HUB"),
    DemoAccount("ccnd.staff@demo.jl.gov.cn", "赵婷（长春新区）", Role.STAFF, station="JL-CCND"),
    DemoAccount("ccnd.director@demo.jl.gov.cn", "周站长（长春新区）", Role.DIRECTOR, station="JL-CCND"),
    DemoAccount("tonghua.staff@demo.jl.gov.cn", "陈刚（通化）", Role.STAFF, station="JL-TH"),
    DemoAccount("tonghua.director@demo.jl.gov.cn", "孙站长（通化）", Role.DIRECTOR, station="JL-TH"),
    DemoAccount("contact@boshi-med.example.cn", "刘洋", Role.ENTERPRISE, enterprise="91220101MA17CX0Y"),
    DemoAccount("contact@kangning-bio.example.cn", "张华", Role.ENTERPRISE, enterprise="91220501MA14TH2Q"),
    DemoAccount("contact@ruikang-implant.example.cn", "吴静", Role.ENTERPRISE, enterprise="91220104MA16ED3K"),
    # A colleague of 博识 (Colleagues in one enterprise): a member, who sees the enterprise's requests too.
    DemoAccount(
        "colleague@boshi-med.example.cn",
        "陈晨",
        Role.ENTERPRISE,
        enterprise="91220101MA17CX0Y",
        enterprise_role=EnterpriseRole.MEMBER,
    ),
]


def demo_enterprise(session: Session, index: int) -> Enterprise:
    """The enterprise of ``DEMO_ENTERPRISES[index]``."""
    code = complete(DEMO_ENTERPRISES[index][0])
    return session.scalars(select(Enterprise).where(Enterprise.credit_code == code)).one()


def demo_user(session: Session, email: str) -> User:
    return session.scalars(select(User).where(User.email == email)).one()


def seed_reference_data(session: Session) -> None:
    """Stations, SLA targets and the current year's working-day calendar."""
    with unit_of_work(session):
        existing = set(session.scalars(select(Station.code)))
        for code, name_zh, name_en, region, is_hub in STATIONS:
            if code not in existing:
                session.add(Station(code=code, name_zh=name_zh, name_en=name_en, region=region, is_hub=is_hub))
        for priority, (first, resolution) in SLA_DEFAULTS.items():
            if session.get(SlaTarget, priority) is None:
                session.add(SlaTarget(priority=priority, first_response_hours=first, resolution_hours=resolution))
        known_days = set(session.scalars(select(CalendarDay.day)))
        for day, working, name in CALENDAR_2026:
            if day not in known_days:
                session.add(CalendarDay(day=day, is_working_day=working, name=name))


def seed_demo_accounts(session: Session) -> list[DemoAccount]:
    """Demo enterprises and one account per role; returns the accounts for printing."""
    with unit_of_work(session):
        stations = {s.code: s for s in session.scalars(select(Station))}
        enterprises: dict[str, Enterprise] = {}
        for stem, name, city, station, size, areas, verified in DEMO_ENTERPRISES:
            code = complete(stem)
            enterprise = session.scalars(select(Enterprise).where(Enterprise.credit_code == code)).first()
            if enterprise is None:
                enterprise = Enterprise(
                    name=name,
                    credit_code=code,
                    city=city,
                    station=stations[station],
                    size=size,
                    product_areas=areas,
                    verified=verified,
                )
                session.add(enterprise)
            enterprises[stem] = enterprise
        password_hash = passwords.hash_password(DEMO_PASSWORD)
        known = set(session.scalars(select(User.email)))
        for account in DEMO_ACCOUNTS:
            if account.email in known:
                continue
            session.add(
                User(
                    email=account.email,
                    name=account.name,
                    role=account.role,
                    password_hash=password_hash,
                    station=stations[account.station] if account.station else None,
                    enterprise=enterprises[account.enterprise] if account.enterprise else None,
                    enterprise_role=account.enterprise_role
                    or (EnterpriseRole.ADMINISTRATOR if account.enterprise else None),
                )
            )
    return DEMO_ACCOUNTS
