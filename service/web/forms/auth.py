from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, Field, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from service.infrastructure import passwords
from service.models import EnterpriseSize, ProductArea
from service.rules import credit_code
from service.web.forms import DeskForm
from service.web.labels import choices


class LoginForm(DeskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class ChosenPasswordForm(DeskForm):
    """A password its user chooses (at registration, on accepting an invitation), typed twice."""

    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=8, max=200)],
        description=_l("At least 8 characters; avoid common passwords."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )


class RegistrationForm(ChosenPasswordForm):
    company_name = StringField(_l("Legal name of the company"), validators=[DataRequired(), Length(max=200)])
    credit_code = StringField(
        _l("Unified social credit code"),
        validators=[DataRequired(), Length(min=18, max=18)],
        description=_l("18 characters, as printed on the business licence."),
    )
    city = StringField(_l("City / county"), validators=[DataRequired(), Length(max=120)])
    station_id = SelectField(_l("Home station"), coerce=int, validators=[DataRequired()])
    size = SelectField(_l("Company size"), choices=choices(EnterpriseSize), validators=[DataRequired()])
    product_areas = SelectMultipleField(_l("Product areas"), choices=choices(ProductArea))
    contact_name = StringField(_l("Contact person"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Length(max=40)])

    # The operation's rules, run here too so that one submission shows every problem at once.
    def validate_credit_code(self, field: Field) -> None:
        if not field.errors and not credit_code.is_valid(credit_code.normalize(field.data or "")):
            raise ValidationError(gettext(credit_code.INVALID))

    def validate_password(self, field: Field) -> None:
        weak = None if field.errors else passwords.password_problem(field.data or "", self.email.data or "")
        if weak:
            raise ValidationError(gettext(weak))


class LanguageForm(DeskForm):
    locale = SelectField(_l("Language"), choices=[SelectChoice("zh", "中文"), SelectChoice("en", "English")])


class NewPasswordForm(DeskForm):
    """A new password, twice: set from a recovery link (and, with the current one, on the account page)."""

    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords do not match."))],
    )


class PasswordChangeForm(NewPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])


class ForgotPasswordForm(DeskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
