"""Post/redirect/get for the forms on a page: the one way back for every form the server did not take.

A form sent with bad input, refused by the rules or made stale by someone else's change is never drawn
by its POST, since a reload would send it again. It goes back to the page it came from, which draws it
once as the user left it, with the messages beside its fields (what belongs at the top of the page
travels as a flash message).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import redirect, request, session
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms.widgets import HiddenInput

from service.operations.kept_forms import keep_form, take_form
from service.web.common.helpers import actor
from service.web.database import db

F = TypeVar("F", bound=FlaskForm)

# The session cookie names the kept form (its token) and the page that draws it.
SESSION_KEY = "kept_form"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Kept:
    """A form sent back to this page: which of the page's forms (``slot``), what was typed, and the messages."""

    slot: str
    form_name: str
    prefix: str
    typed: MultiDict[str, str]
    errors: dict[str, list[str]]
    form_errors: list[str]
    # What else the page needs to draw it (the reason of a conflict, say).
    extra: dict[str, Any]

    def restore(self, form: F) -> F:
        """``form``, built from ``typed``, with the messages back beside its fields."""
        for field in form:
            if field.name in self.errors:
                field.errors = list(self.errors[field.name])
        form.form_errors = list(self.form_errors)
        return form

    def rebuild(self, *classes: type[F]) -> F | None:
        """The form again if it is of one of ``classes`` (built with its prefix), else None."""
        cls = next((c for c in classes if c.__name__ == self.form_name), None)
        return self.restore(cls(prefix=self.prefix, formdata=self.typed)) if cls else None


def send_back(page_url: str, slot: str, form: FlaskForm, **extra: Any) -> Response:
    """Redirect to ``page_url``, which draws ``form`` (its ``slot``) again as the user left it, with its messages."""
    # Hidden fields go back as the server left them: after a conflict, the version the user has now been shown.
    hidden = {
        field.name: "" if field.data is None else str(field.data)
        for field in form
        if isinstance(field.widget, HiddenInput) and field.name != CSRF_FIELD
    }
    typed = [(name, hidden.get(name, value)) for name, value in request.form.items(multi=True) if name != CSRF_FIELD]
    errors = {
        field.name: [str(error) for error in field.errors]
        for field in form
        if field.errors and field.name != CSRF_FIELD
    }
    token = keep_form(
        db(),
        actor(),
        {
            "slot": slot,
            "form": type(form).__name__,
            "prefix": form._prefix.rstrip("-"),
            "typed": typed,
            "errors": errors,
            "form_errors": [str(error) for error in form.form_errors],
            "extra": extra,
        },
    )
    session[SESSION_KEY] = {"token": token, "page": urlsplit(page_url).path}
    return redirect(page_url)


def take_kept() -> Kept | None:
    """The form sent back to this page, once; None when there is none (or it was sent back to another page)."""
    stash = session.get(SESSION_KEY)
    if not isinstance(stash, dict) or stash.get("page") != request.script_root + request.path:
        return None
    del session[SESSION_KEY]
    data = take_form(db(), actor(), str(stash.get("token")))
    if data is None:
        return None
    return Kept(
        slot=data["slot"],
        form_name=data["form"],
        prefix=data["prefix"],
        typed=MultiDict([(name, value) for name, value in data["typed"]]),
        errors=data["errors"],
        form_errors=data["form_errors"],
        extra=data["extra"],
    )
