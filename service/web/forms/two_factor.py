"""Forms of two-step sign-in: one per action, each asking for a code."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from service.web.forms import DeskForm

_CODE_ATTRS = {"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}


def _code_field(label: object, description: object) -> StringField:
    return StringField(
        label, validators=[DataRequired(), Length(max=40)], description=description, render_kw=_CODE_ATTRS
    )


class SecondStepForm(DeskForm):
    code = _code_field(_l("Code"), _l("The 6-digit code from your authenticator app, or one of your recovery codes."))


class EnrolForm(DeskForm):
    code = _code_field(_l("6-digit code"), _l("The code your authenticator app shows now."))


class RecoveryCodesForm(DeskForm):
    code = _code_field(_l("Current code"), _l("A code from your authenticator app, or a recovery code."))


class DisableForm(RecoveryCodesForm):
    """The same question as for new recovery codes, for another action."""
