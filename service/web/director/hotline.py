"""Hotline pages (站长热线 and 局长热线): ask, schedule, record, cancel, the invitation file, the panel on a case."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from service.errors import Conflict, DomainError, NotFound, ValidationError
from service.infrastructure.ics import Invitation, Person, build_invitation
from service.models import HotlineSession, HotlineStatus, ServiceRequest
from service.models.base import utcnow
from service.operations import hotline as ops
from service.queries import hotline as queries
from service.queries.requests import assignable_users
from service.rules import policy
from service.rules.hotline import MACHINE, HotlineAction, allowed_hotline_actions
from service.rules.local_time import LOCAL_TZ
from service.rules.policy import PolicyAction
from service.store import reference
from service.store.loading import load
from service.web.app_settings import desk_settings, settings
from service.web.common.helpers import actor, flash_domain_error, hotline_name, require
from service.web.common.kept_forms import send_back
from service.web.database import db
from service.web.forms import show_error
from service.web.forms.director import HotlineAskForm, HotlineCancelForm, HotlineRecordForm, HotlineScheduleForm

bp = Blueprint("hotline", __name__, url_prefix="/hotline")

LISTS = {
    "pending": (HotlineStatus.REQUESTED, HotlineStatus.SCHEDULED),
    "held": (HotlineStatus.HELD,),
    "cancelled": (HotlineStatus.CANCELLED,),
}


def case_url(case: ServiceRequest) -> str:
    """The case's own page for the reader: the portal's for enterprises, the desk's otherwise."""
    desk = policy.may(actor(), PolicyAction.REQUEST_VIEW_INTERNAL, case)
    endpoint = "desk.request_detail" if desk else "portal.request_detail"
    if endpoint in current_app.view_functions:
        return url_for(endpoint, request_id=case.id)
    return url_for("hotline.index")


@bp.record_once
def _register_globals(state: BlueprintSetupState) -> None:
    state.app.jinja_env.globals.update(case_url=case_url)


@bp.route("/")
@require(PolicyAction.DESK_USE)
def index() -> ResponseReturnValue:
    shown = request.args.get("list", "pending")
    statuses = LISTS.get(shown, LISTS["pending"])
    return render_template(
        "hotline/index.html",
        sessions=queries.list_sessions(db(), actor(), statuses),
        shown=shown if shown in LISTS else "pending",
        lists=LISTS,
        follow_ups=queries.my_follow_ups(db(), actor()),
    )


@bp.route("/request/<int:request_id>/ask", methods=["GET", "POST"])
@login_required
def ask(request_id: int) -> ResponseReturnValue:
    case = load(db(), actor(), ServiceRequest, request_id, PolicyAction.REQUEST_VIEW)
    form = HotlineAskForm()
    if request.method == "GET":
        return render_template("hotline/ask.html", form=form, case=case)
    if form.validate_on_submit():
        try:
            hotline = ops.ask_hotline(
                db(), actor(), request_id, form.reason.data or "", form.preferred_times.data or ""
            )
        except ValidationError as error:
            show_error(form, error)
        else:
            flash(
                gettext("Your request for a %(hotline)s session has been sent.", hotline=hotline_name(hotline)),
                "success",
            )
            return redirect(url_for("hotline.session", hotline_id=hotline.id))
    # Back to the case's page, whose hotline panel draws the ask as it was sent, with the messages.
    return send_back(case_url(case), "hotline_ask", form)


@bp.route("/<int:hotline_id>")
@login_required
def session(hotline_id: int) -> ResponseReturnValue:
    hotline = queries.get_session(db(), actor(), hotline_id)
    return render_template(
        "hotline/session.html",
        view=queries.view_of(actor(), hotline),
        hotline=hotline,
        case_link=case_url(hotline.request),
    )


def _edit_page(template: str, hotline_id: int, form: FlaskForm, status: int = 200) -> ResponseReturnValue:
    hotline = queries.get_session(db(), actor(), hotline_id)
    if status == 409:
        # The page now shows the session as it stands; sending the form again is a deliberate choice.
        form.version.data = str(hotline.version)
    return render_template(template, form=form, hotline=hotline, case_link=case_url(hotline.request)), status


def _offered(hotline_id: int, action: HotlineAction) -> HotlineSession:
    """The session, if ``action`` is open to the reader now: 404 out of scope, 409 in the wrong state, else 403."""
    hotline = queries.get_session(db(), actor(), hotline_id)
    if action not in allowed_hotline_actions(actor(), hotline):
        abort(409 if hotline.status not in MACHINE.transitions[action].sources else 403)
    return hotline


def _run(
    form: FlaskForm, hotline_id: int, template: str, call: Callable[[], HotlineSession], done: str
) -> ResponseReturnValue:
    """The shared POST flow: shape checked by the form, rules by the operation, errors shown on the form."""
    status = 400
    if form.validate_on_submit():
        try:
            hotline = call()
        except ValidationError as error:
            show_error(form, error)
        except Conflict as error:
            show_error(form, error)
            status = 409
        else:
            flash(done, "success")
            return redirect(url_for("hotline.session", hotline_id=hotline.id))
    return _edit_page(template, hotline_id, form, status)


@bp.route("/<int:hotline_id>/schedule", methods=["GET", "POST"])
@require(PolicyAction.DIRECTOR_USE)
def schedule(hotline_id: int) -> ResponseReturnValue:
    hotline = _offered(hotline_id, HotlineAction.SCHEDULE)
    form = HotlineScheduleForm()
    directors = queries.directors_for(db(), hotline.request.station_id)
    form.director_id.choices = [SelectChoice(d.id, d.name) for d in directors]
    form.recorder_id.choices = [
        SelectChoice("", gettext("— none —")),
        *(SelectChoice(u.id, u.name) for u in assignable_users(db(), actor(), hotline.request.station_id)),
    ]
    if request.method == "GET":
        form.version.data = str(hotline.version)
        form.director_id.data = hotline.director_id or actor().id
        form.recorder_id.data = hotline.recorder_id
        if hotline.scheduled_at:
            form.scheduled_at.data = hotline.scheduled_at.astimezone(LOCAL_TZ).replace(tzinfo=None)
        form.duration_minutes.data = hotline.duration_minutes or 60
        return _edit_page("hotline/schedule.html", hotline_id, form)
    return _run(
        form,
        hotline_id,
        "hotline/schedule.html",
        lambda: ops.schedule_hotline(
            db(),
            actor(),
            hotline_id,
            form.expected_version(),
            ops.Schedule(
                form.scheduled_at_local(),
                form.duration_minutes.data,
                form.director_id.data,
                form.recorder_id.data,
                form.outside_hours_ok.data,
            ),
            settings().meeting_url_template,
            calendar=reference.working_calendar(db(), desk_settings()),
        ),
        gettext("The session is scheduled; the enterprise can see it."),
    )


@bp.route("/<int:hotline_id>/record", methods=["GET", "POST"])
@require(PolicyAction.DESK_USE)
def record(hotline_id: int) -> ResponseReturnValue:
    hotline = _offered(hotline_id, HotlineAction.HOLD)
    form = HotlineRecordForm()
    owners = [
        SelectChoice("", gettext("— choose —")),
        *(SelectChoice(u.id, u.name) for u in assignable_users(db(), actor(), hotline.request.station_id)),
    ]
    for entry in form.follow_ups:
        entry.form.owner_id.choices = owners
    if request.method == "GET":
        form.version.data = str(hotline.version)
        return _edit_page("hotline/record.html", hotline_id, form)
    follow_ups = [
        ops.FollowUp(e.description.data, e.owner_id.data, e.due_date.data)
        for e in (entry.form for entry in form.follow_ups)
        if e.description.data
    ]
    return _run(
        form,
        hotline_id,
        "hotline/record.html",
        lambda: ops.record_hotline(
            db(),
            actor(),
            hotline_id,
            form.expected_version(),
            ops.Record(form.minutes.data or "", form.public_summary.data or "", form.decisions.data or "", follow_ups),
        ),
        gettext("The session is recorded as held."),
    )


@bp.route("/<int:hotline_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(hotline_id: int) -> ResponseReturnValue:
    hotline = _offered(hotline_id, HotlineAction.CANCEL)
    form = HotlineCancelForm()
    if request.method == "GET":
        form.version.data = str(hotline.version)
        return _edit_page("hotline/cancel.html", hotline_id, form)
    return _run(
        form,
        hotline_id,
        "hotline/cancel.html",
        lambda: ops.cancel_hotline(db(), actor(), hotline_id, form.expected_version(), form.reason.data or ""),
        gettext("The session is cancelled."),
    )


@bp.route("/follow-ups/<int:follow_up_id>/done", methods=["POST"])
@require(PolicyAction.DESK_USE)
def follow_up_done(follow_up_id: int) -> ResponseReturnValue:
    try:
        action = ops.complete_follow_up(db(), actor(), follow_up_id)
    except DomainError as error:
        flash_domain_error(error)
        return redirect(url_for("hotline.index"))
    flash(gettext("The follow-up action is marked done."), "success")
    return redirect(case_url(action.hotline_session.request))


@bp.route("/<int:hotline_id>/invitation.ics")
@login_required
def invitation(hotline_id: int) -> ResponseReturnValue:
    return invitation_file(queries.get_session(db(), actor(), hotline_id))


def invitation_file(hotline: HotlineSession) -> Response:
    """The .ics download of a scheduled session, for the pages and the API; NotFound while not scheduled."""
    if hotline.status != HotlineStatus.SCHEDULED or hotline.scheduled_at is None or hotline.director is None:
        raise NotFound()
    case = hotline.request
    link = hotline.meeting_link or ""
    contact = queries.enterprise_contact(hotline)
    body = build_invitation(
        Invitation(
            uid=f"hotline-{hotline.id}@{request.host.split(':')[0]}",
            start=hotline.scheduled_at,
            duration=timedelta(minutes=hotline.duration_minutes or 60),
            summary=gettext(
                "%(hotline)s: %(reference)s %(title)s",
                hotline=hotline_name(hotline),
                reference=case.reference,
                title=case.title,
            ),
            description=gettext(
                "%(hotline)s session on request %(reference)s with %(enterprise)s.\nJoin the video meeting: %(link)s",
                hotline=hotline_name(hotline),
                reference=case.reference,
                enterprise=case.enterprise.name,
                link=link,
            ),
            url=link,
            organizer=Person(hotline.director.email, hotline.director.name),
            attendee=Person(contact.email, contact.name) if contact else None,
            sequence=hotline.version,
        ),
        stamp=utcnow(),
    )
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="hotline-{case.reference}.ics"'},
    )
