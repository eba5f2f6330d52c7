"""WTForms classes, one per action: they check shape only; business rules live in operations."""

from __future__ import annotations

from functools import cache

from babel.support import NullTranslations, Translations
from flask_babel import get_locale, gettext
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import Field
from wtforms.i18n import messages_path
from wtforms.widgets import HiddenInput

from service.errors import CORRECT_FIELDS, N_, REQUIRED, DomainError
from service.web.labels import domain_message, label_params

# WTForms' messages the desk words itself, so that a form says what operations and the API say
# (WTForms' Chinese has its own "required" phrase and leaves "Email" in English).
REWORDED = frozenset({REQUIRED, N_("Invalid email address.")})


class DeskWording:
    """WTForms' catalogue, with the desk's own catalogue for the messages in REWORDED."""

    def __init__(self, wtforms: NullTranslations) -> None:
        self._wtforms = wtforms

    def gettext(self, string: str) -> str:
        return gettext(string) if string in REWORDED else self._wtforms.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._wtforms.ngettext(singular, plural, n)


@cache
def wtforms_messages(locale: str) -> DeskWording:
    """WTForms' own messages (e.g. "Not a valid choice.") in one language, read once per process."""
    return DeskWording(Translations.load(messages_path(), [locale], domain="wtforms"))


class DeskForm(FlaskForm):
    """Every form of the desk. Flask-WTF would read WTForms' catalogue again for each form drawn."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form: FlaskForm) -> DeskWording:
            return wtforms_messages(str(get_locale()))

        def render_field(self, field: Field, render_kw: dict[str, object]) -> Markup:
            # A page holds many forms, each with its CSRF token and version: hidden inputs, which no label
            # names, go without an id so that the page's ids stay unique.
            if isinstance(field.widget, HiddenInput):
                render_kw = {"id": False, **render_kw}
            rendered: Markup = super().render_field(field, render_kw)
            return rendered


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Put an operation's refusal on the form: field messages beside their fields, the rest on top.

    Field messages may carry the error's placeholders (a refused file names itself), so they are
    formatted with its parameters.
    """
    params = label_params(error)
    shown = set()
    for name, message in getattr(error, "fields", {}).items():
        text = gettext(message, **params)
        shown.add(text)
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*field.errors, text]
        else:
            form.form_errors.append(text)
    summary = domain_message(error)
    # The generic summary is what the form's error box already says; the fields say more.
    if error.message != CORRECT_FIELDS and summary not in shown:
        form.form_errors.append(summary)
