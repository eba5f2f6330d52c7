"""Service plans: the desk's list, drafting, the plan page with its milestones, the overdue list,
the enterprise's progress view, and linking requests to plans."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required
from sqlalchemy import Select, select

from service.errors import Conflict, DomainError, Forbidden, NotFound, ValidationError
from service.models import (
    OPEN_PLAN_STATUSES,
    Milestone,
    MilestonePhase,
    MilestoneStatus,
    PlanStatus,
    Role,
    ServicePlan,
    Station,
)
from service.operations import milestones as milestone_ops
from service.operations import plans as plan_ops
from service.queries import plans as queries
from service.rules import policy
from service.rules.plan_status import PlanAction
from service.rules.policy import PolicyAction
from service.web.app_settings import desk_settings
from service.web.common.helpers import actor, flash_domain_error, require, safe_next
from service.web.common.kept_forms import send_back, take_kept
from service.web.common.orders_presenter import orders_panel
from service.web.database import db
from service.web.desk.plan_presenter import present_plan
from service.web.desk.plan_support import (
    ask_first,
    attempt,
    drop_question,
    milestone_name,
    people_choices,
    request_url,
)
from service.web.forms import show_error
from service.web.forms.plans import (
    EditMilestoneForm,
    EditPlanForm,
    LinkPlanForm,
    MilestoneForm,
    MoveForm,
    NewPlanForm,
    PlanStatusForm,
)
from service.web.forms.supervision_orders import IssueOrderForm, OrderStepForm
from service.web.labels import label

T = TypeVar("T")

bp = Blueprint("plans", __name__, url_prefix="/plans")
bp.add_app_template_global(milestone_name, "milestone_name")
bp.add_app_template_global(request_url, "request_url")
bp.add_app_template_global(drop_question, "drop_question")


def overdue_badge() -> Select[int]:
    """The badge beside "Service plans" in the menu: late milestones in the reader's scope."""
    return queries.overdue_milestones_count(actor(), queries.local_today())


def awaiting_badge() -> Select[int]:
    """The badge beside "Plans to approve" in a director's menu."""
    return queries.awaiting_approval_count(actor())


@bp.record_once
def _register(state: BlueprintSetupState) -> None:
    badges = state.app.extensions.setdefault("nav_badges", {})
    badges["plans.index"] = overdue_badge
    badges["plans.awaiting"] = awaiting_badge


@bp.route("/")
@require(PolicyAction.DESK_USE)
def index() -> ResponseReturnValue:
    return _plan_list(awaiting=False)


@bp.route("/awaiting-approval")
@require(PolicyAction.DIRECTOR_USE)
def awaiting() -> ResponseReturnValue:
    return _plan_list(awaiting=True)


def _plan_list(*, awaiting: bool) -> ResponseReturnValue:
    status = "" if awaiting else request.args.get("status", "")
    station_id = request.args.get("station", type=int)
    text = request.args.get("q", "")[:100]
    before = request.args.get("before", type=int)
    page_size = 50
    rows = queries.list_plans(
        db(),
        actor(),
        status=PlanStatus(status) if status in set(PlanStatus) else None,
        station_id=station_id,
        text=text,
        before=before,
        limit=page_size,
        awaiting=awaiting,
    )
    stations = (
        db().scalars(select(Station).order_by(Station.is_hub.desc(), Station.id)).all()
        if policy.sees_every_station(actor())
        else []
    )
    more = rows[-1].plan.id if len(rows) == page_size else None
    return render_template(
        "plans/index.html",
        rows=rows,
        statuses=list(PlanStatus),
        status=status,
        awaiting=awaiting,
        station_id=station_id,
        stations=stations,
        text=text,
        more=more,
        overdue=queries.count_overdue_milestones(db(), actor(), queries.local_today()),
    )


@bp.route("/overdue")
@require(PolicyAction.DESK_USE)
def overdue() -> ResponseReturnValue:
    today = queries.local_today()
    return render_template(
        "plans/overdue.html", today=today, milestones=queries.overdue_milestones(db(), actor(), today, 200)
    )


@bp.route("/new", methods=["GET", "POST"])
@require(PolicyAction.PLAN_CREATE)
def new() -> ResponseReturnValue:
    enterprise_id = request.args.get("enterprise_id", type=int)
    if enterprise_id is None:
        text = request.args.get("q", "")[:100]
        return render_template(
            "plans/choose_enterprise.html", text=text, enterprises=queries.enterprises_for_plans(db(), actor(), text)
        )
    enterprise = queries.get_enterprise(db(), actor(), enterprise_id)
    form = NewPlanForm()
    form.liaison_id.choices = people_choices(queries.desk_people(db(), enterprise.station_id))
    if request.method == "GET":
        form.phases.data = [phase.value for phase in plan_ops.STANDARD_PHASES]
        form.liaison_id.data = actor().id
    elif form.validate_on_submit():
        try:
            plan = plan_ops.create_plan(
                db(), actor(), enterprise.id, _plan_fields(form), [MilestonePhase(p) for p in form.phases.data or []]
            )
        except ValidationError as error:
            show_error(form, error)
        else:
            flash(gettext("The plan is drafted. A director approves it to put it in force."), "success")
            return redirect(url_for("plans.show", plan_id=plan.id))
    return render_template("plans/new.html", form=form, enterprise=enterprise), 400 if form.errors else 200


def _plan_fields(form: NewPlanForm | EditPlanForm) -> plan_ops.PlanFields:
    return plan_ops.PlanFields(
        title=form.title.data or "",
        goals=form.goals.data or "",
        products=form.products.data or "",
        liaison_id=form.liaison_id.data or None,
    )


@bp.route("/ours")
@require(PolicyAction.PLAN_VIEW_OWN)
def ours() -> ResponseReturnValue:
    plans = queries.enterprise_plans(db(), actor())
    if plans and plans[0].status == PlanStatus.ACTIVE:
        return redirect(url_for("plans.show", plan_id=plans[0].id))
    return render_template("plans/ours.html", plans=plans)


@bp.route("/<int:plan_id>")
@login_required
def show(plan_id: int) -> ResponseReturnValue:
    user = actor()
    today = queries.local_today()
    if user.role == Role.ENTERPRISE:
        plan = queries.get_plan(db(), user, plan_id)
        return render_template(
            "plans/progress.html",
            plan=plan,
            progress=queries.progress(plan.milestones, today),
            others=[p for p in queries.enterprise_plans(db(), user) if p.id != plan.id],
        )
    # A decision sent back to the page (no comment, a refusal) comes back once, as it was typed.
    kept = take_kept()
    page = present_plan(
        queries.plan_page(db(), user, plan_id, today), user, today, kept.rebuild(PlanStatusForm) if kept else None
    )
    order_form = kept.rebuild(IssueOrderForm, OrderStepForm) if kept else None
    orders = orders_panel(
        db(), user, page.plan, {kept.slot: order_form} if kept and order_form else {}, desk_settings()
    )
    return render_template("plans/show.html", page=page, orders=orders)


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@require(PolicyAction.DESK_USE)
def edit(plan_id: int) -> ResponseReturnValue:
    plan = queries.get_plan(db(), actor(), plan_id, PolicyAction.PLAN_EDIT)
    if plan.status not in OPEN_PLAN_STATUSES:
        return _closed(plan.id)
    form = EditPlanForm(obj=plan if request.method == "GET" else None)
    form.liaison_id.choices = people_choices(queries.desk_people(db(), plan.station_id))
    status, stale = 200, False
    if form.validate_on_submit():
        try:
            plan_ops.update_plan(db(), actor(), plan_id, form.version.data, _plan_fields(form))
        except ValidationError as error:
            show_error(form, error)
        except Conflict as error:
            plan = _saved_after_conflict(
                error, lambda: queries.get_plan(db(), actor(), plan_id, PolicyAction.PLAN_EDIT)
            )
            form.version.data = plan.version
            status, stale = 409, True
        else:
            flash(gettext("The plan is saved."), "success")
            return redirect(url_for("plans.show", plan_id=plan_id))
    if form.errors:
        status = 400
    return render_template("plans/edit.html", form=form, plan=plan, stale=stale), status


@bp.route("/<int:plan_id>/status", methods=["POST"])
@require(PolicyAction.DESK_USE)
def change_status(plan_id: int) -> ResponseReturnValue:
    form = PlanStatusForm()
    back = url_for("plans.show", plan_id=plan_id)
    if not form.validate_on_submit():
        queries.get_plan(db(), actor(), plan_id)
        return send_back(back, "decision", form)
    try:
        changed = plan_ops.change_plan_status(
            db(), actor(), plan_id, PlanAction(form.action.data), form.version.data, comment=form.comment.data or ""
        )
    except (NotFound, Forbidden):
        raise
    except ValidationError as error:
        show_error(form, error)
        return send_back(back, "decision", form)
    except DomainError as error:
        # Refused (the plan moved on, another plan is in force): the reason at the top, the comment kept.
        flash_domain_error(error)
        return send_back(back, "decision", form)
    flash(gettext("The plan is now: %(status)s.", status=label(changed.status)), "success")
    return redirect(back)


@bp.route("/<int:plan_id>/milestones/new", methods=["GET", "POST"])
@require(PolicyAction.DESK_USE)
def new_milestone(plan_id: int) -> ResponseReturnValue:
    plan = queries.get_plan(db(), actor(), plan_id, PolicyAction.PLAN_EDIT)
    if plan.status not in OPEN_PLAN_STATUSES:
        return _closed(plan.id)
    form = MilestoneForm()
    form.owner_id.choices = people_choices(queries.desk_people(db(), plan.station_id), gettext("— nobody yet —"))
    if request.method == "GET":
        form.phase.data = MilestonePhase.OTHER.value
    if form.validate_on_submit():
        try:
            milestone_ops.add_milestone(db(), actor(), plan_id, _milestone_fields(form))
        except ValidationError as error:
            show_error(form, error)
        else:
            flash(gettext("The milestone is added."), "success")
            return redirect(url_for("plans.show", plan_id=plan_id, _anchor="milestones"))
    return render_template(
        "plans/milestone_form.html", form=form, plan=plan, milestone=None
    ), 400 if form.errors else 200


def _milestone_to_edit(milestone_id: int) -> tuple[Milestone, ServicePlan]:
    """The milestone and its plan, once the actor may edit the plan (404 when either is out of reach)."""
    milestone = db().get(Milestone, milestone_id)
    if milestone is None:
        abort(404)
    return milestone, queries.get_plan(db(), actor(), milestone.plan_id, PolicyAction.PLAN_EDIT)


@bp.route("/milestones/<int:milestone_id>", methods=["GET", "POST"])
@require(PolicyAction.DESK_USE)
def edit_milestone(milestone_id: int) -> ResponseReturnValue:
    milestone, plan = _milestone_to_edit(milestone_id)
    if plan.status not in OPEN_PLAN_STATUSES:
        return _closed(plan.id)
    form = EditMilestoneForm(obj=milestone if request.method == "GET" else None)
    form.owner_id.choices = people_choices(queries.desk_people(db(), plan.station_id), gettext("— nobody yet —"))
    if request.method == "GET":
        form.owner_id.data = milestone.owner_id or 0
    status, stale = 200, False
    if form.validate_on_submit():
        try:
            milestone_ops.update_milestone(
                db(), actor(), milestone_id, _milestone_fields(form), expected_version=form.version.data
            )
        except ValidationError as error:
            show_error(form, error)
        except Conflict as error:
            saved = _saved_after_conflict(error, lambda: db().get(Milestone, milestone_id))
            if saved is None:
                abort(404)
            milestone = saved
            form.version.data = milestone.version
            status, stale = 409, True
        else:
            flash(gettext("The milestone is saved."), "success")
            return redirect(url_for("plans.show", plan_id=plan.id, _anchor="milestones"))
    if form.errors:
        status = 400
    return render_template("plans/milestone_form.html", form=form, plan=plan, milestone=milestone, stale=stale), status


def _saved_after_conflict(error: Conflict, load: Callable[[], T]) -> T:
    """Someone saved first: say so, and read the saved version afresh. The page shows it next to what this
    user typed, and the form carries its version, so saving again overwrites it knowingly."""
    flash(gettext(error.message), "error")
    db().expire_all()
    return load()


def _closed(plan_id: int) -> ResponseReturnValue:
    flash(gettext("A completed or archived plan can no longer be changed."), "error")
    return redirect(url_for("plans.show", plan_id=plan_id))


def _milestone_fields(form: MilestoneForm) -> milestone_ops.MilestoneFields:
    return milestone_ops.MilestoneFields(
        phase=MilestonePhase(form.phase.data),
        title=form.title.data or "",
        owner_id=form.owner_id.data or None,
        due_date=form.due_date.data,
        status=MilestoneStatus(form.status.data),
        blocked_reason=form.blocked_reason.data or "",
        notes=form.notes.data or "",
    )


@bp.route("/milestones/<int:milestone_id>/<any(move, complete):step>", methods=["POST"])
@require(PolicyAction.DESK_USE)
def milestone_step(milestone_id: int, step: str) -> ResponseReturnValue:
    milestone = db().get(Milestone, milestone_id)
    if milestone is None:
        abort(404)
    plan_id = milestone.plan_id
    if step == "move":
        form = MoveForm()
        if not form.validate_on_submit():
            abort(400)
        attempt(lambda: milestone_ops.move_milestone(db(), actor(), milestone_id, up=form.direction.data == "up"))
    else:
        attempt(lambda: milestone_ops.complete_milestone(db(), actor(), milestone_id))
    return redirect(url_for("plans.show", plan_id=plan_id, _anchor="milestones"))


@bp.route("/milestones/<int:milestone_id>/remove", methods=["POST"])
@require(PolicyAction.DESK_USE)
def remove_milestone(milestone_id: int) -> ResponseReturnValue:
    milestone, plan = _milestone_to_edit(milestone_id)
    if plan.status not in OPEN_PLAN_STATUSES:
        return _closed(plan.id)
    back = url_for("plans.show", plan_id=plan.id, _anchor="milestones")
    name = milestone_name(milestone.title, milestone.phase)
    asking = ask_first(gettext("Drop a milestone"), drop_question(milestone, plan), gettext("Drop the milestone"), back)
    if asking is not None:
        return asking
    if attempt(lambda: milestone_ops.remove_milestone(db(), actor(), milestone_id)) is not None:
        flash(gettext("The milestone “%(name)s” is dropped.", name=name), "success")
    return redirect(back)


@bp.route("/requests/<int:request_id>/link", methods=["POST"])
@require(PolicyAction.DESK_USE)
def link_request(request_id: int) -> ResponseReturnValue:
    form = LinkPlanForm()
    if not form.validate_on_submit():
        abort(400)
    linked = attempt(
        lambda: plan_ops.link_request_to_plan(db(), actor(), request_id, form.plan_id.data or None, form.version.data)
    )
    if linked is not None:
        flash(
            gettext("The request is linked to the plan.")
            if linked.plan_id
            else gettext("The request is no longer linked to a plan."),
            "success",
        )
    target = safe_next(form.next.data)
    if target is None and linked is not None and linked.plan_id:
        target = url_for("plans.show", plan_id=linked.plan_id)
    return redirect(target or url_for("plans.index"))
