"""WTForms classes, one per action: they check shape only; business rules live in operations."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field

from service.errors import ValidationError


def apply_domain_errors(form: FlaskForm, error: ValidationError) -> None:
    """Show an operation's field errors beside the fields they concern (message ids, translated here)."""
    from flask_babel import gettext

    for name, message in error.fields.items():
        field: Field | None = getattr(form, name, None)
        text = gettext(message)
        if field is not None:
            field.errors = [*field.errors, text] if isinstance(field.errors, list) else [text]
        else:
            form.form_errors.append(text)
