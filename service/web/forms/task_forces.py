"""Forms of the task-force pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from service.models import TaskForceStatus
from service.web.forms import DeskForm
from service.web.labels import choices


class TaskForceForm(DeskForm):
    name = StringField(lazy_pgettext("task force", "Name"), validators=[DataRequired(), Length(max=200)])
    purpose = TextAreaField(_l("Purpose"), validators=[DataRequired(), Length(max=5000)])
    lead_id = SelectField(_l("Lead"), coerce=int, validators=[DataRequired()])


class EditTaskForceForm(TaskForceForm):
    status = SelectField(_l("Status"), choices=choices(TaskForceStatus), validators=[DataRequired()])


class StaffMemberForm(DeskForm):
    user_id = SelectField(
        _l("Staff member"),
        coerce=int,
        validators=[DataRequired()],
        description=_l("Staff and directors of any station."),
    )


class ExpertForm(DeskForm):
    name = StringField(_l("Expert's name"), validators=[DataRequired(), Length(max=120)])
    affiliation = StringField(_l("Affiliation"), validators=[DataRequired(), Length(max=200)])
    field = StringField(_l("Field of expertise"), validators=[Length(max=200)])
