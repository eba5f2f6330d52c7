"""Forms of the director hotline, instructions, escalation, the dashboard filters and the monthly report's month:
shape only."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import MonthInput

from service.rules.local_time import LOCAL_TZ
from service.web.forms import DeskForm
from service.web.forms.requests import VersionedForm, optional_int


class HotlineAskForm(DeskForm):
    reason = TextAreaField(
        _l("What should the session address?"),
        validators=[DataRequired(), Length(max=4000)],
        description=_l("The difficulty to discuss with the director, and what you hope to settle."),
    )
    preferred_times = StringField(
        _l("Preferred times"),
        validators=[Optional(), Length(max=500)],
        description=_l("For example: weekday afternoons next week."),
    )


class HotlineScheduleForm(VersionedForm):
    scheduled_at = DateTimeLocalField(
        _l("Date and time (Beijing time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    duration_minutes = IntegerField(
        _l("Duration in minutes"), default=60, validators=[InputRequired(), NumberRange(min=15, max=240)]
    )
    director_id = SelectField(_l("Director"), coerce=int, validators=[InputRequired()])
    recorder_id = SelectField(
        _l("Recorder"),
        coerce=optional_int,
        validators=[Optional()],
        description=_l("Besides the directors, the recorder may record the minutes."),
    )
    # Shown once the time was found outside working hours: the director keeps it by ticking.
    outside_hours_ok = BooleanField(_l("Schedule anyway"))

    def scheduled_at_local(self) -> datetime:
        """The wall-clock time typed in the form, read as Asia/Shanghai time."""
        typed: datetime = self.scheduled_at.data
        return typed.replace(tzinfo=LOCAL_TZ)


class FollowUpEntry(Form):
    description = StringField(_l("Follow-up action"), validators=[Optional(), Length(max=1000)])
    owner_id = SelectField(_l("Owner"), coerce=optional_int, validators=[Optional()])
    due_date = DateField(_l("Due date"), validators=[Optional()])


class HotlineRecordForm(VersionedForm):
    minutes = TextAreaField(
        _l("Minutes (internal)"),
        validators=[DataRequired(), Length(max=20000)],
        description=_l("Only the desk reads the minutes."),
    )
    public_summary = TextAreaField(
        _l("Summary for the enterprise"),
        validators=[DataRequired(), Length(max=5000)],
        description=_l("The enterprise sees this summary on its request."),
    )
    decisions = TextAreaField(_l("Decisions (internal)"), validators=[Optional(), Length(max=5000)])
    follow_ups = FieldList(FormField(FollowUpEntry), min_entries=3, max_entries=10)

    def validate_follow_ups(self, field: FieldList) -> None:
        for entry in field:
            row = entry.form
            filled = [row.description.data, row.owner_id.data, row.due_date.data]
            if any(filled) and not all(filled):
                raise ValidationError(str(_l("Give each follow-up action a description, an owner and a due date.")))


class HotlineCancelForm(VersionedForm):
    reason = TextAreaField(_l("Reason for cancelling"), validators=[DataRequired(), Length(max=2000)])


class InstructionForm(DeskForm):
    # An id of its own: the desk request page also holds the reply box, whose field is "body" too.
    body = TextAreaField(
        _l("Instruction"),
        id="instruction-body",
        validators=[DataRequired(), Length(max=5000)],
        description=_l("The assignee of the case must acknowledge it."),
    )


class DeEscalateForm(DeskForm):
    note = TextAreaField(
        _l("Note"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("Why the case no longer needs the director."),
    )


class DashboardFilterForm(DeskForm):
    """Read from the query string: no CSRF, the form changes nothing."""

    class Meta:
        csrf = False

    station = SelectField(_l("Station"), coerce=optional_int, validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])


class ReportMonthForm(DeskForm):
    """The monthly report's month, read from the query string (the report's own rules check it: a month begun)."""

    class Meta:
        csrf = False

    month = StringField(_l("Month"), widget=MonthInput(), validators=[Optional(), Length(max=20)])
