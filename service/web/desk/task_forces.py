"""Task forces (定制化专班): setting one up for a plan or a request, its page, members, and "my task forces"."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from wtforms.fields.choices import SelectChoice

from service.errors import NotFound, ValidationError
from service.models import ServicePlan, ServiceRequest, TaskForceMember, TaskForceStatus
from service.operations import task_forces as ops
from service.queries import plans as plan_queries
from service.queries import task_forces as queries
from service.rules import policy
from service.rules.policy import PolicyAction
from service.web.common.helpers import actor, require
from service.web.database import db
from service.web.desk.plan_support import ask_first, attempt, member_name, people_choices, removal_question
from service.web.forms import show_error
from service.web.forms.task_forces import EditTaskForceForm, ExpertForm, StaffMemberForm, TaskForceForm

bp = Blueprint("task_forces", __name__, url_prefix="/task-forces")
bp.add_app_template_global(removal_question, "removal_question")


@bp.route("/mine")
@require(PolicyAction.DESK_USE)
def mine() -> ResponseReturnValue:
    return render_template("plans/task_forces_mine.html", task_forces=queries.my_task_forces(db(), actor()))


@bp.route("/new", methods=["GET", "POST"])
@require(PolicyAction.DESK_USE)
def new() -> ResponseReturnValue:
    plan_id = request.args.get("plan_id", type=int)
    request_id = request.args.get("request_id", type=int)
    target = _target(plan_id, request_id)
    form = TaskForceForm()
    form.lead_id.choices = people_choices(plan_queries.desk_people(db(), target.station_id))
    if request.method == "GET":
        form.lead_id.data = actor().id
    if form.validate_on_submit():
        try:
            team = ops.create_task_force(
                db(), actor(), _fields(form), plan_id=plan_id, request_id=None if plan_id else request_id
            )
        except ValidationError as error:
            show_error(form, error)
        else:
            flash(gettext("The task force is set up. Add its members below."), "success")
            return redirect(url_for("task_forces.show", task_force_id=team.id))
    return render_template(
        "plans/task_force_form.html", form=form, target=target, task_force=None
    ), 400 if form.errors else 200


def _target(plan_id: int | None, request_id: int | None) -> ServicePlan | ServiceRequest:
    """The plan or request a new task force serves, checked against the policy before the form is shown."""
    if plan_id is not None:
        target: ServicePlan | ServiceRequest | None = db().get(ServicePlan, plan_id)
        action = PolicyAction.PLAN_CREATE_TASK_FORCE
    elif request_id is not None:
        target = db().get(ServiceRequest, request_id)
        action = PolicyAction.REQUEST_CREATE_TASK_FORCE
    else:
        abort(404)
    if target is None:
        raise NotFound()
    policy.authorize(actor(), action, target)
    return target


def _fields(form: TaskForceForm, status: TaskForceStatus = TaskForceStatus.ACTIVE) -> ops.TaskForceFields:
    return ops.TaskForceFields(
        name=form.name.data or "", purpose=form.purpose.data or "", lead_id=form.lead_id.data or None, status=status
    )


@bp.route("/<int:task_force_id>")
@require(PolicyAction.DESK_USE)
def show(task_force_id: int) -> ResponseReturnValue:
    team = queries.get_task_force(db(), actor(), task_force_id)
    can_edit = policy.may(actor(), PolicyAction.TASK_FORCE_EDIT, team)
    staff_form = StaffMemberForm()
    staff_form.user_id.choices = _member_choices()
    # A closed team takes no new members.
    can_add_members = can_edit and team.status == TaskForceStatus.ACTIVE
    return render_template(
        "plans/task_force.html",
        task_force=team,
        can_edit=can_edit,
        can_add_members=can_add_members,
        staff_form=staff_form,
        expert_form=ExpertForm(),
        plan=db().get(ServicePlan, team.plan_id) if team.plan_id else None,
        service_request=db().get(ServiceRequest, team.request_id) if team.request_id else None,
    )


@bp.route("/<int:task_force_id>/edit", methods=["GET", "POST"])
@require(PolicyAction.DESK_USE)
def edit(task_force_id: int) -> ResponseReturnValue:
    team = queries.get_task_force(db(), actor(), task_force_id)
    policy.authorize(actor(), PolicyAction.TASK_FORCE_EDIT, team)
    form = EditTaskForceForm(obj=team if request.method == "GET" else None)
    form.lead_id.choices = people_choices(plan_queries.desk_people(db(), team.station_id))
    if form.validate_on_submit():
        try:
            ops.update_task_force(db(), actor(), task_force_id, _fields(form, TaskForceStatus(form.status.data)))
        except ValidationError as error:
            show_error(form, error)
        else:
            flash(gettext("The task force is saved."), "success")
            return redirect(url_for("task_forces.show", task_force_id=task_force_id))
    return render_template(
        "plans/task_force_form.html", form=form, target=None, task_force=team
    ), 400 if form.errors else 200


@bp.route("/<int:task_force_id>/members", methods=["POST"])
@require(PolicyAction.DESK_USE)
def add_member(task_force_id: int) -> ResponseReturnValue:
    form = StaffMemberForm()
    form.user_id.choices = _member_choices()
    if not form.validate_on_submit():
        flash(gettext("Choose a staff member or director."), "error")
    elif attempt(lambda: ops.add_staff_member(db(), actor(), task_force_id, form.user_id.data)):
        flash(gettext("The member is added."), "success")
    return redirect(url_for("task_forces.show", task_force_id=task_force_id))


def _member_choices() -> list[SelectChoice]:
    return people_choices(plan_queries.desk_people(db()), gettext("— choose a person —"))


@bp.route("/<int:task_force_id>/experts", methods=["POST"])
@require(PolicyAction.DESK_USE)
def add_expert(task_force_id: int) -> ResponseReturnValue:
    form = ExpertForm()
    if not form.validate_on_submit():
        flash(gettext("Give the expert's name and affiliation."), "error")
    elif attempt(
        lambda: ops.add_expert(
            db(),
            actor(),
            task_force_id,
            ops.Expert(form.name.data or "", form.affiliation.data or "", form.field.data or ""),
        )
    ):
        flash(gettext("The expert is added."), "success")
    return redirect(url_for("task_forces.show", task_force_id=task_force_id))


@bp.route("/members/<int:member_id>/remove", methods=["POST"])
@require(PolicyAction.DESK_USE)
def remove_member(member_id: int) -> ResponseReturnValue:
    member = db().get(TaskForceMember, member_id)
    if member is None:
        abort(404)
    team = queries.get_task_force(db(), actor(), member.task_force_id)
    policy.authorize(actor(), PolicyAction.TASK_FORCE_EDIT, team)
    back = url_for("task_forces.show", task_force_id=team.id)
    name = member_name(member)
    asking = ask_first(gettext("Remove a member"), removal_question(member, team), gettext("Remove the member"), back)
    if asking is not None:
        return asking
    if attempt(lambda: ops.remove_member(db(), actor(), member_id)) is not None:
        flash(gettext("%(member)s is no longer a member.", member=name), "success")
    return redirect(back)
