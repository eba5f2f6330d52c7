"""Who may do what to which object: the one place that answers it.

Two depths (see STYLE.md): views gate on ``may()`` for the coarse role check,
operations call ``authorize()`` on the loaded object, and every list is built
from a ``visible_*`` clause so that a list and a detail page never disagree.
Actions are ``PolicyAction`` members, never free strings; a user's scope is
stated once (``scope_of``) for the list clauses and the search index alike;
desk membership is ``is_desk`` / ``on_desk`` / ``desk_members``.
Outside a user's scope an object answers NotFound, never Forbidden, so ids
cannot be probed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeGuard

from sqlalchemy import ColumnElement, and_, false, or_, true

from service.errors import Forbidden, NotFound
from service.models import (
    OPEN_PLAN_STATUSES,
    OPEN_STATUSES,
    RESULT_STATUSES,
    CannedReply,
    Enterprise,
    EnterpriseRole,
    ExtensionRequest,
    HotlineSession,
    HotlineStatus,
    Instruction,
    KnowledgeArticle,
    KnowledgeAudience,
    KnowledgeStatus,
    PlanStatus,
    Role,
    ServicePlan,
    ServiceRequest,
    SupervisionOrder,
    TaskForce,
    TaskForceMember,
    TaskForceStatus,
    User,
)
from service.models.base import utcnow
from service.rules import sla

DESK_ROLES = frozenset({Role.STAFF, Role.DIRECTOR})
# An enterprise is shown its plan once a director has approved it: never a draft, nor an archived one.
ENTERPRISE_VISIBLE_PLANS = frozenset({PlanStatus.ACTIVE, PlanStatus.COMPLETED})


class PolicyAction(StrEnum):
    """Every action the policy answers for; ``may()`` and ``authorize()`` take nothing else."""

    ADMIN_USE = "admin.use"
    DASHBOARD_VIEW = "dashboard.view"
    DESK_USE = "desk.use"
    DIRECTOR_USE = "director.use"
    ENTERPRISE_VERIFY = "enterprise.verify"
    EXTENSION_DECIDE = "extension.decide"
    EXTENSION_VIEW = "extension.view"
    EXTENSION_WITHDRAW = "extension.withdraw"
    HOTLINE_MANAGE = "hotline.manage"
    HOTLINE_RECORD = "hotline.record"
    HOTLINE_WITHDRAW_ASK = "hotline.withdraw_ask"
    HOTLINE_VIEW = "hotline.view"
    MAIL_RETRY = "mail.retry"
    PLAN_APPROVE = "plan.approve"
    PLAN_CREATE = "plan.create"
    PLAN_CREATE_TASK_FORCE = "plan.create_task_force"
    PLAN_EDIT = "plan.edit"
    PLAN_SUPERVISE = "plan.supervise"
    PLAN_VIEW = "plan.view"
    PLAN_VIEW_INTERNAL = "plan.view_internal"
    PLAN_VIEW_OWN = "plan.view_own"
    REPORT_VIEW = "report.view"
    RATES_VIEW = "rates.view"
    REQUEST_ACKNOWLEDGE = "request.acknowledge"
    REQUEST_ASK_EXTENSION = "request.ask_extension"
    REQUEST_ASK_HOTLINE = "request.ask_hotline"
    REQUEST_ATTACH = "request.attach"
    REQUEST_CREATE_TASK_FORCE = "request.create_task_force"
    REQUEST_DE_ESCALATE = "request.de_escalate"
    REQUEST_ESCALATE = "request.escalate"
    REQUEST_FLAG_TYPICAL = "request.flag_typical"
    REQUEST_INSTRUCT = "request.instruct"
    REQUEST_LINK_PLAN = "request.link_plan"
    REQUEST_NOTE = "request.note"
    REQUEST_REPLY = "request.reply"
    REQUEST_RECORD_VISIT = "request.record_visit"
    REQUEST_REDO = "request.redo"
    REQUEST_REMIND = "request.remind"
    REQUEST_RETURN = "request.return"
    REQUEST_REVIEW_CLOSURE = "request.review_closure"
    REQUEST_SCHEDULE_HOTLINE = "request.schedule_hotline"
    REQUEST_SIGN_FOR = "request.sign_for"
    REQUEST_SUBMIT = "request.submit"
    REQUEST_SUPERVISE = "request.supervise"
    REQUEST_SUBMIT_ON_BEHALF = "request.submit_on_behalf"
    REQUEST_TRANSFER = "request.transfer"
    REQUEST_TRANSITION = "request.transition"
    REQUEST_TRIAGE = "request.triage"
    REQUEST_VIEW = "request.view"
    REQUEST_VIEW_INTERNAL = "request.view_internal"
    SUPERVISION_CANCEL = "supervision.cancel"
    SUPERVISION_DECIDE = "supervision.decide"
    SUPERVISION_REPORT = "supervision.report"
    SUPERVISION_VIEW = "supervision.view"
    TASK_FORCE_EDIT = "task_force.edit"
    TASK_FORCE_VIEW = "task_force.view"
    # Colleagues in one enterprise, and the desk's page of one enterprise.
    COLLEAGUES_VIEW = "colleagues.view"
    COLLEAGUES_MANAGE = "enterprise.manage_colleagues"
    ENTERPRISE_VIEW = "enterprise.view"
    REQUEST_HAND_OVER = "request.hand_over"
    # Canned replies (常用回复): their page, using one in a reply, writing or deleting one.
    CANNED_REPLIES_PAGE = "canned_replies.page"
    CANNED_REPLY_USE = "canned_reply.use"
    CANNED_REPLY_EDIT = "canned_reply.edit"
    # The knowledge base (知识库): the desk writes, a station's head or the provincial station publishes.
    KNOWLEDGE_WRITE = "knowledge.write"
    KNOWLEDGE_VIEW = "knowledge.view"
    KNOWLEDGE_EDIT = "knowledge.edit"
    KNOWLEDGE_PUBLISH = "knowledge.publish"
    REQUEST_DRAFT_CASE = "request.draft_case"
    # Relations between requests (service/operations/relations.py).
    REQUEST_MERGE = "request.merge"
    REQUEST_LINK = "request.link"
    REQUEST_CREATE_CHILD = "request.create_child"


def sees_every_station(user: User) -> bool:
    if user.role == Role.ADMIN:
        return True
    return is_desk(user) and user.station is not None and user.station.is_hub


def covers_station(user: User, station_id: int) -> bool:
    """A desk user covers its own station; hub staff, provincial directors and admins cover all."""
    if sees_every_station(user):
        return True
    return is_desk(user) and user.station_id == station_id


def is_desk(user: User) -> bool:
    """Staff and directors: the desk of their station (and, at the hub, of every station)."""
    return user.role in DESK_ROLES


def on_desk(user: User | None, station_id: int | None = None) -> TypeGuard[User]:
    """An active staff member or director (covering ``station_id`` when given): whom work may be given to."""
    return (
        user is not None and user.active and is_desk(user) and (station_id is None or covers_station(user, station_id))
    )


def desk_members() -> ColumnElement[bool]:
    """WHERE clause on users selecting the active staff and directors (``on_desk`` for a list)."""
    return and_(User.active.is_(True), User.role.in_(DESK_ROLES))


@dataclass(frozen=True)
class Scope:
    """Which requests and plans a user sees: all, none, or those of one enterprise or of one station."""

    every: bool = False
    enterprise_id: int | None = None
    station_id: int | None = None


def scope_of(user: User) -> Scope:
    """The one statement of a user's scope, from which every list clause (and the search index's token) is built."""
    if sees_every_station(user):
        return Scope(every=True)
    if user.role == Role.ENTERPRISE and user.enterprise_id is not None:
        return Scope(enterprise_id=user.enterprise_id)
    if is_desk(user) and user.station_id is not None:
        return Scope(station_id=user.station_id)
    return Scope()


def visible_requests(user: User) -> ColumnElement[bool]:
    """WHERE clause selecting exactly the requests ``user`` may see."""
    scope = scope_of(user)
    if scope.every:
        return true()
    if scope.enterprise_id is not None:
        return ServiceRequest.enterprise_id == scope.enterprise_id
    if scope.station_id is not None:
        return ServiceRequest.station_id == scope.station_id
    return false()


def visible_plans(user: User) -> ColumnElement[bool]:
    """WHERE clause selecting exactly the plans ``user`` may see (an enterprise: its approved ones)."""
    scope = scope_of(user)
    if scope.every:
        return true()
    if scope.enterprise_id is not None:
        return and_(ServicePlan.enterprise_id == scope.enterprise_id, ServicePlan.status.in_(ENTERPRISE_VISIBLE_PLANS))
    if scope.station_id is not None:
        return ServicePlan.station_id == scope.station_id
    return false()


def visible_orders(user: User) -> ColumnElement[bool]:
    """WHERE clause selecting the supervision orders ``user`` may see (``_visible``'s rule for one order)."""
    scope = scope_of(user)
    if scope.every:
        return true()
    if scope.station_id is not None:
        return SupervisionOrder.station_id == scope.station_id
    return false()


def _sees_request(user: User, request: ServiceRequest) -> bool:
    if user.role == Role.ENTERPRISE:
        return request.enterprise_id == user.enterprise_id
    return covers_station(user, request.station_id) or serves_on_task_force(user, request)


def _sees_plan(user: User, plan: ServicePlan) -> bool:
    if user.role == Role.ENTERPRISE:
        return plan.enterprise_id == user.enterprise_id and plan.status in ENTERPRISE_VISIBLE_PLANS
    return covers_station(user, plan.station_id) or serves_on_task_force(user, plan)


def _is_member(user: User, task_force: TaskForce) -> bool:
    return task_force.lead_id == user.id or any(m.user_id == user.id for m in task_force.members)


def serves_on_task_force(user: User, served: ServiceRequest | ServicePlan) -> bool:
    """A desk user from another station who leads or sits on an active task force of this request or plan.

    Such members open the case to work with the team; what they may do there is what their
    task-force role allows (``_MEMBER_ACTIONS``), not what the case's own station's desk may.
    """
    return is_desk(user) and any(
        team.status == TaskForceStatus.ACTIVE and _is_member(user, team) for team in served.task_forces
    )


# What a task-force member from another station may do on the request or plan the team serves.
_MEMBER_ACTIONS = frozenset(
    {
        PolicyAction.REQUEST_VIEW,
        PolicyAction.REQUEST_VIEW_INTERNAL,
        PolicyAction.REQUEST_NOTE,
        PolicyAction.REQUEST_ATTACH,
        PolicyAction.PLAN_VIEW,
        PolicyAction.PLAN_VIEW_INTERNAL,
    }
)


def _member_only(user: User, target: Any) -> bool:
    """True when ``user`` sees ``target`` only through a task force (its station does not cover it)."""
    if not is_desk(user) or not isinstance(target, ServiceRequest | ServicePlan):
        return False
    return not covers_station(user, target.station_id)


def _sees_task_force(user: User, task_force: TaskForce) -> bool:
    return user.role != Role.ENTERPRISE and (
        covers_station(user, task_force.station_id) or _is_member(user, task_force)
    )


def _manages_task_force(user: User, task_force: TaskForce | TaskForceMember) -> bool:
    # Members from other stations take part; its station's desk and its lead run it.
    team = task_force.task_force if isinstance(task_force, TaskForceMember) else task_force
    return is_desk(user) and (covers_station(user, team.station_id) or team.lead_id == user.id)


def _desk(user: User, _obj: Any = None) -> bool:
    return is_desk(user)


def _director(user: User, _obj: Any = None) -> bool:
    return user.role == Role.DIRECTOR


def _director_or_admin(user: User, _obj: Any = None) -> bool:
    # The dashboard: directors see their scope's, administrators everything.
    return user.role in (Role.DIRECTOR, Role.ADMIN)


def _enterprise(user: User, _obj: Any = None) -> bool:
    return user.role == Role.ENTERPRISE


def _admin(user: User, _obj: Any = None) -> bool:
    return user.role == Role.ADMIN


def _desk_or_admin(user: User, _obj: Any = None) -> bool:
    return is_desk(user) or user.role == Role.ADMIN


def _anyone(_user: User, _obj: Any = None) -> bool:
    return True


def _enterprise_or_desk(user: User, obj: Any = None) -> bool:
    return _enterprise(user) or _desk(user)


def _not_enterprise(user: User, _obj: Any = None) -> bool:
    return user.role != Role.ENTERPRISE


def _records_hotline(user: User, hotline: HotlineSession) -> bool:
    """Directors in scope, the director (a sub-station head) who hosts it, and the recorder named when scheduling."""
    return user.role == Role.DIRECTOR or (is_desk(user) and user.id in (hotline.director_id, hotline.recorder_id))


def _withdraws_own_ask(user: User, hotline: HotlineSession) -> bool:
    """Whoever asked for a session may withdraw the ask before a director has taken it up."""
    return hotline.status == HotlineStatus.REQUESTED and hotline.requested_by_id == user.id


def _addressee(user: User, request: ServiceRequest) -> bool:
    """Whom a director's instruction on ``request`` is for: its assignee, or, unassigned, its station's desk."""
    if request.assignee_id is not None:
        return request.assignee_id == user.id
    return is_desk(user) and user.station_id == request.station_id


def _awaits_sign_for(request: ServiceRequest) -> bool:
    """Dispatched and neither signed for nor returned yet (its tests read no time: any moment will do)."""
    return sla.AWAITING_SIGN_FOR.holds(request, utcnow())


def _signs_for(user: User, request: ServiceRequest) -> bool:
    """A dispatched request waits on its addressee to sign for it or return it."""
    return _awaits_sign_for(request) and _addressee(user, request)


def _asks_extension(user: User, request: ServiceRequest) -> bool:
    """The assignee of an open request it has signed for asks for more time, one request at a time."""
    return (
        request.assignee_id == user.id
        and request.status in OPEN_STATUSES
        and not request.extension_pending
        and not _awaits_sign_for(request)
    )


def _reminds(user: User, request: ServiceRequest) -> bool:
    """A head (its station's director, or the provincial director) reminds the officer of an open request."""
    return user.role == Role.DIRECTOR and request.status in OPEN_STATUSES


def _visits(user: User, request: ServiceRequest) -> bool:
    """A result not yet visited is visited (回访) by someone on the desk other than its handler."""
    return (
        is_desk(user)
        and request.status in RESULT_STATUSES
        and request.visited_at is None
        and request.assignee_id != user.id
    )


def _flags_typical(user: User, request: ServiceRequest) -> bool:
    """A head (its station's director, or the provincial director) flags a result as a typical case (典型案例), and
    takes a flag back whatever the request's state since."""
    return user.role == Role.DIRECTOR and (request.status in RESULT_STATUSES or request.typical)


def is_provincial_director(user: User) -> bool:
    return user.role == Role.DIRECTOR and sees_every_station(user)


def _decides_extension(user: User, extension: ExtensionRequest) -> bool:
    """The head (a director) of the request's station; beyond the allowed extensions only the provincial director,
    who may decide any."""
    if is_provincial_director(user):
        return True
    return (
        user.role == Role.DIRECTOR
        and not extension.needs_provincial
        and user.station_id == extension.request.station_id
    )


def _asked_extension(user: User, extension: ExtensionRequest) -> bool:
    return extension.asked_by_id == user.id


def _supervises(user: User, subject: ServiceRequest | ServicePlan) -> bool:
    """A director supervises the open cases and plans in scope: a station's head its own station's, the provincial
    director all."""
    still_open = subject.status in (OPEN_STATUSES if isinstance(subject, ServiceRequest) else OPEN_PLAN_STATUSES)
    return user.role == Role.DIRECTOR and still_open


def _reports_order(user: User, order: SupervisionOrder) -> bool:
    """The unit under supervision: the staff and the head of the order's station, never the order's own issuer."""
    return is_desk(user) and user.station_id == order.station_id and user.id != order.issued_by_id


def _decides_order(user: User, order: SupervisionOrder) -> bool:
    """The director who issued the order, or the provincial director, who oversees every station's orders."""
    return user.role == Role.DIRECTOR and (user.id == order.issued_by_id or is_provincial_director(user))


def is_enterprise_administrator(user: User, _obj: Any = None) -> bool:
    """An enterprise user who administers its enterprise: invites colleagues, hands requests over, deactivates."""
    return user.role == Role.ENTERPRISE and user.enterprise_role == EnterpriseRole.ADMINISTRATOR


def visible_colleagues(user: User) -> ColumnElement[bool]:
    """WHERE clause on users selecting the contact persons of the enterprise ``user`` belongs to (itself too)."""
    if user.role != Role.ENTERPRISE or user.enterprise_id is None:
        return false()
    return and_(User.enterprise_id == user.enterprise_id, User.role == Role.ENTERPRISE)


def _sees_enterprise(user: User, enterprise: Enterprise) -> bool:
    """Its own contact persons; the desk of its home station, the hub's and administrators."""
    if user.role == Role.ENTERPRISE:
        return user.enterprise_id == enterprise.id
    return covers_station(user, enterprise.station_id)


def visible_articles(user: User | None) -> ColumnElement[bool]:
    """WHERE clause selecting the knowledge base's articles and cases ``user`` (None: an anonymous visitor) may read:
    the published public ones; for the desk every published one and the drafts of the stations it covers."""
    published = KnowledgeArticle.status == KnowledgeStatus.PUBLISHED
    if user is None or not (is_desk(user) or user.role == Role.ADMIN):
        return and_(published, KnowledgeArticle.audience == KnowledgeAudience.PUBLIC)
    scope = scope_of(user)
    if scope.every:
        return true()
    return or_(published, KnowledgeArticle.station_id == scope.station_id)


def _sees_article(user: User, article: KnowledgeArticle) -> bool:
    if not (is_desk(user) or user.role == Role.ADMIN):
        return article.status == KnowledgeStatus.PUBLISHED and article.audience == KnowledgeAudience.PUBLIC
    return article.status == KnowledgeStatus.PUBLISHED or covers_station(user, article.station_id)


def _edits_article(user: User, article: KnowledgeArticle) -> bool:
    """The desk of the station that owns it (the hub's, any station's)."""
    return is_desk(user) and covers_station(user, article.station_id)


def _publishes_article(user: User, article: KnowledgeArticle) -> bool:
    """What the province tells enterprises is decided by a station's head for its own station, or by the
    provincial station (its directors and staff) for any: officers draft."""
    return _edits_article(user, article) and (user.role == Role.DIRECTOR or sees_every_station(user))


def _drafts_case(user: User, request: ServiceRequest) -> bool:
    """The desk drafts a typical case (典型案例) from a result (a resolved or closed request) in its scope."""
    return is_desk(user) and request.status in RESULT_STATUSES


Rule = Callable[[User, Any], bool]

# action -> (what the target must be visible by, who may take the action on a visible target)
REQUEST_RULES: dict[PolicyAction, Rule] = {
    PolicyAction.REQUEST_VIEW: _anyone,
    PolicyAction.REQUEST_VIEW_INTERNAL: _not_enterprise,
    PolicyAction.REQUEST_REPLY: _enterprise_or_desk,
    PolicyAction.REQUEST_ATTACH: _enterprise_or_desk,
    PolicyAction.REQUEST_NOTE: _desk,
    PolicyAction.REQUEST_TRIAGE: _desk,
    PolicyAction.REQUEST_TRANSFER: _desk,
    PolicyAction.REQUEST_TRANSITION: _anyone,  # the lifecycle table decides per transition
    PolicyAction.REQUEST_ESCALATE: _desk,
    PolicyAction.REQUEST_DE_ESCALATE: _director,
    PolicyAction.REQUEST_INSTRUCT: _director,
    PolicyAction.REQUEST_ACKNOWLEDGE: _addressee,
    PolicyAction.REQUEST_LINK_PLAN: _desk,
    PolicyAction.REQUEST_ASK_HOTLINE: _enterprise_or_desk,
    PolicyAction.REQUEST_SCHEDULE_HOTLINE: _director,
    PolicyAction.REQUEST_CREATE_TASK_FORCE: _desk,
    PolicyAction.REQUEST_SIGN_FOR: _signs_for,
    PolicyAction.REQUEST_RETURN: _signs_for,
    PolicyAction.REQUEST_ASK_EXTENSION: _asks_extension,
    PolicyAction.REQUEST_SUPERVISE: _supervises,
    PolicyAction.REQUEST_REMIND: _reminds,
    # The table of the lifecycle says from which states; the head of the station (a director in scope) decides.
    PolicyAction.REQUEST_REVIEW_CLOSURE: _director,
    PolicyAction.REQUEST_REDO: _director,
    PolicyAction.REQUEST_RECORD_VISIT: _visits,
    PolicyAction.REQUEST_FLAG_TYPICAL: _flags_typical,
    PolicyAction.REQUEST_HAND_OVER: is_enterprise_administrator,
    PolicyAction.REQUEST_DRAFT_CASE: _drafts_case,
    # The desk in scope merges a duplicate (both requests must be in scope), links requests, makes child requests.
    PolicyAction.REQUEST_MERGE: _desk,
    PolicyAction.REQUEST_LINK: _desk,
    PolicyAction.REQUEST_CREATE_CHILD: _desk,
}
EXTENSION_RULES: dict[PolicyAction, Rule] = {
    PolicyAction.EXTENSION_VIEW: _not_enterprise,
    PolicyAction.EXTENSION_DECIDE: _decides_extension,
    PolicyAction.EXTENSION_WITHDRAW: _asked_extension,
}
SUPERVISION_RULES: dict[PolicyAction, Rule] = {
    PolicyAction.SUPERVISION_VIEW: _not_enterprise,
    PolicyAction.SUPERVISION_REPORT: _reports_order,
    PolicyAction.SUPERVISION_DECIDE: _decides_order,
    PolicyAction.SUPERVISION_CANCEL: _decides_order,
}
PLAN_RULES: dict[PolicyAction, Rule] = {
    PolicyAction.PLAN_VIEW: _anyone,
    PolicyAction.PLAN_VIEW_INTERNAL: _not_enterprise,
    PolicyAction.PLAN_EDIT: _desk,
    PolicyAction.PLAN_APPROVE: _director,
    PolicyAction.PLAN_SUPERVISE: _supervises,
    PolicyAction.PLAN_CREATE_TASK_FORCE: _desk,
}
HOTLINE_RULES: dict[PolicyAction, Rule] = {
    PolicyAction.HOTLINE_VIEW: _anyone,
    PolicyAction.HOTLINE_MANAGE: _director,
    PolicyAction.HOTLINE_RECORD: _records_hotline,
    PolicyAction.HOTLINE_WITHDRAW_ASK: _withdraws_own_ask,
}
KNOWLEDGE_RULES: dict[PolicyAction, Rule] = {
    PolicyAction.KNOWLEDGE_VIEW: _anyone,
    PolicyAction.KNOWLEDGE_EDIT: _edits_article,
    PolicyAction.KNOWLEDGE_PUBLISH: _publishes_article,
}
TASK_FORCE_RULES: dict[PolicyAction, Rule] = {
    PolicyAction.TASK_FORCE_VIEW: _anyone,
    PolicyAction.TASK_FORCE_EDIT: _manages_task_force,
}
ENTERPRISE_RULES: dict[PolicyAction, Rule] = {
    # The desk's page of one enterprise (its contacts, requests, plans, sessions, orders): never its own users.
    PolicyAction.ENTERPRISE_VIEW: _not_enterprise,
    PolicyAction.COLLEAGUES_MANAGE: is_enterprise_administrator,
}
GLOBAL_RULES: dict[PolicyAction, Rule] = {
    PolicyAction.REQUEST_SUBMIT: _enterprise,
    PolicyAction.REQUEST_SUBMIT_ON_BEHALF: _desk,
    PolicyAction.DESK_USE: _desk,
    PolicyAction.DIRECTOR_USE: _director,
    PolicyAction.DASHBOARD_VIEW: _director_or_admin,
    # The monthly report (月报): the provincial director's of every station, a station's head's of its own.
    PolicyAction.REPORT_VIEW: _director,
    # The rates and their ranking (三率排名), in the reader's scope: a station's head his station and its officers.
    PolicyAction.RATES_VIEW: _director_or_admin,
    PolicyAction.PLAN_CREATE: _desk,
    PolicyAction.PLAN_VIEW_OWN: _enterprise,
    PolicyAction.ENTERPRISE_VERIFY: _desk,
    PolicyAction.ADMIN_USE: _admin,
    # Queue a message again that the outbox gave up on (the administrator's failed mail page).
    PolicyAction.MAIL_RETRY: _admin,
    # Write a knowledge-base article (and see the desk's list of them with their counts).
    PolicyAction.KNOWLEDGE_WRITE: _desk,
    # The colleagues page: every contact person sees the list; its administrator manages it (ENTERPRISE_RULES).
    PolicyAction.COLLEAGUES_VIEW: _enterprise,
    # The desk keeps its canned replies there; the administrator those of every station.
    PolicyAction.CANNED_REPLIES_PAGE: _desk_or_admin,
}


def visible_canned_replies(user: User) -> ColumnElement[bool]:
    """The canned replies ``user`` sees (as ``_sees_canned_reply`` says of one): its own, and its station's."""
    own = CannedReply.owner_id == user.id
    if user.role == Role.ADMIN:
        return or_(own, CannedReply.station_id.is_not(None))
    if is_desk(user) and user.station_id is not None:
        return or_(own, CannedReply.station_id == user.station_id)
    return own


def _sees_canned_reply(user: User, reply: CannedReply) -> bool:
    """A personal canned reply is its owner's alone; a station's is its desk's, and the administrator's."""
    if reply.station_id is None:
        return reply.owner_id == user.id
    return user.role == Role.ADMIN or (is_desk(user) and user.station_id == reply.station_id)


def _edits_canned_reply(user: User, reply: CannedReply) -> bool:
    """Its owner writes a personal one; the station's head (its director) or the administrator a station's."""
    if reply.station_id is None:
        return reply.owner_id == user.id
    return user.role == Role.ADMIN or (user.role == Role.DIRECTOR and user.station_id == reply.station_id)


CANNED_REPLY_RULES: dict[PolicyAction, Rule] = {
    PolicyAction.CANNED_REPLY_USE: _desk,
    PolicyAction.CANNED_REPLY_EDIT: _edits_canned_reply,
}


def may(user: User, action: PolicyAction, target: Any = None) -> bool:
    """True when ``user`` may take ``action`` (on ``target``, which must then be in scope)."""
    _known(action)
    if not user.is_active:
        return False
    if action in GLOBAL_RULES:
        return GLOBAL_RULES[action](user, target)
    return _visible(user, action, target) and _allowed(user, action, target)


def authorize(user: User, action: PolicyAction, target: Any) -> None:
    """Raise NotFound when ``target`` is outside the user's scope, Forbidden when the action is not theirs."""
    _known(action)
    if action in GLOBAL_RULES:
        if not may(user, action, target):
            raise Forbidden()
        return
    if not user.is_active or not _visible(user, action, target):
        raise NotFound()
    if not _allowed(user, action, target):
        raise Forbidden()


def may_acknowledge(actor: User, instruction: Instruction) -> bool:
    """Only its addressees: the person it was written to, or whom the case is for now; never its own director."""
    if (
        instruction.acknowledged_at is not None
        or instruction.director_id == actor.id
        or not may(actor, PolicyAction.REQUEST_VIEW_INTERNAL, instruction.request)
    ):
        return False
    return instruction.assignee_id == actor.id or may(actor, PolicyAction.REQUEST_ACKNOWLEDGE, instruction.request)


def _known(action: PolicyAction) -> None:
    # A free string would fail silently as "not allowed" when misspelt: only the enum is accepted.
    if not isinstance(action, PolicyAction):
        raise TypeError(f"policy actions are PolicyAction members, not {action!r}")


def _allowed(user: User, action: PolicyAction, target: Any) -> bool:
    if _member_only(user, target) and action not in _MEMBER_ACTIONS:
        return False
    return _rules_for(action)[action](user, target)


def _rules_for(action: PolicyAction) -> dict[PolicyAction, Rule]:
    for rules in (
        REQUEST_RULES,
        PLAN_RULES,
        HOTLINE_RULES,
        TASK_FORCE_RULES,
        EXTENSION_RULES,
        SUPERVISION_RULES,
        ENTERPRISE_RULES,
        CANNED_REPLY_RULES,
        KNOWLEDGE_RULES,
    ):
        if action in rules:
            return rules
    raise KeyError(f"unknown policy action {action!r}")


def _visible(user: User, action: PolicyAction, target: Any) -> bool:
    if isinstance(target, ServiceRequest):
        return _sees_request(user, target)
    if isinstance(target, ServicePlan):
        return _sees_plan(user, target)
    if isinstance(target, HotlineSession):
        return target.request is not None and _sees_request(user, target.request)
    if isinstance(target, ExtensionRequest):
        return _sees_request(user, target.request)
    if isinstance(target, SupervisionOrder):
        # As its request or plan: the unit's desk (a station's head who issued it, too) and the hub's.
        return user.role != Role.ENTERPRISE and covers_station(user, target.station_id)
    if isinstance(target, TaskForce):
        return _sees_task_force(user, target)
    if isinstance(target, TaskForceMember):
        return _sees_task_force(user, target.task_force)
    if isinstance(target, Enterprise):
        return _sees_enterprise(user, target)
    if isinstance(target, CannedReply):
        return _sees_canned_reply(user, target)
    if isinstance(target, KnowledgeArticle):
        return _sees_article(user, target)
    raise TypeError(f"policy has no scope rule for {type(target).__name__} ({action})")
