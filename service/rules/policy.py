"""Who may do what to which object: the one place that answers it.

Two depths (see STYLE.md): views gate on ``may()`` for the coarse role check,
operations call ``authorize()`` on the loaded object, and every list is built
from a ``visible_*`` clause so that a list and a detail page never disagree.
Outside a user's scope an object answers NotFound, never Forbidden, so ids
cannot be probed.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, false, true

from service.errors import Forbidden, NotFound
from service.models import (
    HotlineSession,
    Instruction,
    Role,
    ServicePlan,
    ServiceRequest,
    TaskForce,
    TaskForceMember,
    TaskForceStatus,
    User,
)

DESK_ROLES = frozenset({Role.STAFF, Role.DIRECTOR})


def sees_every_station(user: User) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role in DESK_ROLES and user.station is not None and user.station.is_hub


def covers_station(user: User, station_id: int) -> bool:
    """A desk user covers its own station; hub staff, provincial directors and admins cover all."""
    if sees_every_station(user):
        return True
    return user.role in DESK_ROLES and user.station_id == station_id


def visible_requests(user: User) -> ColumnElement[bool]:
    """WHERE clause selecting exactly the requests ``user`` may see."""
    if sees_every_station(user):
        return true()
    if user.role == Role.ENTERPRISE and user.enterprise_id is not None:
        return ServiceRequest.enterprise_id == user.enterprise_id
    if user.role in DESK_ROLES and user.station_id is not None:
        return ServiceRequest.station_id == user.station_id
    return false()


def visible_plans(user: User) -> ColumnElement[bool]:
    if sees_every_station(user):
        return true()
    if user.role == Role.ENTERPRISE and user.enterprise_id is not None:
        return ServicePlan.enterprise_id == user.enterprise_id
    if user.role in DESK_ROLES and user.station_id is not None:
        return ServicePlan.station_id == user.station_id
    return false()


def _sees_request(user: User, request: ServiceRequest) -> bool:
    if user.role == Role.ENTERPRISE:
        return request.enterprise_id == user.enterprise_id
    return covers_station(user, request.station_id) or serves_on_task_force(user, request)


def _sees_plan(user: User, plan: ServicePlan) -> bool:
    if user.role == Role.ENTERPRISE:
        return plan.enterprise_id == user.enterprise_id
    return covers_station(user, plan.station_id) or serves_on_task_force(user, plan)


def _is_member(user: User, task_force: TaskForce) -> bool:
    return task_force.lead_id == user.id or any(m.user_id == user.id for m in task_force.members)


def serves_on_task_force(user: User, served: ServiceRequest | ServicePlan) -> bool:
    """A desk user from another station who leads or sits on an active task force of this request or plan.

    Such members open the case to work with the team; what they may do there is what their
    task-force role allows (``_MEMBER_ACTIONS``), not what the case's own station's desk may.
    """
    return user.role in DESK_ROLES and any(
        team.status == TaskForceStatus.ACTIVE and _is_member(user, team) for team in served.task_forces)


# What a task-force member from another station may do on the request or plan the team serves.
_MEMBER_ACTIONS = frozenset({"request.view", "request.view_internal", "request.note", "request.attach",
                             "plan.view", "plan.view_internal"})


def _member_only(user: User, target: Any) -> bool:
    """True when ``user`` sees ``target`` only through a task force (its station does not cover it)."""
    if user.role not in DESK_ROLES or not isinstance(target, ServiceRequest | ServicePlan):
        return False
    return not covers_station(user, target.station_id)


def _sees_task_force(user: User, task_force: TaskForce) -> bool:
    return user.role != Role.ENTERPRISE and (covers_station(user, task_force.station_id) or _is_member(user, task_force))


def _manages_task_force(user: User, task_force: TaskForce | TaskForceMember) -> bool:
    # Members from other stations take part; its station's desk and its lead run it.
    team = task_force.task_force if isinstance(task_force, TaskForceMember) else task_force
    return user.role in DESK_ROLES and (covers_station(user, team.station_id) or team.lead_id == user.id)


def _desk(user: User, _obj: Any = None) -> bool:
    return user.role in DESK_ROLES


def _director(user: User, _obj: Any = None) -> bool:
    return user.role == Role.DIRECTOR


def _enterprise(user: User, _obj: Any = None) -> bool:
    return user.role == Role.ENTERPRISE


def _admin(user: User, _obj: Any = None) -> bool:
    return user.role == Role.ADMIN


def _anyone(_user: User, _obj: Any = None) -> bool:
    return True


def _enterprise_or_desk(user: User, obj: Any = None) -> bool:
    return _enterprise(user) or _desk(user)


def _not_enterprise(user: User, _obj: Any = None) -> bool:
    return user.role != Role.ENTERPRISE


def _records_hotline(user: User, hotline: HotlineSession) -> bool:
    """Directors in scope, the director (a sub-station head) who hosts it, and the recorder named when scheduling."""
    return user.role == Role.DIRECTOR or (user.role in DESK_ROLES and user.id in (hotline.director_id,
                                                                                 hotline.recorder_id))


def _addressee(user: User, request: ServiceRequest) -> bool:
    """Whom a director's instruction on ``request`` is for: its assignee, or, unassigned, its station's desk."""
    if request.assignee_id is not None:
        return request.assignee_id == user.id
    return user.role in DESK_ROLES and user.station_id == request.station_id


Rule = Callable[[User, Any], bool]

# action -> (what the target must be visible by, who may take the action on a visible target)
REQUEST_RULES: dict[str, Rule] = {
    "request.view": _anyone,
    "request.view_internal": _not_enterprise,
    "request.reply": _enterprise_or_desk,
    "request.attach": _enterprise_or_desk,
    "request.note": _desk,
    "request.triage": _desk,
    "request.transfer": _desk,
    "request.transition": _anyone,  # the lifecycle table decides per transition
    "request.escalate": _desk,
    "request.de_escalate": _director,
    "request.instruct": _director,
    "request.acknowledge": _addressee,
    "request.link_plan": _desk,
    "request.ask_hotline": _enterprise_or_desk,
    "request.schedule_hotline": _director,
    "request.create_task_force": _desk,
}
PLAN_RULES: dict[str, Rule] = {
    "plan.view": _anyone,
    "plan.view_internal": _not_enterprise,
    "plan.edit": _desk,
    "plan.approve": _director,
    "plan.create_task_force": _desk,
}
HOTLINE_RULES: dict[str, Rule] = {
    "hotline.view": _anyone,
    "hotline.manage": _director,
    "hotline.record": _records_hotline,
}
TASK_FORCE_RULES: dict[str, Rule] = {
    "task_force.view": _anyone,
    "task_force.edit": _manages_task_force,
}
GLOBAL_RULES: dict[str, Rule] = {
    "request.submit": _enterprise,
    "request.submit_on_behalf": _desk,
    "desk.use": _desk,
    "director.use": _director,
    "plan.create": _desk,
    "plan.view_own": _enterprise,
    "enterprise.verify": _desk,
    "admin.use": _admin,
}


def may(user: User, action: str, target: Any = None) -> bool:
    """True when ``user`` may take ``action`` (on ``target``, which must then be in scope)."""
    if not user.is_active:
        return False
    if action in GLOBAL_RULES:
        return GLOBAL_RULES[action](user, target)
    return _visible(user, action, target) and _allowed(user, action, target)


def authorize(user: User, action: str, target: Any) -> None:
    """Raise NotFound when ``target`` is outside the user's scope, Forbidden when the action is not theirs."""
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
    if (instruction.acknowledged_at is not None or instruction.director_id == actor.id
            or not may(actor, "request.view_internal", instruction.request)):
        return False
    return instruction.assignee_id == actor.id or may(actor, "request.acknowledge", instruction.request)


def _allowed(user: User, action: str, target: Any) -> bool:
    if _member_only(user, target) and action not in _MEMBER_ACTIONS:
        return False
    return _rules_for(action)[action](user, target)


def _rules_for(action: str) -> dict[str, Rule]:
    for rules in (REQUEST_RULES, PLAN_RULES, HOTLINE_RULES, TASK_FORCE_RULES):
        if action in rules:
            return rules
    raise KeyError(f"unknown policy action {action!r}")


def _visible(user: User, action: str, target: Any) -> bool:
    if isinstance(target, ServiceRequest):
        return _sees_request(user, target)
    if isinstance(target, ServicePlan):
        return _sees_plan(user, target)
    if isinstance(target, HotlineSession):
        return target.request is not None and _sees_request(user, target.request)
    if isinstance(target, TaskForce):
        return _sees_task_force(user, target)
    if isinstance(target, TaskForceMember):
        return _sees_task_force(user, target.task_force)
    raise TypeError(f"policy has no scope rule for {type(target).__name__} ({action})")
