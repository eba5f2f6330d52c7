"""The station staff's desk: queues, a request's working page, requests opened on an enterprise's behalf."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from wtforms.fields.choices import SelectChoice

from service.models import (
    Category,
    Enterprise,
    LifecycleStage,
    Priority,
    ReturnReason,
    Satisfaction,
    ServiceRequest,
    Status,
)
from service.models.base import utcnow
from service.operations import accounts
from service.operations.escalation import de_escalate_request, escalate_request
from service.operations.reminders import remind_request
from service.operations.requests import add_message, assign_request, redo_request, transfer_request, triage_request
from service.operations.sla import sla_state
from service.operations.supervision import ExtensionAsk, ask_extension, decide_extension, return_request, sign_for
from service.operations.typical_cases import flag_typical_case
from service.operations.visits import VisitInput, record_visit
from service.queries.requests import (
    DESK_QUEUES,
    QueueFilters,
    assignable_users,
    default_sort,
    queue_count,
    queue_counts,
    queue_page,
    work_queues,
)
from service.queries.supervision_orders import supervised
from service.rules import policy
from service.rules.extensions import ExtensionAction
from service.rules.policy import PolicyAction
from service.store import reference
from service.web.app_settings import desk_settings
from service.web.common.helpers import actor, require, station_choices
from service.web.common.navigation import BADGE_CAP, badge_key, badge_text
from service.web.common.orders_presenter import supervised_badge
from service.web.common.request_display import install_template_helpers, request_tags, sla_badge, visit_badge
from service.web.common.request_pages import (
    choice,
    cursor_arg,
    detail_page,
    enterprise_choices,
    horizons_now,
    request_or_404,
    run_edit,
    send_attachment,
    submission_page,
    take_step,
    uploads_from,
)
from service.web.common.request_presenter import assignee_choices, transfer_choices
from service.web.database import db
from service.web.forms.requests import (
    AssignForm,
    DeEscalateForm,
    DeskMessageForm,
    EscalateForm,
    ExtensionAskForm,
    ExtensionDecisionForm,
    ExtensionWithdrawForm,
    OnBehalfForm,
    QueueFilterForm,
    RedoForm,
    RemindForm,
    ReturnForm,
    SignForForm,
    TransferForm,
    TriageForm,
    TypicalCaseForm,
    VisitForm,
)

bp = Blueprint("desk", __name__, url_prefix="/desk")
install_template_helpers(bp)


QUEUE_NAMES = {
    "new": _l("New"),
    "mine": _l("Mine"),
    "to_sign": _l("To sign for"),
    "due": _l("Due or overdue"),
    "reminded": _l("Reminded"),
    "supervised": _l("Under supervision"),
    "review": _l("Results to review"),
    "to_visit": _l("To visit"),
    "unassigned": _l("Unassigned"),
    "waiting": _l("Waiting for the enterprise"),
    "overdue": _l("Overdue"),
    "sign_overdue": _l("Sign-for overdue"),
    "open": _l("All open"),
    "escalated": _l("Escalated"),
    "all": _l("All"),
}


def _queue_tabs(counts: dict[str, int]) -> list[tuple[str, str, str | None]]:
    """Each queue's name, label and, for what waits for the reader, how many it holds."""
    return [(queue, str(QUEUE_NAMES[queue]), badge_text(counts.get(queue))) for queue in DESK_QUEUES]


def review_badge() -> Select[int] | None:
    """The count beside a head's "Results to review" in the menu: the review queue's."""
    user = actor()
    if "review" not in work_queues(user):
        return None
    return queue_count(db(), user, QueueFilters(queue="review"), BADGE_CAP)


@bp.record_once
def _register(state: BlueprintSetupState) -> None:
    state.app.extensions.setdefault("nav_badges", {})[badge_key("desk.index", {"queue": "review"})] = review_badge


@bp.route("/")
@require(PolicyAction.DESK_USE)
def index() -> ResponseReturnValue:
    user = actor()
    hub = policy.sees_every_station(user)
    form = QueueFilterForm(formdata=request.args)
    people = assignable_users(db(), user, user.station_id or 0)
    form.assignee_id.choices = [SelectChoice("", gettext("Any")), *(SelectChoice(u.id, u.name) for u in people)]
    form.station_id.choices = [SelectChoice("", gettext("Any")), *station_choices()]
    queue = request.args.get("queue", "open")
    queue = queue if queue in DESK_QUEUES else "open"
    if not request.args.get("sort"):
        form.sort.data = default_sort(queue)
    cursor = cursor_arg()
    args = {k: v for k, v in request.args.items() if v and k not in ("cursor", "queue")}
    horizons = horizons_now()
    counts = queue_counts(db(), user, QueueFilters(**horizons), work_queues(user), BADGE_CAP)
    context = {"form": form, "queue": queue, "tabs": _queue_tabs(counts), "args": args, "cursor": cursor, "hub": hub}
    if not form.validate():
        return render_template("desk/index.html", page=None, badges={}, flags={}, **context), 400
    filters = QueueFilters(
        queue=queue,
        status=choice(Status, form.status.data),
        category=choice(Category, form.category.data),
        priority=choice(Priority, form.priority.data),
        lifecycle_stage=choice(LifecycleStage, form.lifecycle_stage.data),
        assignee_id=form.assignee_id.data,
        station_id=form.station_id.data if hub else None,
        text=form.text.data or "",
        sort=form.sort.data or default_sort(queue),
        **horizons,
    )
    page = queue_page(db(), user, filters, cursor=cursor)
    calendar, now = reference.working_calendar(db(), desk_settings()), utcnow()
    badges = {r.id: sla_badge(sla_state(r, calendar, now)) for r in page.items}
    # Beside the title: waiting for sign-for (or late), and a return's reason until someone signs for it again.
    # ... and under a supervision order (督办) not yet concluded; in the results to visit, by when.
    watched = supervised(db(), [r.id for r in page.items])
    visit_by = desk_settings().return_visit_days if queue == "to_visit" else None
    flags = {
        r.id: [*request_tags(r, now), *filter(None, [supervised_badge(r.id in watched), visit_badge(r, visit_by)])]
        for r in page.items
    }
    return render_template("desk/index.html", page=page, badges=badges, flags=flags, **context)


@bp.route("/requests/new", methods=["GET", "POST"])
@require(PolicyAction.REQUEST_SUBMIT_ON_BEHALF)
def new_request() -> ResponseReturnValue:
    form = OnBehalfForm()
    form.enterprise_id.choices = enterprise_choices(actor())
    return submission_page(form, "desk/new.html", "desk.request_detail")


def _people(req: ServiceRequest) -> list[SelectChoice]:
    return assignee_choices(db(), actor(), req)


def _other_stations(req: ServiceRequest) -> list[SelectChoice]:
    return transfer_choices(reference.stations(db()), req)


def _done(request_id: int) -> str:
    return url_for(".request_detail", request_id=request_id)


@bp.route("/requests/<int:request_id>")
@require(PolicyAction.DESK_USE)
def request_detail(request_id: int) -> ResponseReturnValue:
    return detail_page(request_id, "desk")


@bp.route("/requests/<int:request_id>/triage", methods=["POST"])
@require(PolicyAction.DESK_USE)
def triage(request_id: int) -> ResponseReturnValue:
    form = TriageForm(prefix="triage")
    form.assignee_id.choices = _people(request_or_404(request_id))

    def call() -> object:
        return triage_request(
            db(),
            actor(),
            request_id,
            form.expected_version(),
            category=Category(form.category.data),
            priority=Priority(form.priority.data),
            lifecycle_stage=LifecycleStage(form.lifecycle_stage.data),
            assignee_id=form.assignee_id.data,
            settings=desk_settings(),
        )

    return run_edit(
        request_id, "triage", form, call, success=gettext("The request has been triaged."), done_url=_done(request_id)
    )


@bp.route("/requests/<int:request_id>/assign", methods=["POST"])
@require(PolicyAction.DESK_USE)
def assign(request_id: int) -> ResponseReturnValue:
    form = AssignForm(prefix="assign")
    form.assignee_id.choices = _people(request_or_404(request_id))

    def call() -> object:
        return assign_request(
            db(), actor(), request_id, form.expected_version(), form.assignee_id.data, settings=desk_settings()
        )

    return run_edit(
        request_id, "assign", form, call, success=gettext("The assignment has been saved."), done_url=_done(request_id)
    )


@bp.route("/requests/<int:request_id>/transfer", methods=["POST"])
@require(PolicyAction.DESK_USE)
def transfer(request_id: int) -> ResponseReturnValue:
    form = TransferForm(prefix="transfer")
    form.station_id.choices = _other_stations(request_or_404(request_id))

    def call() -> object:
        return transfer_request(
            db(),
            actor(),
            request_id,
            form.expected_version(),
            form.station_id.data or 0,
            form.reason.data or "",
            settings=desk_settings(),
        )

    # After a transfer out of the user's station the request may be out of sight: go back to the queue.
    return run_edit(
        request_id,
        "transfer",
        form,
        call,
        success=gettext("The request has been transferred."),
        done_url=url_for(".index"),
    )


@bp.route("/requests/<int:request_id>/messages", methods=["POST"])
@require(PolicyAction.DESK_USE)
def message(request_id: int) -> ResponseReturnValue:
    form = DeskMessageForm()
    internal = form.visibility.data == "internal"

    def call() -> object:
        return add_message(
            db(),
            actor(),
            request_id,
            form.body.data or "",
            internal=internal,
            uploads=uploads_from(form.attachments),
            settings=desk_settings(),
            canned_reply_id=form.canned_reply_id.data,
        )

    success = gettext("The internal note has been saved.") if internal else gettext("The reply has been sent.")
    return run_edit(request_id, "message", form, call, success=success, done_url=_done(request_id))


@bp.route("/requests/<int:request_id>/escalate", methods=["POST"])
@require(PolicyAction.DESK_USE)
def escalate(request_id: int) -> ResponseReturnValue:
    form = EscalateForm(prefix="escalate")
    return run_edit(
        request_id,
        "escalate",
        form,
        lambda: escalate_request(db(), actor(), request_id, form.reason.data or ""),
        success=gettext("The request has been escalated to the director."),
        done_url=_done(request_id),
    )


@bp.route("/requests/<int:request_id>/de-escalate", methods=["POST"])
@require(PolicyAction.DESK_USE)
def de_escalate(request_id: int) -> ResponseReturnValue:
    form = DeEscalateForm(prefix="deescalate")
    return run_edit(
        request_id,
        "de_escalate",
        form,
        lambda: de_escalate_request(db(), actor(), request_id, form.note.data or ""),
        success=gettext("The escalation has been lifted."),
        done_url=_done(request_id),
    )


@bp.route("/requests/<int:request_id>/sign-for", methods=["POST"], endpoint="sign_for")
@require(PolicyAction.DESK_USE)
def sign_for_view(request_id: int) -> ResponseReturnValue:
    form = SignForForm(prefix="signfor")
    return run_edit(
        request_id,
        "sign_for",
        form,
        lambda: sign_for(db(), actor(), request_id, form.expected_version()),
        success=gettext("You have signed for the request."),
        done_url=_done(request_id),
    )


@bp.route("/requests/<int:request_id>/return", methods=["POST"])
@require(PolicyAction.DESK_USE)
def give_back(request_id: int) -> ResponseReturnValue:
    form = ReturnForm(prefix="giveback")

    def call() -> object:
        return return_request(
            db(),
            actor(),
            request_id,
            form.expected_version(),
            choice(ReturnReason, form.reason.data),
            form.note.data or "",
        )

    # Returned, the request may have gone back to another station: go back to the queue.
    return run_edit(
        request_id,
        "give_back",
        form,
        call,
        success=gettext("The request has been returned to its dispatcher."),
        done_url=url_for(".index"),
    )


@bp.route("/requests/<int:request_id>/extension", methods=["POST"], endpoint="ask_extension")
@require(PolicyAction.DESK_USE)
def ask_extension_view(request_id: int) -> ResponseReturnValue:
    form = ExtensionAskForm(prefix="extension")

    def call() -> object:
        ask = ExtensionAsk(form.new_due_date.data, form.public_reason.data or "", form.internal_note.data or "")
        return ask_extension(db(), actor(), request_id, form.expected_version(), ask, settings=desk_settings())

    return run_edit(
        request_id,
        "extension_ask",
        form,
        call,
        success=gettext("The extension has been asked for; the station's head decides it."),
        done_url=_done(request_id),
    )


@bp.route("/requests/<int:request_id>/extension/decision", methods=["POST"], endpoint="decide_extension")
@require(PolicyAction.DESK_USE)
def decide_extension_view(request_id: int) -> ResponseReturnValue:
    form = ExtensionDecisionForm(prefix="decide")

    def call() -> object:
        return decide_extension(
            db(),
            actor(),
            request_id,
            form.expected_version(),
            ExtensionAction(form.decision.data),
            form.comment.data or "",
            settings=desk_settings(),
        )

    return run_edit(
        request_id,
        "extension_decide",
        form,
        call,
        success=gettext("The decision on the extension has been saved."),
        done_url=_done(request_id),
    )


@bp.route("/requests/<int:request_id>/extension/withdrawal", methods=["POST"], endpoint="withdraw_extension")
@require(PolicyAction.DESK_USE)
def withdraw_extension_view(request_id: int) -> ResponseReturnValue:
    form = ExtensionWithdrawForm(prefix="withdraw")

    def call() -> object:
        return decide_extension(
            db(), actor(), request_id, form.expected_version(), ExtensionAction.WITHDRAW, settings=desk_settings()
        )

    return run_edit(
        request_id,
        "extension_withdraw",
        form,
        call,
        success=gettext("The extension request has been withdrawn."),
        done_url=_done(request_id),
    )


@bp.route("/requests/<int:request_id>/remind", methods=["POST"])
@require(PolicyAction.DESK_USE)
def remind(request_id: int) -> ResponseReturnValue:
    form = RemindForm(prefix="remind")
    return run_edit(
        request_id,
        "remind",
        form,
        lambda: remind_request(db(), actor(), request_id, form.expected_version(), form.message.data or ""),
        success=gettext("The officer has been reminded."),
        done_url=_done(request_id),
    )


@bp.route("/requests/<int:request_id>/visit", methods=["POST"])
@require(PolicyAction.DESK_USE)
def visit(request_id: int) -> ResponseReturnValue:
    form = VisitForm(prefix="visit")

    def call() -> object:
        answer = VisitInput(
            choice(Satisfaction, form.satisfaction.data),
            {"yes": True, "no": False}.get(form.solved.data or ""),
            form.comment.data or "",
        )
        return record_visit(db(), actor(), request_id, form.expected_version(), answer, settings=desk_settings())

    return run_edit(
        request_id,
        "visit",
        form,
        call,
        success=gettext("The return visit has been recorded."),
        done_url=_done(request_id),
    )


@bp.route("/requests/<int:request_id>/redo", methods=["POST"])
@require(PolicyAction.DESK_USE)
def redo(request_id: int) -> ResponseReturnValue:
    form = RedoForm(prefix="redo")

    def call() -> object:
        return redo_request(
            db(),
            actor(),
            request_id,
            form.expected_version(),
            form.due_date.data,
            form.reason.data or "",
            # Any id is checked by the operation (the station's officers are the choices offered).
            assignee_id=form.assignee_id.data,
            settings=desk_settings(),
        )

    return run_edit(
        request_id,
        "redo",
        form,
        call,
        success=gettext("The request has been sent back for a redo."),
        done_url=_done(request_id),
    )


@bp.route("/requests/<int:request_id>/typical", methods=["POST"])
@require(PolicyAction.DESK_USE)
def typical_case(request_id: int) -> ResponseReturnValue:
    form = TypicalCaseForm(prefix="typical")
    flags = form.flags

    def call() -> object:
        return flag_typical_case(
            db(), actor(), request_id, form.expected_version(), typical=flags, note=form.note.data or ""
        )

    return run_edit(
        request_id,
        "typical",
        form,
        call,
        success=gettext("The request is flagged as a typical case.")
        if flags
        else gettext("The request is no longer flagged as a typical case."),
        done_url=_done(request_id),
    )


@bp.route("/requests/<int:request_id>/actions/<action_name>", methods=["POST"])
@require(PolicyAction.DESK_USE)
def step(request_id: int, action_name: str) -> ResponseReturnValue:
    return take_step(request_id, action_name, done_url=_done(request_id))


@bp.route("/attachments/<int:attachment_id>")
@require(PolicyAction.DESK_USE)
def download(attachment_id: int) -> ResponseReturnValue:
    return send_attachment(attachment_id)


@bp.route("/enterprises")
@require(PolicyAction.ENTERPRISE_VERIFY)
def enterprises() -> ResponseReturnValue:
    user = actor()
    query = select(Enterprise).order_by(Enterprise.verified, Enterprise.id.desc()).limit(200)
    if not policy.sees_every_station(user):
        query = query.where(Enterprise.station_id == user.station_id)
    if request.args.get("unverified"):
        query = query.where(Enterprise.verified.is_(False))
    return render_template("desk/enterprises.html", enterprises=db().scalars(query).all())


@bp.route("/enterprises/<int:enterprise_id>/verify", methods=["POST"])
@require(PolicyAction.ENTERPRISE_VERIFY)
def verify_enterprise(enterprise_id: int) -> ResponseReturnValue:
    enterprise = accounts.verify_enterprise(db(), actor(), enterprise_id)
    flash(gettext("%(name)s is now verified.", name=enterprise.name), "success")
    return redirect(url_for("desk.enterprises"))
