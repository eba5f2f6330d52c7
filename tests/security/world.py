"""One small province for the whole-app security tests: every role, and one object of every kind,
all owned by enterprise A at sub-station X (Changchun New District). Enterprise B sits at the same
station, so "out of scope" is tested against a neighbour, not only against another station.

URL converters are filled from ``converter_values()`` by converter NAME: a new route whose
converter names are not in that map makes the tests that use it fail, so nobody forgets it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from service.models import (
    Attachment,
    CannedReply,
    Category,
    Enterprise,
    EnterpriseRole,
    EventKind,
    FollowUpAction,
    HotlineSession,
    HotlineStatus,
    Instruction,
    Invitation,
    KnowledgeArticle,
    KnowledgeLanguage,
    LifecycleStage,
    MailStatus,
    Message,
    Milestone,
    MilestonePhase,
    Notification,
    OutboundMail,
    PlanStatus,
    Priority,
    Role,
    SavedView,
    ServicePlan,
    ServiceRequest,
    Status,
    SupervisionOrder,
    TaskForce,
    TaskForceMember,
    User,
)
from service.operations import api_tokens
from service.operations.knowledge import ArticleText, create_article, publish_article
from service.operations.requests import RequestDraft, submit_request
from tests import factories
from tests.suite import csrf_token, login, suite_settings

ROLES = (
    "anonymous",
    "enterprise_a",
    "enterprise_b",
    "staff_x",
    "staff_y",
    "hub_staff",
    "director_x",
    "provincial_director",
    "admin",
)
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
ATTACHMENT_BYTES = b"%PDF-1.4\n% A's unpublished test report\n"


@dataclass
class World:
    users: dict[str, User]
    enterprise_a: Enterprise
    enterprise_b: Enterprise
    request: ServiceRequest
    attachment: Attachment
    plan: ServicePlan
    milestone: Milestone
    task_force: TaskForce
    member: TaskForceMember
    hotline: HotlineSession
    follow_up: FollowUpAction
    instruction: Instruction
    notification: Notification
    saved_view: SavedView
    token_id: int
    bearer: dict[str, str]
    order: SupervisionOrder
    failed_mail: OutboundMail
    article: KnowledgeArticle
    # A canned reply of station X's, kept by its head.
    canned_reply: CannedReply
    # Colleagues in one enterprise: A's administrator's pending invitation.
    invitation: Invitation | None = None

    def converter_values(self) -> dict[str, object]:
        return {
            "request_id": self.request.id,
            "attachment_id": self.attachment.id,
            "plan_id": self.plan.id,
            "milestone_id": self.milestone.id,
            "task_force_id": self.task_force.id,
            "member_id": self.member.id,
            "hotline_id": self.hotline.id,
            "follow_up_id": self.follow_up.id,
            "instruction_id": self.instruction.id,
            "notification_id": self.notification.id,
            "token_id": self.token_id,
            "token": "not-a-live-recovery-link",
            "view_id": self.saved_view.id,
            "enterprise_id": self.enterprise_a.id,
            "user_id": self.users["enterprise_a"].id,
            "station_id": self.request.station_id,
            "action_name": "withdraw",
            "step": "complete",
            "order_id": self.order.id,
            "mail_id": self.failed_mail.id,
            "order_step": "report",
            "day_text": "2026-10-01",
            "priority_name": "P2",
            "invitation_id": self.invitation.id if self.invitation else 0,
            "reply_id": self.canned_reply.id,
            "article_id": self.article.id,
            # A request linked to the request (relations: DELETE .../links/<other_id>).
            "other_id": self.request.id,
        }


def build_world(session: Session, upload_folder: str) -> World:
    x = factories.station(session, "JL-CCND")
    enterprise_a = factories.enterprise(session, "JL-CCND", name="甲医疗科技有限公司")
    enterprise_b = factories.enterprise(session, "JL-CCND", name="乙医疗科技有限公司")
    users = {
        "enterprise_a": factories.user(session, Role.ENTERPRISE, enterprise_=enterprise_a),
        "enterprise_b": factories.user(session, Role.ENTERPRISE, enterprise_=enterprise_b),
        "staff_x": factories.user(session, Role.STAFF, "JL-CCND"),
        "staff_y": factories.user(session, Role.STAFF, "JL-TH"),
        "hub_staff": factories.user(session, Role.STAFF, "JL-HUB"),
        "director_x": factories.user(session, Role.DIRECTOR, "JL-CCND"),
        "provincial_director": factories.user(session, Role.DIRECTOR, "JL-HUB"),
        "admin": factories.user(session, Role.ADMIN, "JL-HUB"),
    }
    a, staff_x, director_x = users["enterprise_a"], users["staff_x"], users["director_x"]
    plan = ServicePlan(
        enterprise_id=enterprise_a.id,
        station_id=x.id,
        title="甲公司一企一策",
        goals="取得注册证",
        status=PlanStatus.ACTIVE,
        created_by_id=staff_x.id,
        liaison_id=staff_x.id,
    )
    session.add(plan)
    session.flush()
    # Submitted as enterprise A would; the desk's triage, assignment and plan link written directly, at NOW.
    request = submit_request(
        session,
        a,
        RequestDraft(
            title="甲公司的注册申报问题",
            description="未公开的产品资料",
            category=Category.REGISTRATION_DOSSIER,
            lifecycle_stage=LifecycleStage.REGISTRATION_SUBMISSION,
        ),
        settings=suite_settings(upload_folder=upload_folder).desk,
        now=NOW,
    )
    session.execute(
        update(ServiceRequest)
        .where(ServiceRequest.id == request.id)
        .values(status=Status.TRIAGED, priority=Priority.P2, assignee_id=staff_x.id, plan_id=plan.id, updated_at=NOW)
    )
    message = Message(request_id=request.id, author_id=a.id, body="补充说明", created_at=NOW)
    session.add(message)
    session.flush()
    stored_name = hashlib.sha256(f"world-{request.id}".encode()).hexdigest()[:32]
    Path(upload_folder).mkdir(parents=True, exist_ok=True)
    (Path(upload_folder) / stored_name).write_bytes(ATTACHMENT_BYTES)
    attachment = Attachment(
        request_id=request.id,
        message_id=message.id,
        uploader_id=a.id,
        original_name="检验报告.pdf",
        stored_name=stored_name,
        content_type="application/pdf",
        size=len(ATTACHMENT_BYTES),
        sha256=hashlib.sha256(ATTACHMENT_BYTES).hexdigest(),
    )
    milestone = Milestone(
        plan_id=plan.id,
        position=1,
        phase=MilestonePhase.TYPE_TESTING,
        title="型式检验",
        owner_id=staff_x.id,
        due_date=date(2026, 6, 30),
    )
    task_force = TaskForce(plan_id=plan.id, station_id=x.id, name="甲公司专班", purpose="临床评价", lead_id=staff_x.id)
    member = TaskForceMember(task_force=task_force, external_name="外部专家", affiliation="吉林大学")
    hotline = HotlineSession(
        request_id=request.id,
        requested_by_id=a.id,
        reason="希望局长指导",
        status=HotlineStatus.SCHEDULED,
        director_id=director_x.id,
        duration_minutes=30,
        scheduled_at=NOW + timedelta(days=7),
        meeting_link="https://meet.example.gov.cn/x",
    )
    instruction = Instruction(
        request_id=request.id, director_id=director_x.id, assignee_id=staff_x.id, body="请尽快办理", created_at=NOW
    )
    notification = Notification(user_id=a.id, request_id=request.id, kind=EventKind.REPLY, created_at=NOW)
    saved_view = SavedView(user_id=a.id, name="我的视图", endpoint="search.index", query="q=注册")
    session.add_all(
        [
            attachment,
            milestone,
            task_force,
            member,
            hotline,
            instruction,
            notification,
            saved_view,
        ]
    )
    session.flush()
    order = SupervisionOrder(
        request_id=request.id,
        station_id=x.id,
        issued_by_id=users["provincial_director"].id,
        issue="甲公司诉求办理超期",
        requirement="报送落实情况",
        deadline=NOW + timedelta(days=3),
        created_at=NOW,
    )
    session.add(order)
    follow_up = FollowUpAction(
        hotline_session_id=hotline.id, description="补充资料", owner_id=staff_x.id, due_date=date(2026, 4, 1)
    )
    session.add(follow_up)
    failed_mail = OutboundMail(
        user_id=a.id,
        address=a.email,
        language="zh",
        kind=EventKind.REPLY,
        request_id=request.id,
        message_id="<matrix@innovation-service-desk>",
        status=MailStatus.FAILED,
        attempts=8,
        next_attempt_at=NOW,
        last_error="SMTPRecipientsRefused",
        created_at=NOW,
    )
    session.add(failed_mail)
    invitation = Invitation(
        enterprise_id=enterprise_a.id,
        email="colleague@a.example.cn",
        enterprise_role=EnterpriseRole.MEMBER,
        invited_by_id=a.id,
        created_at=NOW,
        sent_at=NOW,
        expires_at=NOW + timedelta(days=7),
    )
    session.add(invitation)
    canned_reply = CannedReply(title="受理告知", body="{enterprise}您好", language="zh", station_id=x.id)
    session.add(canned_reply)
    session.commit()
    token_id = api_tokens.create_token(session, a, "甲的令牌", "write", 30, max_days=30).token.id
    bearer = {
        role: api_tokens.create_token(session, user, "matrix", "write", 30, max_days=30).secret
        for role, user in users.items()
    }
    return World(
        users,
        enterprise_a,
        enterprise_b,
        request,
        attachment,
        plan,
        milestone,
        task_force,
        member,
        hotline,
        follow_up,
        instruction,
        notification,
        saved_view,
        token_id,
        bearer,
        order,
        failed_mail,
        _knowledge_article(session, staff_x, director_x),
        canned_reply,
        invitation=invitation,
    )


def _knowledge_article(session: Session, writer: User, head: User) -> KnowledgeArticle:
    """A public article of X's knowledge base, published: everyone reads it, X's desk and the hub edit it."""
    text = ArticleText("如何判定产品分类", "对照分类目录。", Category.REGISTRATION_DOSSIER, KnowledgeLanguage.ZH)
    draft = create_article(session, writer, text)
    return publish_article(session, head, draft.id, draft.version)


def rules(app: Flask) -> list[Rule]:
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: (r.endpoint, r.rule))


def fill(rule: Rule, values: dict[str, object]) -> str:
    """The rule's path with its converters filled by name; AssertionError names any converter not in the map."""
    missing = sorted(set(rule.arguments) - set(values))
    assert not missing, f"{rule.endpoint} ({rule.rule}) has converters {missing} missing from the fixture map"
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<{name}>", str(values[name]))
        for converter in ("int", "path", "string", "float", "uuid"):
            path = path.replace(f"<{converter}:{name}>", str(values[name]))
        if f":{name}>" in path:  # any(...) and other converters with arguments
            start = path.rindex("<", 0, path.index(f":{name}>"))
            path = path[:start] + str(values[name]) + path[path.index(f":{name}>") + len(f":{name}>") :]
    return path


def sign_in(client: FlaskClient, world: World, role: str) -> str:
    """Sign ``role`` in on ``client`` (or stay anonymous) and return a valid CSRF token for its session."""
    if role != "anonymous":
        login(client, world.users[role])
        return csrf_token(client, "/account/password")
    return csrf_token(client, "/login")
