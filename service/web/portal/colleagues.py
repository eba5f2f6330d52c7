"""The enterprise's colleagues page: every contact person sees who they are; its administrator invites, sends an
invitation again or withdraws it, sets roles and deactivates a colleague who leaves."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext, ngettext
from flask_wtf import FlaskForm

from service.errors import Conflict, DomainError, Forbidden, RateLimited, ValidationError
from service.models import EnterpriseRole
from service.models.base import utcnow
from service.operations import colleagues, invitations
from service.queries.colleagues import colleagues_page
from service.rules.policy import PolicyAction
from service.web.app_settings import settings
from service.web.common.helpers import actor, flash_domain_error, require
from service.web.common.invitation_mail import composer
from service.web.database import db
from service.web.forms import show_error
from service.web.forms.colleagues import DeactivateForm, InviteForm, RoleForm, RosterForm
from service.web.labels import domain_message

bp = Blueprint("colleagues", __name__, url_prefix="/portal/colleagues")
T = TypeVar("T")


def _page(invite: InviteForm | None = None, status: int = 200) -> ResponseReturnValue:
    page = colleagues_page(db(), actor())
    invite = invite or InviteForm(formdata=None, version=page.roster_version)
    deactivate_choices = [(u.id, u.name) for u in page.colleagues if u.active]
    return render_template(
        "colleagues/index.html",
        page=page,
        invite=invite,
        role_form=lambda user: RoleForm(formdata=None, version=page.roster_version, role=user.enterprise_role),
        deactivate_form=lambda user: _deactivate_form(page.roster_version, deactivate_choices, user.id),
        now=utcnow(),
    ), status


def _deactivate_form(version: int, choices: list[tuple[int, str]], leaving: int) -> DeactivateForm:
    form = DeactivateForm(formdata=None, version=version)
    # None chosen is for a colleague with no open requests; the operation asks for one otherwise.
    nobody = (0, gettext("— choose a colleague —"))
    form.successor_id.choices = [nobody, *((user_id, name) for user_id, name in choices if user_id != leaving)]
    return form


def _change(form: FlaskForm, call: Callable[[], T], success: Callable[[T], str]) -> ResponseReturnValue:
    """Run one change to the colleagues; a refusal is said at the top of the page, which shows the list as it is."""
    if not form.validate_on_submit():
        flash(gettext("Please correct the highlighted fields."), "error")
        return redirect(url_for(".index"))
    try:
        result = call()
    except (Conflict, ValidationError) as error:
        messages = list(getattr(error, "fields", {}).values())
        flash(gettext(messages[0]) if messages else domain_message(error), "error")
    except RateLimited as limited:
        flash(_too_many(limited.seconds), "error")
    except Forbidden:
        abort(403)
    except DomainError as error:
        flash_domain_error(error)
    else:
        flash(success(result), "success")
    return redirect(url_for(".index"))


def _too_many(seconds: int) -> str:
    return gettext(
        "Too many invitations for now; nothing was sent. Wait %(minutes)s minutes and try again.",
        minutes=-(-seconds // 60),
    )


@bp.route("/")
@require(PolicyAction.COLLEAGUES_VIEW)
def index() -> ResponseReturnValue:
    return _page()


@bp.route("/invite", methods=["POST"])
@require(PolicyAction.COLLEAGUES_VIEW)
def invite() -> ResponseReturnValue:
    form = InviteForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    language = str(get_locale())
    try:
        invitations.invite_colleague(
            db(),
            actor(),
            form.email.data or "",
            EnterpriseRole(form.role.data),
            form.expected_version(),
            secret_key=settings().secret_key,
            compose=composer(language),
            language=language,
        )
    except ValidationError as error:
        show_error(form, error)
        return _page(form, 422)
    except RateLimited as limited:
        form.form_errors.append(_too_many(limited.seconds))
        return _page(form, 429)
    except Conflict as error:
        flash(domain_message(error), "error")
        return redirect(url_for(".index"))
    except Forbidden:
        abort(403)
    except DomainError as error:
        flash_domain_error(error)
        return redirect(url_for(".index"))
    flash(gettext("The invitation has been sent to %(email)s.", email=form.email.data), "success")
    return redirect(url_for(".index"))


@bp.route("/invitations/<int:invitation_id>/resend", methods=["POST"])
@require(PolicyAction.COLLEAGUES_VIEW)
def resend(invitation_id: int) -> ResponseReturnValue:
    form = RosterForm()
    language = str(get_locale())
    return _change(
        form,
        lambda: invitations.resend_invitation(
            db(),
            actor(),
            invitation_id,
            form.expected_version(),
            secret_key=settings().secret_key,
            compose=composer(language),
            language=language,
        ),
        lambda _: gettext("The invitation has been sent again with a new link; the earlier link no longer works."),
    )


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
@require(PolicyAction.COLLEAGUES_VIEW)
def revoke(invitation_id: int) -> ResponseReturnValue:
    form = RosterForm()
    return _change(
        form,
        lambda: invitations.revoke_invitation(db(), actor(), invitation_id, form.expected_version()),
        lambda _: gettext("The invitation has been withdrawn; its link no longer works."),
    )


@bp.route("/<int:user_id>/role", methods=["POST"])
@require(PolicyAction.COLLEAGUES_VIEW)
def set_role(user_id: int) -> ResponseReturnValue:
    form = RoleForm()
    return _change(
        form,
        lambda: colleagues.set_colleague_role(
            db(), actor(), user_id, EnterpriseRole(form.role.data), form.expected_version()
        ),
        lambda _: gettext("The role has been changed."),
    )


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
@require(PolicyAction.COLLEAGUES_VIEW)
def deactivate(user_id: int) -> ResponseReturnValue:
    form = DeactivateForm()
    form.successor_id.choices = []
    return _change(
        form,
        lambda: colleagues.deactivate_colleague(
            db(), actor(), user_id, form.successor_id.data or None, form.expected_version()
        ),
        lambda handed: ngettext(
            "The colleague's account is deactivated and signed out everywhere; %(num)s open request was handed over.",
            "The colleague's account is deactivated and signed out everywhere; %(num)s open requests were handed over.",
            handed,
        ),
    )
