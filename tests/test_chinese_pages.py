"""Every page every role opens reads wholly in Chinese, and the English pages carry no Chinese but the data.

The world below is made through the real operations (the SLA sweep's escalation, a returned and then approved
plan, a station head's and the director's hotline sessions, instructions, task forces), so that the texts the
system writes itself — timeline lines, notifications, the sweep's reasons — are on the pages too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models import (
    CalendarDay,
    Enterprise,
    HotlineSession,
    MilestoneStatus,
    ServicePlan,
    ServiceRequest,
    Station,
    Status,
    TaskForce,
    User,
)
from service.models.base import utcnow
from service.operations import hotline, milestones, plans, task_forces
from service.operations.api_tokens import create_token
from service.operations.attachments import Upload
from service.operations.calendar_admin import set_calendar_day
from service.operations.instructions import acknowledge_instruction, write_instruction
from service.operations.requests import add_message, transfer_request
from service.operations.saved_views import save_view
from service.operations.sla import sweep
from service.rules.lifecycle import Action
from service.store.settings import DeskSettings
from tests import factories
from tests.factories import People
from tests.request_helpers import PDF, act, in_status, submit, triaged
from tests.suite import csrf_token, login
from tests.test_two_factor_web import enrol

pytestmark = pytest.mark.slow  # renders every page of every audience

TEMPLATE = "https://meet.example.gov.cn/hotline/{reference}-{token}"
# What people typed in the world below. The English pages may show these, people's and companies' names, and the
# reference data kept in one language (station regions, the calendar's day names); nothing else in Chinese.
TYPED = (
    "说明书.pdf",
    "检验报告.pdf",
    "会议纪要.pdf",
    "临床评价路径咨询",
    "注册申报资料咨询",
    "请指导第二类产品注册申报资料的准备。",
    "请补充型式检验报告。",
    "已补充检验报告，请查收。",
    "内部：检验报告待核对。",
    "请加快办理，本周内答复企业。",
    "请与企业核对临床数据。",
    "请站长指导临床评价路径",
    "周四下午",
    "请局长协调优先审批",
    "下周一上午",
    "请局长指导生物学评价",
    "会议纪要：明确临床评价路径。",
    "明确采用同品种比对路径。",
    "同意同品种比对。",
    "整理同品种比对资料",
    "创新产品注册一企一策",
    "完成第三类医疗器械注册。",
    "便携式超声诊断仪",
    "补充风险分析后再报。",
    "同意按方案推进。",
    "等待检测机构排期",
    "临床评价专班",
    "制定临床评价方案",
    "王专家",
    "省医疗器械检验研究院",
    "有源医疗器械检验",
    "不属于本站服务范围，转通化分站。",
    "已答复",
    "检验类诉求",
    "检验",
    "报表系统",
    "元旦",
)

# Words a Chinese page may keep, each for a reason: units as Babel writes them for zh, file formats and
# apps known by their product names, and the interface's and the two-step standard's own names.
ALLOWED_WORDS = frozenset(
    {
        "B",
        "kB",
        "MB",
        "PDF",
        "Word",
        "Excel",
        "PowerPoint",
        "PNG",
        "JPEG",
        "GIF",
        "WebP",
        "ZIP",
        "CSV",
        "Microsoft",
        "Google",
        "Authenticator",
        "FreeOTP",
        "API",
        "TOTP",
    }
)
# Codes that are not words: reference numbers, station codes, priorities, unified social credit codes, file
# name extensions; and addresses (e-mail, web, the authenticator's set-up link).
CODES = re.compile(r"\bJL-\d{4}-\d{3,}\b|\bJL-[A-Z]{2,}\b|\bP[1-4]\b|\b[0-9A-Z]{18}\b|\.[a-z]{2,4}\b")
NOT_TEXT = re.compile(r"\S+@\S+|\b[a-z]+://\S+")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
# English punctuation against Chinese (“牵头人:”, “(周一)”, “甲, 乙”): Chinese text takes the full-width forms.
# A comma with no space is a CSV example's separator (“2026-10-01,休,国庆节”), typed as shown.
HAN_CHAR = "[\u3400-\u9fff]"
ASCII_PUNCTUATION = re.compile(rf"{HAN_CHAR} ?[:;()]|[:;()] ?{HAN_CHAR}|{HAN_CHAR}, |, {HAN_CHAR}")
HAN = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff01-\uff5e]+")
MISSING = "999999999"  # a request id nobody has: the not-found page
# Literal code (a key to type, a header to send) is no language; scripts and styles are not shown.
UNREAD = ("script", "style", "code")
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
BUTTON_INPUTS = ("submit", "button", "reset")


class VisibleText(HTMLParser):
    """The text a reader sees or hears: text outside UNREAD elements, and the attributes shown or read out.

    An element marked in another language than the page's (the switcher's "English"/"中文") is skipped.
    """

    def __init__(self, page_lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_lang = page_lang
        self.parts: list[str] = []
        self._skipping: tuple[str, int] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = {name: value or "" for name, value in attrs}
        if self._skipping:
            name, depth = self._skipping
            self._skipping = (name, depth + (tag == name))
            return
        if tag in UNREAD or ("lang" in given and tag != "html" and given["lang"] != self.page_lang):
            self._skipping = (tag, 1)
            return
        self.parts.extend(given[name] for name in SHOWN_ATTRIBUTES if given.get(name))
        if tag == "input" and given.get("type") in BUTTON_INPUTS and given.get("value"):
            self.parts.append(given["value"])

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and tag == self._skipping[0]:
            depth = self._skipping[1] - 1
            self._skipping = (tag, depth) if depth else None

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str, page_lang: str) -> str:
    parser = VisibleText(page_lang)
    parser.feed(html)
    parser.close()
    return " ".join(parser.parts)


def english_left(text: str) -> list[str]:
    """Each English word, and English punctuation against Chinese, outside the allowed words and codes, in context."""
    text = CODES.sub(" ", NOT_TEXT.sub(" ", text))
    found = [*(m for m in WORD.finditer(text) if m.group() not in ALLOWED_WORDS), *ASCII_PUNCTUATION.finditer(text)]
    return sorted({f"{m.group()!r} in “{text[max(m.start() - 15, 0) : m.end() + 15]}”" for m in found})


@dataclass
class World:
    people: People
    case: ServiceRequest  # escalated by the sweep; files, notes, instructions, plan, station head's session
    hub_case: ServiceRequest  # the provincial director hosts its session
    asked_case: ServiceRequest  # a session asked for, not yet scheduled
    closed: ServiceRequest
    transferred: ServiceRequest
    plan: ServicePlan
    task_force: TaskForce
    station_session: HotlineSession  # held, hosted by the sub-station's head
    director_session: HotlineSession  # scheduled, hosted by the provincial director
    asked_session: HotlineSession


@pytest.fixture()
def world(session: Session, people: People, app_settings: DeskSettings) -> World:
    case = triaged(
        session,
        people,
        app_settings,
        urgent=True,
        title="临床评价路径咨询",
        uploads=(Upload("说明书.pdf", "application/pdf", PDF),),
    )
    sweep(session, settings=app_settings, now=case.first_response_due_at + timedelta(minutes=1))
    closed = in_status(session, people, app_settings, Status.CLOSED)
    now = utcnow() - timedelta(hours=3)

    case = act(session, people.staff, case, Action.REQUEST_INFO, app_settings, now, message="请补充型式检验报告。")
    add_message(
        session,
        people.owner,
        case.id,
        "已补充检验报告，请查收。",
        uploads=(Upload("检验报告.pdf", "application/pdf", PDF),),
        settings=app_settings,
        now=now,
    )
    add_message(
        session,
        people.staff,
        case.id,
        "内部：检验报告待核对。",
        internal=True,
        uploads=(Upload("会议纪要.pdf", "application/pdf", PDF),),
        settings=app_settings,
        now=now,
    )
    first = write_instruction(session, people.director, case.id, "请加快办理，本周内答复企业。", now=now)
    acknowledge_instruction(session, people.staff, first.id, now=now)
    write_instruction(session, people.hub_director, case.id, "请与企业核对临床数据。", now=now)

    plan = plans.create_plan(
        session,
        people.staff,
        people.enterprise.id,
        plans.PlanFields("创新产品注册一企一策", "完成第三类医疗器械注册。", "便携式超声诊断仪", people.staff.id),
    )
    plan = plans.change_plan_status(
        session, people.director, plan.id, plans.PlanAction.RETURN, plan.version, comment="补充风险分析后再报。"
    )
    plan = plans.change_plan_status(
        session, people.director, plan.id, plans.PlanAction.APPROVE, plan.version, comment="同意按方案推进。"
    )
    session.refresh(case)
    plans.link_request_to_plan(session, people.staff, case.id, plan.id, case.version)
    session.refresh(case)
    case = act(session, people.staff, case, Action.START_GUIDANCE, app_settings, now)
    first_step, second_step = sorted(plan.milestones, key=lambda m: m.position)[:2]
    milestones.complete_milestone(session, people.staff, first_step.id)
    milestones.update_milestone(
        session,
        people.staff,
        second_step.id,
        milestones.MilestoneFields(
            second_step.phase,
            status=MilestoneStatus.BLOCKED,
            blocked_reason="等待检测机构排期",
            owner_id=people.staff.id,
            due_date=date.today() - timedelta(days=3),
        ),
    )
    task_force = task_forces.create_task_force(
        session,
        people.staff,
        task_forces.TaskForceFields("临床评价专班", "制定临床评价方案", people.staff.id),
        plan_id=plan.id,
    )
    task_forces.add_staff_member(session, people.staff, task_force.id, people.staff2.id)
    task_forces.add_expert(
        session, people.staff, task_force.id, task_forces.Expert("王专家", "省医疗器械检验研究院", "有源医疗器械检验")
    )

    asked = hotline.ask_hotline(session, people.owner, case.id, "请站长指导临床评价路径", "周四下午", now=now)
    start = utcnow() - timedelta(minutes=30)
    asked = hotline.schedule_hotline(
        session,
        people.director,
        asked.id,
        asked.version,
        hotline.Schedule(start, 45, people.director.id),
        TEMPLATE,
        now=now,
    )
    station_session = hotline.record_hotline(
        session,
        people.director,
        asked.id,
        asked.version,
        hotline.Record(
            "会议纪要：明确临床评价路径。",
            "明确采用同品种比对路径。",
            "同意同品种比对。",
            (hotline.FollowUp("整理同品种比对资料", people.staff.id, date.today() + timedelta(days=7)),),
        ),
    )

    hub_case = triaged(session, people, app_settings, now=now)
    asked = hotline.ask_hotline(session, people.owner, hub_case.id, "请局长协调优先审批", "下周一上午", now=now)
    director_session = hotline.schedule_hotline(
        session,
        people.hub_director,
        asked.id,
        asked.version,
        hotline.Schedule(
            (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0), 60, people.hub_director.id, people.staff.id
        ),
        TEMPLATE,
        now=now,
    )
    asked_case = triaged(session, people, app_settings, now=now)
    asked_session = hotline.ask_hotline(session, people.owner, asked_case.id, "请局长指导生物学评价", "", now=now)

    transferred = submit(session, people, app_settings, now=now)
    transferred = transfer_request(
        session,
        people.staff,
        transferred.id,
        transferred.version,
        factories.station(session, "JL-TH").id,
        "不属于本站服务范围，转通化分站。",
        settings=app_settings,
        now=now,
    )

    save_view(session, people.staff, "检验类诉求", "desk.index", "queue=overdue&category=type_testing&text=检验")
    create_token(session, people.staff, "报表系统", "read", 30, max_days=365)
    set_calendar_day(session, people.admin, date(date.today().year + 1, 1, 1), False, "元旦")
    enrol(session, people.owner)
    return World(
        people,
        case,
        hub_case,
        asked_case,
        closed,
        transferred,
        plan,
        task_force,
        station_session,
        director_session,
        asked_session,
    )


def _pages(world: World) -> list[tuple[User | None, list[str]]]:
    """Each role with every page it opens in its daily work."""
    p, case, plan = world.people, world.case, world.plan
    requests = (case, world.hub_case, world.asked_case, world.closed)
    sessions = (world.station_session, world.director_session, world.asked_session)
    milestone = plan.milestones[0]
    hotline_pages = ["/hotline/", "/hotline/?list=held", "/hotline/?list=all", *(f"/hotline/{s.id}" for s in sessions)]
    account = ["/account/password", "/account/two-factor", "/account/tokens/", "/notifications/"]
    desk = [
        "/desk/",
        "/desk/?queue=all",
        "/desk/?queue=mine",
        "/desk/requests/new",
        "/desk/enterprises",
        "/desk/enterprises?unverified=1",
        *(f"/desk/requests/{r.id}" for r in requests),
        *hotline_pages,
        "/instructions/",
        "/instructions/?state=acknowledged",
        "/plans/",
        f"/plans/{plan.id}",
        "/plans/overdue",
        "/task-forces/mine",
        f"/task-forces/{world.task_force.id}",
        "/search/?q=临床评价",
        "/search/",
        "/search/views",
        *account,
    ]
    return [
        (None, ["/login", "/register"]),
        (
            p.owner,
            [
                "/portal/",
                "/portal/?queue=all",
                "/portal/requests/new",
                *(f"/portal/requests/{r.id}" for r in requests),
                f"/portal/requests/{world.transferred.id}",
                *(f"/hotline/{s.id}" for s in sessions),
                f"/hotline/request/{case.id}/ask",
                f"/hotline/{world.asked_session.id}/cancel",
                f"/plans/{plan.id}",
                "/search/?q=临床评价",
                *account,
                f"/portal/requests/{MISSING}",
            ],
        ),
        (p.other_enterprise, ["/portal/", "/plans/ours"]),  # nothing yet: the empty pages
        (
            p.staff,
            [
                *desk,
                f"/plans/{plan.id}/edit",
                "/plans/new",
                f"/plans/new?enterprise_id={p.enterprise.id}",
                f"/plans/{plan.id}/milestones/new",
                f"/plans/milestones/{milestone.id}",
                f"/task-forces/{world.task_force.id}/edit",
                f"/task-forces/new?plan_id={plan.id}",
                f"/task-forces/new?request_id={case.id}",
                f"/hotline/{world.director_session.id}/record",
            ],
        ),
        (
            p.director,
            [
                *desk,
                "/director/",
                "/director/cases",
                "/director/cases?bucket=overdue",
                "/director/escalated",
                "/plans/awaiting-approval",
                "/instructions/?mine=1",
                f"/instructions/request/{case.id}",
                f"/hotline/{world.asked_session.id}/schedule",
                f"/hotline/{world.asked_session.id}/cancel",
            ],
        ),
        (
            p.hub_director,
            [
                "/director/",
                "/director/cases",
                "/director/escalated",
                "/desk/",
                f"/desk/requests/{case.id}",
                f"/desk/requests/{world.transferred.id}",
                f"/hotline/{world.director_session.id}",
                f"/hotline/{world.director_session.id}/schedule",
                "/hotline/",
                "/instructions/",
                *account,
            ],
        ),
        (p.hub_staff, ["/desk/?queue=all", f"/desk/requests/{world.transferred.id}"]),
        (
            p.admin,
            [
                "/admin/users",
                "/admin/users?role=staff",
                "/admin/users/new",
                "/admin/stations",
                "/admin/sla",
                "/admin/calendar",
                "/director/",
                *account,
            ],
        ),
    ]


def _render_all(client: FlaskClient, world: World, language: str) -> dict[str, str]:
    """Every page of every role, as visible text keyed by "role path"."""
    shown: dict[str, str] = {}
    refused = []
    for user, paths in _pages(world):
        with client.session_transaction() as sess:
            sess.clear()
        if user is not None:
            login(client, user)
        who = user.role.value if user else "visitor"
        for path in paths:
            response = client.get(path, headers={"Accept-Language": language})
            if response.status_code != (404 if path.endswith(MISSING) else 200):
                refused.append(f"{who} {path}: {response.status_code}")
            html = response.get_data(as_text=True)
            shown[f"{who} {user.name if user else ''} {path}"] = visible_text(
                html, "en" if language == "en" else "zh-CN"
            )
    assert not refused, "pages that did not open:\n" + "\n".join(refused)
    return shown


def test_every_page_of_every_role_reads_in_chinese(client: FlaskClient, world: World) -> None:
    leftovers = {
        page: found for page, text in _render_all(client, world, "zh-CN").items() if (found := english_left(text))
    }
    assert not leftovers, "English left on Chinese pages:\n" + "\n".join(
        f"{page}:\n  " + "\n  ".join(found) for page, found in leftovers.items()
    )


def test_english_pages_show_no_chinese_but_what_people_typed(
    client: FlaskClient, session: Session, world: World
) -> None:
    data = [
        *TYPED,
        *session.scalars(select(User.name)),
        *session.scalars(select(Enterprise.name)),
        *session.scalars(select(Enterprise.city)),
        *session.scalars(select(Station.region)),
        *session.scalars(select(CalendarDay.name)),
    ]
    typed = "\n".join(data)
    leftovers = {
        page: found
        for page, text in _render_all(client, world, "en").items()
        if (found := sorted({run for run in HAN.findall(text) if run not in typed}))
    }
    assert not leftovers, "Chinese left on English pages:\n" + "\n".join(
        f"{page}: {', '.join(found)}" for page, found in leftovers.items()
    )


def test_the_directors_inbox_says_why_the_sweep_escalated(client: FlaskClient, world: World) -> None:
    login(client, world.people.director)
    inbox = visible_text(
        client.get("/notifications/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True), "zh-CN"
    )
    assert "已提请领导关注 JL-" in inbox and "原因：首次答复超时 由系统定时检查" in inbox
    english = client.get("/notifications/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "reason: First response overdue" in english


def test_a_saved_view_is_listed_by_its_page_and_filters_in_words(client: FlaskClient, world: World) -> None:
    login(client, world.people.staff)
    page = client.get("/search/views", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "<td>工作台 · 产品检验 · “检验”</td>" in page and "queue=" not in visible_text(page, "zh-CN")


def test_a_refused_calendar_file_is_explained_in_chinese(client: FlaskClient, people: People) -> None:
    login(client, people.admin)
    token = csrf_token(client, "/admin/calendar")
    refused = client.post(
        "/admin/calendar/import",
        headers={"Accept-Language": "zh-CN"},
        data={
            "csrf_token": token,
            "import-csrf_token": token,
            "import-text": "2027-05-01,休,劳动节\n2027-05-02,vacation,劳动节\n",
        },
    )
    shown = visible_text(refused.get_data(as_text=True), "zh-CN")
    assert refused.status_code == 400 and "日历未导入：第 2 行的类型“vacation”无效" in shown
    # Only the type as the admin typed it stays in English (in the message and in the text box).
    assert [found for found in english_left(shown) if not found.startswith("'vacation'")] == []
