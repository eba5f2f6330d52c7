"""Administration of the service times: SLA targets per priority and the working-day calendar."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy import select

from service.errors import ValidationError
from service.models import CalendarDay, Priority, SlaTarget
from service.operations.calendar_admin import (
    delete_calendar_day,
    import_calendar_csv,
    set_calendar_day,
    set_sla_target,
)
from service.rules.local_time import LOCAL_TZ
from service.rules.policy import PolicyAction
from service.web.common.helpers import actor, require
from service.web.common.request_display import install_template_helpers
from service.web.database import db
from service.web.forms import show_error
from service.web.forms.requests import CalendarDayForm, CalendarImportForm, SlaTargetForm

bp = Blueprint("admin_sla", __name__, url_prefix="/admin")
install_template_helpers(bp)


def _target_forms() -> dict[Priority, SlaTargetForm]:
    targets = {t.priority: t for t in db().scalars(select(SlaTarget))}
    forms = {}
    for priority in Priority:
        target = targets.get(priority)
        data = (
            {"first_response_hours": target.first_response_hours, "resolution_hours": target.resolution_hours}
            if target
            else {}
        )
        forms[priority] = SlaTargetForm(prefix=priority.value, formdata=None, data=data)
    return forms


@bp.route("/sla")
@require(PolicyAction.ADMIN_USE)
def sla_targets() -> ResponseReturnValue:
    return render_template("admin/sla.html", forms=_target_forms())


@bp.route("/sla/<priority_name>", methods=["POST"])
@require(PolicyAction.ADMIN_USE)
def set_target(priority_name: str) -> ResponseReturnValue:
    try:
        priority = Priority(priority_name)
    except ValueError:
        abort(404)
    form = SlaTargetForm(prefix=priority.value)
    if form.validate_on_submit():
        try:
            set_sla_target(
                db(), actor(), priority, form.first_response_hours.data or 0, form.resolution_hours.data or 0
            )
        except ValidationError as error:
            show_error(form, error)
        else:
            flash(gettext("The targets for %(priority)s have been saved.", priority=priority.value), "success")
            return redirect(url_for(".sla_targets"))
    forms = _target_forms()
    forms[priority] = form
    return render_template("admin/sla.html", forms=forms), 400


def _year() -> int:
    raw = request.args.get("year", "")
    if not raw:
        return datetime.now(LOCAL_TZ).year
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        abort(404)
    return int(raw)


def render_calendar(
    year: int, day_form: CalendarDayForm | None = None, import_form: CalendarImportForm | None = None, status: int = 200
) -> ResponseReturnValue:
    days = (
        db()
        .scalars(
            select(CalendarDay)
            .where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))
            .order_by(CalendarDay.day)
        )
        .all()
    )
    return render_template(
        "admin/calendar.html",
        year=year,
        days=days,
        day_form=day_form or CalendarDayForm(prefix="day", formdata=None),
        import_form=import_form or CalendarImportForm(prefix="import", formdata=None),
    ), status


@bp.route("/calendar")
@require(PolicyAction.ADMIN_USE)
def calendar() -> ResponseReturnValue:
    return render_calendar(_year())


@bp.route("/calendar/days", methods=["POST"])
@require(PolicyAction.ADMIN_USE)
def add_day() -> ResponseReturnValue:
    form = CalendarDayForm(prefix="day")
    if form.validate_on_submit():
        day = form.day.data
        set_calendar_day(db(), actor(), day, form.kind.data == "workday", form.name.data or "")
        flash(gettext("%(day)s has been saved.", day=day.isoformat()), "success")
        return redirect(url_for(".calendar", year=day.year))
    return render_calendar(_year(), day_form=form, status=400)


@bp.route("/calendar/days/<day_text>/delete", methods=["POST"])
@require(PolicyAction.ADMIN_USE)
def delete_day(day_text: str) -> ResponseReturnValue:
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        abort(404)
    delete_calendar_day(db(), actor(), day)
    flash(gettext("%(day)s is an ordinary day again.", day=day.isoformat()), "success")
    return redirect(url_for(".calendar", year=day.year))


def _uploaded_text(form: CalendarImportForm) -> str | None:
    """The pasted text, else the file decoded as UTF-8 or, as spreadsheets in China save it, GB18030."""
    pasted: str | None = form.text.data
    if (pasted or "").strip():
        return pasted
    upload = form.file.data
    raw = upload.read() if upload and getattr(upload, "filename", "") else b""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding) if raw else None
        except UnicodeDecodeError:
            continue
    form.file.errors = [gettext("The file is not a text file in UTF-8 or GB18030.")]
    return None


@bp.route("/calendar/import", methods=["POST"])
@require(PolicyAction.ADMIN_USE)
def import_days() -> ResponseReturnValue:
    form = CalendarImportForm(prefix="import")
    if form.validate_on_submit():
        text = _uploaded_text(form)
        if text is None and not form.file.errors:
            form.text.errors = [gettext("Paste the CSV text or choose a file.")]
        elif text is not None:
            try:
                count = import_calendar_csv(db(), actor(), text)
            except ValidationError as error:
                show_error(form, error)
            else:
                flash(gettext("%(count)s days have been imported.", count=count), "success")
                return redirect(url_for(".calendar", year=_year()))
    return render_calendar(_year(), import_form=form, status=400)
