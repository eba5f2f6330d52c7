"""Personal access tokens for the API, on the user's own account page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from service.errors import ValidationError
from service.models.base import utcnow
from service.operations import api_tokens
from service.web.app_settings import settings
from service.web.common.helpers import actor
from service.web.database import db
from service.web.forms import show_error
from service.web.forms.tokens import TokenForm

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")


def _form(**kwargs: object) -> TokenForm:
    """The form, offering the usual lifetime unless API_TOKEN_MAX_DAYS is shorter (a post's own value wins)."""
    return TokenForm(days=min(api_tokens.DEFAULT_DAYS, settings().api_token_max_days), **kwargs)


def _page(form: TokenForm, secret: str | None = None, status: int = 200) -> ResponseReturnValue:
    tokens = api_tokens.list_tokens(db(), actor())
    return render_template(
        "account/tokens.html",
        form=form,
        tokens=tokens,
        secret=secret,
        max_days=settings().api_token_max_days,
        docs_url=url_for("api.docs"),
        now=utcnow(),
    ), status


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    return _page(_form())


@bp.route("/", methods=["POST"])
@login_required
def create() -> ResponseReturnValue:
    form = _form()
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        issued = api_tokens.create_token(
            db(),
            actor(),
            form.name.data or "",
            form.scope.data or "",
            form.days.data or 0,
            max_days=settings().api_token_max_days,
        )
    except ValidationError as error:
        show_error(form, error)
        return _page(form, status=400)
    # Shown on this response only: the database keeps nothing but its hash.
    return _page(_form(formdata=None), secret=issued.secret)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int) -> ResponseReturnValue:
    api_tokens.revoke_token(db(), actor(), token_id)
    flash(gettext("The token has been revoked; programs using it can no longer sign in."), "success")
    return redirect(url_for("tokens.index"))
