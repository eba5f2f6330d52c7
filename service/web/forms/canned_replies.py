"""Forms of the canned replies page (常用回复): one to write a canned reply, one to edit it. They check shape; the
operation checks the variables and who may keep a station's."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from service.operations.canned_replies import MAX_BODY, MAX_TITLE
from service.web.forms import DeskForm
from service.web.forms.plans import VersionField
from service.web.forms.requests import optional_int

LANGUAGE_CHOICES = [SelectChoice("zh", _l("Chinese")), SelectChoice("en", _l("English"))]
SCOPE_CHOICES = [SelectChoice("personal", _l("Only mine")), SelectChoice("station", _l("The station's whole desk"))]


class EditCannedReplyForm(DeskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=MAX_TITLE)])
    language = RadioField(_l("Language"), choices=LANGUAGE_CHOICES, default="zh", validators=[DataRequired()])
    body = TextAreaField(
        _l("Text"),
        validators=[DataRequired(), Length(max=MAX_BODY)],
        render_kw={"rows": 8},
        description=_l("Variables in braces are filled in for each request, e.g. {enterprise}."),
    )
    version = VersionField(validators=[DataRequired()])


class CannedReplyForm(EditCannedReplyForm):
    """A new canned reply: the page offers whose it is to a station's head and the administrator only."""

    version = None  # type: ignore[assignment]
    scope = RadioField(_l("Who uses it"), choices=SCOPE_CHOICES, default="personal", validators=[Optional()])
    station_id = SelectField(_l("Station"), coerce=optional_int, validators=[Optional()])
