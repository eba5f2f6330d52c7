"""Forms of colleagues in one enterprise: the administrator's, the invited colleague's, a request's hand-over."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length

from service.models import EnterpriseRole
from service.web.forms import DeskForm
from service.web.forms.auth import ChosenPasswordForm
from service.web.forms.requests import VersionedForm
from service.web.labels import choices


class RosterForm(DeskForm):
    """Every change to the colleagues carries the version of the list the administrator saw."""

    version = HiddenField(validators=[InputRequired()])

    def expected_version(self) -> int:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return -1  # never a real version: the operation answers that the list changed


class InviteForm(RosterForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role in the enterprise"), choices=choices(EnterpriseRole), default=EnterpriseRole.MEMBER)


class RoleForm(RosterForm):
    role = SelectField(_l("Role in the enterprise"), choices=choices(EnterpriseRole), validators=[DataRequired()])


class DeactivateForm(RosterForm):
    successor_id = SelectField(
        _l("Hand their open requests over to"),
        coerce=int,
        validate_choice=False,  # the operation names a colleague who cannot take them over
        description=_l("Their account is closed and signed out; what they wrote stays under their name."),
    )


class AcceptInvitationForm(ChosenPasswordForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])


class HandOverForm(VersionedForm):
    to_user_id = SelectField(_l("New contact person"), coerce=int, validate_choice=False)
