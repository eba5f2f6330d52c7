"""What the plan and task-force pages share: error handling for one-button posts, deletions that ask
first, people choices, links to request pages, and readable lines for the plan's timeline."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, current_app, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from service.errors import N_, DomainError, Forbidden, NotFound
from service.models import (
    Event,
    EventKind,
    Milestone,
    MilestonePhase,
    PlanStatus,
    Role,
    ServicePlan,
    ServiceRequest,
    TaskForce,
    TaskForceMember,
    User,
)
from service.web.common.helpers import flash_domain_error, station_name, word_list
from service.web.common.request_display import tier_raised
from service.web.forms.admin import DeleteForm
from service.web.labels import label

T = TypeVar("T")

# The request page per audience.
REQUEST_ENDPOINTS = {"desk": "desk.request_detail", "portal": "portal.request_detail"}


def attempt(call: Callable[[], T]) -> T | None:
    """Run one operation for a one-button form: business refusals become a flash message,
    while NotFound and Forbidden go on to the app's 404/403 pages."""
    try:
        return call()
    except (NotFound, Forbidden):
        raise
    except DomainError as error:
        flash_domain_error(error)
        return None


def ask_first(title: str, question: str, button: str, cancel_url: str) -> ResponseReturnValue | None:
    """None once the deletion's POST is confirmed; until then the page that asks, and nothing is deleted.

    The button's own POST carries ``confirm=yes`` only when static/js/confirm.js asked in the browser's
    dialog; without the script (or in a forged POST) the server asks instead, with a confirmed button
    and a way back.
    """
    form = DeleteForm()
    if not form.validate_on_submit():
        abort(400)
    if form.confirmed():
        return None
    return render_template(
        "confirm_delete.html", form=form, title=title, question=question, button=button, cancel_url=cancel_url
    )


def drop_question(milestone: Milestone, plan: ServicePlan) -> str:
    """What dropping a milestone asks, in the browser's dialog and on the page without a script alike."""
    return gettext(
        "Drop the milestone “%(name)s” from the plan “%(plan)s”? It leaves the plan for good; "
        "the plan's timeline keeps that it was dropped.",
        name=milestone_name(milestone.title, milestone.phase),
        plan=plan.title,
    )


def member_name(member: TaskForceMember) -> str:
    return member.user.name if member.user else member.external_name or ""


def removal_question(member: TaskForceMember, task_force: TaskForce) -> str:
    """What removing a member asks, in the browser's dialog and on the page without a script alike."""
    return gettext(
        "Remove %(member)s from the task force “%(name)s”?", member=member_name(member), name=task_force.name
    )


def people_choices(people: list[User], blank: str | None = None) -> list[SelectChoice]:
    options = [SelectChoice(0, blank)] if blank is not None else []
    return options + [SelectChoice(u.id, f"{u.name} · {label(u.role)} · {station_name(u.station)}") for u in people]


def request_url(request: ServiceRequest) -> str | None:
    """The request's page for the signed-in reader, when the request pages are installed."""
    audience = "portal" if current_user.is_authenticated and current_user.role == Role.ENTERPRISE else "desk"
    endpoint = REQUEST_ENDPOINTS[audience]
    return url_for(endpoint, request_id=request.id) if endpoint in current_app.view_functions else None


def member_names(members: list[TaskForceMember]) -> str:
    """A task force's members in one line: staff by name, experts with their affiliation."""
    return word_list(
        m.user.name
        if m.user
        else gettext("%(name)s (%(affiliation)s)", name=m.external_name, affiliation=m.affiliation)
        for m in members
    )


def milestone_name(title: str | None, phase: str | MilestonePhase) -> str:
    return title or label(MilestonePhase(phase))


FIELD_NAMES = {
    "title": N_("Title"),
    "goals": N_("Goals"),
    "products": N_("Products covered"),
    "liaison_id": N_("Liaison"),
}


def describe_event(event: Event) -> str:
    """One line for the plan's timeline, in the reader's language."""
    data = event.data or {}
    kind = event.kind
    if kind == EventKind.PLAN_CREATED:
        return gettext(
            "Drafted “%(title)s” with %(count)s milestones.",
            title=data.get("title", ""),
            count=len(data.get("phases", [])),
        )
    if kind == EventKind.PLAN_UPDATED:
        names = [gettext(FIELD_NAMES[name]) for name in data.get("changed", []) if name in FIELD_NAMES]
        return gettext("Changed: %(fields)s.", fields=word_list(names))
    if kind == EventKind.PLAN_STATUS_CHANGED:
        if data.get("action") == "return":
            return gettext("Returned for changes: %(comment)s", comment=data.get("comment", ""))
        change = gettext(
            "%(from)s → %(to)s", **{"from": label(PlanStatus(data["from"])), "to": label(PlanStatus(data["to"]))}
        )
        if not data.get("comment"):
            return change
        return gettext("%(change)s, with the comment: %(comment)s", change=change, comment=data["comment"])
    if kind == EventKind.MILESTONE_CHANGED:
        return _milestone_line(data.get("change", ""), milestone_name(data.get("title"), data.get("phase", "other")))
    if kind == EventKind.TASK_FORCE_CHANGED:
        return _task_force_line(data.get("change", ""), data.get("name", ""), data.get("member", ""))
    if kind == EventKind.PLAN_LINKED:
        if data.get("linked_plan_id") == event.plan_id:
            return gettext("Request %(reference)s linked to this plan.", reference=data.get("reference", ""))
        return gettext("Request %(reference)s unlinked from this plan.", reference=data.get("reference", ""))
    if kind == EventKind.SUPERVISION_TIER_RAISED:
        return gettext("%(label)s: %(value)s", label=label(kind), value=tier_raised(data))
    return label(kind)


def _milestone_line(change: str, name: str) -> str:
    texts = {
        "added": gettext("Milestone “%(name)s” added.", name=name),
        "updated": gettext("Milestone “%(name)s” updated.", name=name),
        "completed": gettext("Milestone “%(name)s” completed.", name=name),
        "moved_up": gettext("Milestone “%(name)s” moved up.", name=name),
        "moved_down": gettext("Milestone “%(name)s” moved down.", name=name),
        "removed": gettext("Milestone “%(name)s” dropped.", name=name),
    }
    return texts.get(change, label(EventKind.MILESTONE_CHANGED))


def _task_force_line(change: str, name: str, member: str) -> str:
    texts = {
        "created": gettext("Task force “%(name)s” set up.", name=name),
        "updated": gettext("Task force “%(name)s” updated.", name=name),
        "closed": gettext("Task force “%(name)s” closed.", name=name),
        "member_added": gettext("%(member)s joined task force “%(name)s”.", member=member, name=name),
        "member_removed": gettext("%(member)s left task force “%(name)s”.", member=member, name=name),
    }
    return texts.get(change, label(EventKind.TASK_FORCE_CHANGED))
