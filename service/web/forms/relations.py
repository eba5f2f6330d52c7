"""Forms of a request's relations: merge it into another request, link it to one, remove a link, make a child."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from service.errors import MAX_TEXT
from service.web.forms.requests import VersionedForm, optional_int

REFERENCE_HINT = _l("The reference number, e.g. JL-2026-000123.")


def optional_version(value: str | int | None) -> int | None:
    """The other request's version when the page showed it (a candidate's button), else none to check."""
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return -1  # never a real version: the operation answers Conflict


class MergeForm(VersionedForm):
    target = StringField(
        _l("Merge into request"), validators=[DataRequired(), Length(max=40)], description=REFERENCE_HINT
    )
    target_version = HiddenField(filters=[optional_version])
    reason = TextAreaField(_l("Why (optional)"), validators=[Optional(), Length(max=MAX_TEXT)])


class LinkForm(VersionedForm):
    other = StringField(_l("Related request"), validators=[DataRequired(), Length(max=40)], description=REFERENCE_HINT)
    other_version = HiddenField(filters=[optional_version])


class UnlinkForm(VersionedForm):
    other_id = HiddenField(validators=[DataRequired()], filters=[optional_int])


class ChildForm(VersionedForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[DataRequired(), Length(max=20000)])
    station_id = SelectField(_l("Station that works it"), coerce=optional_int, validators=[Optional()])
