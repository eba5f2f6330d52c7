"""Forms of supervision orders (督办): issuing one, a step on one, and the supervision page's filters."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateTimeLocalField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from service.models import SupervisionStatus, SupervisionTier
from service.rules.local_time import LOCAL_TZ
from service.web.forms import DeskForm
from service.web.forms.requests import VersionedForm, optional_int
from service.web.labels import choices


class IssueOrderForm(DeskForm):
    issue = TextAreaField(_l("The issue"), validators=[DataRequired(), Length(max=5000)])
    requirement = TextAreaField(
        _l("What is required"),
        validators=[DataRequired(), Length(max=5000)],
        description=_l("What the unit must do and report on."),
    )
    deadline = DateTimeLocalField(_l("Report by (Beijing time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()])

    def deadline_utc(self) -> datetime | None:
        """The wall-clock time typed, read as Asia/Shanghai time."""
        return self.deadline.data.replace(tzinfo=LOCAL_TZ) if self.deadline.data else None


class OrderStepForm(VersionedForm):
    """A step on one order (the step is in the URL); the text is the report, the comment or the reason."""

    text = TextAreaField(_l("Text"), validators=[Optional(), Length(max=5000)])


class OrderFilterForm(DeskForm):
    """The supervision page's filters, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    tier = SelectField(
        _l("Tier"), choices=[SelectChoice("", _l("Any tier")), *choices(SupervisionTier)], validators=[Optional()]
    )
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("", _l("Not yet concluded")),
            *choices(SupervisionStatus),
            SelectChoice("all", _l("Any status")),
        ],
        validators=[Optional()],
    )
    station_id = SelectField(_l("Station"), coerce=optional_int, validators=[Optional()])
    overdue = BooleanField(_l("Overdue only"))
