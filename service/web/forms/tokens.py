from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange

from service.web.forms import DeskForm


class TokenForm(DeskForm):
    name = StringField(
        lazy_pgettext("thing", "Name"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("What the token is for, e.g. the system that uses it."),
    )
    scope = SelectField(
        _l("Scope"),
        validators=[DataRequired()],
        choices=[SelectChoice("read", _l("Read only")), SelectChoice("write", _l("Read and write"))],
    )
    # The longest lifetime is a setting: the operation refuses more, and the page says how much.
    days = IntegerField(_l("Valid for (days)"), validators=[DataRequired(), NumberRange(min=1)])
