from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

from service.models import Role
from service.web.forms import DeskForm


class DeskUserForm(DeskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Length(max=40)])
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(Role.STAFF.value, _l("Station staff")),
            SelectChoice(Role.DIRECTOR.value, _l("Director")),
            SelectChoice(Role.ADMIN.value, _l("Administrator")),
        ],
    )
    station_id = SelectField(_l("Station"), coerce=int, validators=[DataRequired()])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(min=8, max=200)])


class DeleteForm(DeskForm):
    """A deletion's POST. Only ``confirm=yes`` deletes: without it (no script ran, or the POST was forged)
    the answer is a page that asks first, naming what would go."""

    confirm = HiddenField()

    def confirmed(self) -> bool:
        answer: str | None = self.confirm.data
        return answer == "yes"
