"""View plumbing the portal and the desk share: forms to operation arguments, errors to pages, downloads.

The one rule here: a form with bad input re-renders the page with what the
user typed (400); a step refused by the lifecycle or made stale by someone
else's change goes back to the request's page (post/redirect/get, so a reload
never sends it again) with the reason and the form as the user left it.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any, Protocol, TypeVar

from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import Field
from wtforms.fields.choices import SelectChoice

from service.errors import Conflict, Forbidden, InvalidTransition, NeedsConfirmation, NotFound, ValidationError
from service.models import (
    Category,
    Channel,
    DeviceClass,
    Enterprise,
    LifecycleStage,
    ProductField,
    ProductType,
    ServiceRequest,
    User,
)
from service.models.base import utcnow
from service.operations.attachments import Upload, attachment_for_download
from service.operations.requests import RequestDraft, get_request, submit_request, take_action
from service.operations.sla import sla_state
from service.queries.hotline import hotline_panel
from service.queries.timeline import awaiting, timeline
from service.rules import policy
from service.rules.lifecycle import Action, Inputs, Need, allowed_actions, unavailable_reason
from service.store import reference
from service.store.open_work import open_items
from service.store.settings import DeskSettings
from service.web.common.helpers import actor
from service.web.common.request_display import ACTION_HINTS, DANGEROUS, OPEN_ITEM_KINDS, action_label, sla_badge
from service.web.database import db
from service.web.forms import show_error
from service.web.forms.requests import (
    ActionForm,
    AssignForm,
    DeEscalateForm,
    DeskMessageForm,
    EscalateForm,
    OnBehalfForm,
    ReplyForm,
    RequestForm,
    TransferForm,
    TriageForm,
    VersionedForm,
)
from service.web.labels import domain_message

E = TypeVar("E", bound=Enum)


def desk_settings() -> DeskSettings:
    return DeskSettings.from_config(current_app.config)


def choice(vocabulary: type[E], raw: str | None) -> E | None:
    """A validated select's value as its vocabulary member ("" means none)."""
    return vocabulary(raw) if raw else None


def uploads_from(field: Field) -> list[Upload]:
    """The files of a file input; a browser sends one empty part when nothing was chosen."""
    return [Upload(f.filename or "", f.mimetype or "application/octet-stream", f.read())
            for f in request.files.getlist(field.name) if f and f.filename]


def fresh_idempotency_key(form: RequestForm) -> None:
    """Give a newly drawn form its key; a re-drawn form keeps the one it came with."""
    if not form.idempotency_key.data:
        form.idempotency_key.data = uuid.uuid4().hex


def draft_from(form: RequestForm, channel: Channel = Channel.WEB) -> RequestDraft:
    return RequestDraft(
        title=form.title.data or "", description=form.description.data or "",
        category=Category(form.category.data), lifecycle_stage=LifecycleStage(form.lifecycle_stage.data),
        product_name=form.product_name.data or "", device_class=choice(DeviceClass, form.device_class.data),
        product_type=choice(ProductType, form.product_type.data),
        product_field=choice(ProductField, form.product_field.data),
        innovative=bool(form.innovative.data), urgent=bool(form.urgent.data), channel=channel,
        idempotency_key=(form.idempotency_key.data or "")[:64] or None,
    )


def submission_page(form: RequestForm, template: str, detail_endpoint: str) -> ResponseReturnValue:
    """The new-request page of either audience: submit once (the hidden key makes a retry harmless)."""
    if form.validate_on_submit():
        on_behalf = isinstance(form, OnBehalfForm)
        draft = draft_from(form, Channel(form.channel.data) if on_behalf else Channel.WEB)
        try:
            created = submit_request(db(), actor(), draft, uploads_from(form.attachments), settings=desk_settings(),
                                     enterprise_id=form.enterprise_id.data if on_behalf else None)
        except ValidationError as error:
            show_error(form, error)
        except NotFound:
            abort(404)
        else:
            flash(gettext("Request %(reference)s has been submitted.", reference=created.reference), "success")
            return redirect(url_for(detail_endpoint, request_id=created.id))
    fresh_idempotency_key(form)
    return render_template(template, form=form), 400 if form.errors else 200


def cursor_arg() -> int | None:
    """The keyset cursor of a list page (?cursor=<last id shown>); anything but digits is a bad request."""
    raw = request.args.get("cursor", "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        abort(400)
    return int(raw)


def request_or_404(request_id: int) -> ServiceRequest:
    try:
        return get_request(db(), actor(), request_id)
    except NotFound:
        abort(404)


def enterprise_choices(user: User) -> list[SelectChoice]:
    """Enterprises a desk user may open requests for: those of its station (every one for the hub)."""
    query = select(Enterprise.id, Enterprise.name, Enterprise.credit_code).order_by(Enterprise.name)
    if not policy.sees_every_station(user):
        query = query.where(Enterprise.station_id == user.station_id)
    return [SelectChoice("", gettext("— choose the enterprise —")),
            *(SelectChoice(row.id, gettext("%(name)s (%(code)s)", name=row.name, code=row.credit_code))
              for row in db().execute(query))]


def send_attachment(attachment_id: int) -> Response:
    """The file as a download only: never rendered inline, never sniffed, sandboxed if opened anyway."""
    try:
        attachment, path = attachment_for_download(db(), actor(), attachment_id, settings=desk_settings())
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.original_name, max_age=0)
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@dataclass
class ActionView:
    """One lifecycle button on a request page, with the fields its step needs."""

    action: Action
    form: ActionForm
    fields: list[Field]
    label: str
    hint: str
    danger: bool
    # The user sent this form and it came back (refused or stale): show it open, as they left it.
    kept: bool
    # Why the step cannot be taken yet (the request lacks what it needs): drawn disabled with this hint.
    unavailable: str
    # Work the step would leave open, as (what it is, its title): the user confirms having seen it.
    open_items: list[tuple[str, str]]


def action_or_404(raw: str) -> Action:
    try:
        return Action(raw)
    except ValueError:
        abort(404)


def action_form(action: Action, version: int | None = None, *, submitted: bool = False,
                formdata: MultiDict[str, str] | None = None) -> ActionForm:
    if submitted:
        form = ActionForm(prefix=action.value)
    else:
        form = ActionForm(prefix=action.value, formdata=formdata)
    if version is not None:
        form.version.data = str(version)
    if action == Action.CONFIRM:
        form.message.label.text = gettext("Comment (optional)")
    elif action == Action.REQUEST_INFO:
        form.message.label.text = gettext("What the enterprise should provide")
    return form


def _needed_fields(action: Action, form: ActionForm, needs: frozenset[Need]) -> list[Field]:
    fields = [field for need, field in ((Need.RATING, form.rating), (Need.REASON, form.reason),
                                        (Need.SUMMARY, form.summary), (Need.MESSAGE, form.message))
              if need in needs]
    if action == Action.CONFIRM:
        fields.append(form.message)
    if form.open_items:
        fields.append(form.confirmed)
    return fields


def action_views(user: User, req: ServiceRequest, kept: dict[str, FlaskForm]) -> list[ActionView]:
    views = []
    transitions = allowed_actions(user, req)
    # The plan comes loaded with the request (get_request): no statement of its own.
    inputs = Inputs(plan=req.plan, reopen_window=timedelta(days=desk_settings().reopen_window_days))
    now = utcnow()
    for transition in transitions:
        sent = kept.get(f"action:{transition.action.value}")
        form = sent if isinstance(sent, ActionForm) else action_form(transition.action, req.version)
        missing = unavailable_reason(transition, req, inputs, now)
        views.append(ActionView(transition.action, form, _needed_fields(transition.action, form, transition.needs),
                                action_label(transition.action), str(ACTION_HINTS.get(transition.action, "")),
                                transition.action in DANGEROUS, sent is not None,
                                gettext(missing) if missing else "",
                                [(str(OPEN_ITEM_KINDS[item["kind"]]), str(item["title"])) for item in form.open_items]))
    return views


def unsaved_input(kept: dict[str, FlaskForm], offered: set[str]) -> list[tuple[str, str]]:
    """Text the user sent in a form the page no longer offers (the request moved on meanwhile).

    Shown back to them as it was, so that nothing typed is lost even when the step is gone.
    """
    return [(str(field.label.text), field.data) for slot, form in kept.items() if slot not in offered
            for field in form if field.type in ("StringField", "TextAreaField") and field.data]


def detail_context(req: ServiceRequest, kept: dict[str, FlaskForm], conflict: str | None,
                   offered: set[str]) -> dict[str, Any]:
    """What both request pages show: fields, timeline, files, what is awaited, SLA, the lifecycle buttons,
    the hotline sessions (their panel, and by id for the timeline's lines about them).

    ``offered`` names the page's own form slots it draws for this request (besides the lifecycle steps).
    """
    user = actor()
    entries = timeline(db(), user, req)
    calendar = reference.working_calendar(db(), desk_settings())
    actions = action_views(user, req, kept)
    offered = offered | {f"action:{view.action.value}" for view in actions}
    hotline_sessions = hotline_panel(db(), user, req)
    return {
        "req": req,
        "entries": entries,
        "files": [a for entry in entries for a in entry.attachments],
        "awaiting": gettext(awaiting(req, user)),
        "sla": sla_badge(sla_state(req, calendar, utcnow())),
        "actions": actions,
        "unsaved": unsaved_input(kept, offered),
        "stations": {s.id: s for s in reference.stations(db())},
        "hotline_sessions": hotline_sessions,
        "hotlines": {view.hotline.id: view.hotline for view in hotline_sessions.sessions},
        "conflict": conflict,
        "kept": set(kept),
        "recent": entries[-3:][::-1] if conflict else [],
    }


class Rerender(Protocol):
    def __call__(self, req: ServiceRequest, kept: dict[str, FlaskForm], *, status: int,
                 conflict: str | None = None) -> ResponseReturnValue: ...


# A refused form travels to the request's page in the (cookie) session. 700 characters of Chinese that
# does not compress make a ~3 KB cookie, under the browsers' 4 KB; a longer text is drawn again by the
# refused POST itself (409) rather than lost.
REFUSED_FORM_KEY = "refused_form"
_STASH_LIMIT = 700
_RESTORABLE = {form.__name__: form for form in (TriageForm, AssignForm, TransferForm, EscalateForm,
                                                DeEscalateForm, DeskMessageForm, ReplyForm)}


def _refused(request_id: int, slot: str, form: FlaskForm, rerender: Rerender, req: ServiceRequest,
             conflict: str | None) -> ResponseReturnValue:
    """Back to the request's page with ``form`` as the user left it (once), or the page drawn here when too long."""
    typed = [(name, value) for name, value in request.form.items(multi=True) if name != "csrf_token"]
    if isinstance(form, VersionedForm):
        # After a conflict the form carries the version the user has now been shown.
        typed = [(name, form.version.data if name == form.version.name else value) for name, value in typed]
    if sum(len(value) for _, value in typed) > _STASH_LIMIT:
        return rerender(req, {slot: form}, status=409, conflict=conflict)
    # Open work is not carried in the cookie (it may be long): the page reads it again, once.
    session[REFUSED_FORM_KEY] = {"request": request_id, "slot": slot, "form": type(form).__name__,
                                 "prefix": form._prefix.rstrip("-"), "typed": typed, "conflict": conflict,
                                 "open_work": isinstance(form, ActionForm) and bool(form.open_items)}
    return redirect(url_for(".request_detail", request_id=request_id))


def _restore_refused(req: ServiceRequest) -> tuple[dict[str, FlaskForm], str | None]:
    stash = session.pop(REFUSED_FORM_KEY, None)
    if not isinstance(stash, dict) or stash.get("request") != req.id:
        return {}, None
    slot, typed = str(stash.get("slot")), MultiDict([tuple(pair) for pair in stash.get("typed") or ()])
    if slot.startswith("action:"):
        form: FlaskForm = action_form(action_or_404(slot.removeprefix("action:")), formdata=typed)
        if stash.get("open_work"):
            form.open_items = [item.as_dict() for item in open_items(db(), req)]
    elif stash.get("form") in _RESTORABLE:
        form = _RESTORABLE[stash["form"]](prefix=str(stash.get("prefix") or ""), formdata=typed)
    else:
        return {}, None
    return {slot: form}, stash.get("conflict")


def detail_page(request_id: int, rerender: Rerender) -> ResponseReturnValue:
    """A request's page; a form refused on the way here comes back once, as the user left it."""
    req = request_or_404(request_id)
    kept, conflict = _restore_refused(req)
    return rerender(req, kept, status=200, conflict=conflict)


def run_edit(request_id: int, slot: str, form: FlaskForm, call: Callable[[], object], *, success: str,
             done_url: str, rerender: Rerender) -> ResponseReturnValue:
    """Validate ``form``, run the one operation ``call``; on success flash and go to ``done_url``.

    Bad input draws the page again with ``form`` (kept in ``slot``) as the user
    filled it in (400). A stale version (the banner shows the request as it now
    stands, the form carries the new version) or a step the lifecycle refuses
    goes back to the request's page (the blueprint's ``request_detail``) with the
    reason and the form as it was.
    """
    if not form.validate_on_submit():
        return rerender(request_or_404(request_id), {slot: form}, status=400)
    try:
        call()
    except Conflict as error:
        current = getattr(error, "current", None)
        # Reloaded as it now stands, it may have left the user's scope (a transfer) meanwhile.
        if current is None or not policy.may(actor(), "request.view", current):
            abort(404)
        if isinstance(form, VersionedForm):
            form.version.data = str(current.version)
        return _refused(request_id, slot, form, rerender, current, domain_message(error))
    except ValidationError as error:
        show_error(form, error)
        return rerender(request_or_404(request_id), {slot: form}, status=400)
    except NeedsConfirmation as error:
        # Back to the step, open, with the list and a box to confirm; what was typed stays.
        flash(domain_message(error), "error")
        if isinstance(form, ActionForm):
            form.open_items = error.items
        return _refused(request_id, slot, form, rerender, request_or_404(request_id), None)
    except InvalidTransition as error:
        # The step may be gone from the page now: say why at the top, where it is always seen.
        flash(domain_message(error), "error")
        return _refused(request_id, slot, form, rerender, request_or_404(request_id), None)
    except NotFound:
        abort(404)
    except Forbidden:
        abort(403)
    flash(success, "success")
    return redirect(done_url)


def take_step(request_id: int, action_name: str, *, done_url: str, rerender: Rerender) -> ResponseReturnValue:
    """A lifecycle button's POST, for whichever audience's page it came from."""
    action = action_or_404(action_name)
    form = action_form(action, submitted=True)

    def call() -> object:
        return take_action(db(), actor(), request_id, form.expected_version(), action,
                           reason=form.reason.data or "", summary=form.summary.data or "",
                           message=form.message.data or "", rating=form.rating.data,
                           confirmed=bool(form.confirmed.data), settings=desk_settings())

    return run_edit(request_id, f"action:{action.value}", form, call, done_url=done_url, rerender=rerender,
                    success=gettext("Done: %(step)s.", step=action_label(action)))
