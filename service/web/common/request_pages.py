"""View plumbing the portal and the desk share: forms to operation arguments, errors to pages, downloads.

The one rule here: a form the server does not take (bad input, a step the
lifecycle refuses, a change made stale by someone else's) goes back to the
request's page (post/redirect/get, so a reload never sends it again) with the
reason and the form as the user left it (service/web/kept_forms.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from enum import Enum
from typing import TypeVar

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import Field
from wtforms.fields.choices import SelectChoice

from service.errors import Conflict, Forbidden, InvalidTransition, NeedsConfirmation, ValidationError
from service.models import (
    Category,
    Channel,
    DeviceClass,
    Enterprise,
    LifecycleStage,
    ProductField,
    ProductType,
    ResultCategory,
    ServiceRequest,
    Status,
    User,
)
from service.models.base import utcnow
from service.operations.attachments import Upload, attachment_for_download
from service.operations.requests import RequestDraft, get_request, submit_request, take_action
from service.queries.duplicates import Candidate, similar_own_requests
from service.queries.requests import Horizons, queue_horizons
from service.rules import policy
from service.rules.lifecycle import Action
from service.rules.policy import PolicyAction
from service.store import reference
from service.store.open_work import open_items
from service.web.app_settings import desk_settings
from service.web.common.helpers import actor
from service.web.common.kept_forms import send_back, take_kept
from service.web.common.request_display import action_label
from service.web.common.request_presenter import Audience, present_request
from service.web.database import db
from service.web.forms import show_error
from service.web.forms.colleagues import HandOverForm
from service.web.forms.director import HotlineAskForm, InstructionForm
from service.web.forms.relations import ChildForm, LinkForm, MergeForm, UnlinkForm
from service.web.forms.requests import (
    ActionForm,
    AssignForm,
    DeEscalateForm,
    DeskMessageForm,
    EscalateForm,
    ExtensionAskForm,
    ExtensionDecisionForm,
    ExtensionWithdrawForm,
    OnBehalfForm,
    RedoForm,
    RemindForm,
    ReplyForm,
    RequestForm,
    ReturnForm,
    SignForForm,
    TransferForm,
    TriageForm,
    TypicalCaseForm,
    VersionedForm,
    VisitForm,
    action_form,
)
from service.web.forms.supervision_orders import IssueOrderForm, OrderStepForm
from service.web.labels import domain_message

E = TypeVar("E", bound=Enum)


def choice(vocabulary: type[E], raw: str | None) -> E | None:
    """A select's value as its vocabulary member; "" or a value it does not offer (a crafted post) means none,
    which the operation asks to be chosen."""
    try:
        return vocabulary(raw) if raw else None
    except ValueError:
        return None


def uploads_from(field: Field) -> list[Upload]:
    """The files of a file input; a browser sends one empty part when nothing was chosen."""
    return [
        Upload(f.filename or "", f.mimetype or "application/octet-stream", f.read())
        for f in request.files.getlist(field.name)
        if f and f.filename
    ]


def fresh_idempotency_key(form: RequestForm) -> None:
    """Give a newly drawn form its key; a re-drawn form keeps the one it came with."""
    if not form.idempotency_key.data:
        form.idempotency_key.data = uuid.uuid4().hex


def draft_from(form: RequestForm, channel: Channel = Channel.WEB) -> RequestDraft:
    return RequestDraft(
        title=form.title.data or "",
        description=form.description.data or "",
        category=Category(form.category.data),
        lifecycle_stage=LifecycleStage(form.lifecycle_stage.data),
        product_name=form.product_name.data or "",
        device_class=choice(DeviceClass, form.device_class.data),
        product_type=choice(ProductType, form.product_type.data),
        product_field=choice(ProductField, form.product_field.data),
        innovative=bool(form.innovative.data),
        urgent=bool(form.urgent.data),
        channel=channel,
        idempotency_key=(form.idempotency_key.data or "")[:64] or None,
    )


def submission_page(form: RequestForm, template: str, detail_endpoint: str) -> ResponseReturnValue:
    """The new-request page of either audience: submit once (the hidden key makes a retry harmless).

    An enterprise whose text reads like one of its own recent requests is shown them first, with what it typed,
    and submits by confirming it is a different matter."""
    duplicates: list[Candidate] = []
    if form.validate_on_submit():
        on_behalf = isinstance(form, OnBehalfForm)
        draft = draft_from(form, Channel(form.channel.data) if on_behalf else Channel.WEB)
        if not on_behalf and not form.submit_anyway.data:
            duplicates = similar_own_requests(
                db(), actor(), draft.title, draft.description, utcnow(), retry_of=draft.idempotency_key
            )
        if duplicates:
            fresh_idempotency_key(form)
            return render_template(template, form=form, duplicates=duplicates)
        try:
            created = submit_request(
                db(),
                actor(),
                draft,
                uploads_from(form.attachments),
                settings=desk_settings(),
                enterprise_id=form.enterprise_id.data if on_behalf else None,
            )
        except ValidationError as error:
            show_error(form, error)
        else:
            flash(gettext("Request %(reference)s has been submitted.", reference=created.reference), "success")
            return redirect(url_for(detail_endpoint, request_id=created.id))
    fresh_idempotency_key(form)
    return render_template(template, form=form, duplicates=duplicates), 400 if form.errors else 200


def horizons_now() -> Horizons:
    """The "due" and "to_visit" queues' horizons (``QueueFilters``) as of now: the desk, its CSV export, the API."""
    settings = desk_settings()
    return queue_horizons(reference.working_calendar(db(), settings), utcnow(), settings.return_visit_days)


def cursor_arg(name: str = "cursor") -> int | None:
    """The keyset cursor of a list page (?cursor=<last id shown>, or a page of several lists: ?<name>=...);
    anything but digits is a bad request."""
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 18:
        abort(400)
    return int(raw)


def request_or_404(request_id: int) -> ServiceRequest:
    return get_request(db(), actor(), request_id)


def enterprise_choices(user: User) -> list[SelectChoice]:
    """Enterprises a desk user may open requests for: those of its station (every one for the hub)."""
    query = select(Enterprise.id, Enterprise.name, Enterprise.credit_code).order_by(Enterprise.name)
    if not policy.sees_every_station(user):
        query = query.where(Enterprise.station_id == user.station_id)
    return [
        SelectChoice("", gettext("— choose the enterprise —")),
        *(
            SelectChoice(row.id, gettext("%(name)s (%(code)s)", name=row.name, code=row.credit_code))
            for row in db().execute(query)
        ),
    ]


def send_attachment(attachment_id: int) -> Response:
    """The file as a download only: never rendered inline, never sniffed, sandboxed if opened anyway."""
    try:
        attachment, content = attachment_for_download(db(), actor(), attachment_id, settings=desk_settings())
    except Forbidden:
        abort(403)
    response = send_file(
        content, mimetype=attachment.content_type, as_attachment=True, download_name=attachment.original_name, max_age=0
    )
    response.content_length = attachment.size
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def action_or_404(raw: str) -> Action:
    try:
        return Action(raw)
    except ValueError:
        abort(404)


# The request page's forms that may come back to it, by class: the page's own, and its panels' (PANEL_SLOTS).
_RESTORABLE = (
    TriageForm,
    AssignForm,
    TransferForm,
    EscalateForm,
    DeEscalateForm,
    DeskMessageForm,
    ReplyForm,
    HotlineAskForm,
    InstructionForm,
    SignForForm,
    ReturnForm,
    ExtensionAskForm,
    ExtensionDecisionForm,
    ExtensionWithdrawForm,
    IssueOrderForm,
    OrderStepForm,
    RemindForm,
    VisitForm,
    RedoForm,
    TypicalCaseForm,
    HandOverForm,
    MergeForm,
    LinkForm,
    UnlinkForm,
    ChildForm,
)


def _send_back(
    request_id: int, slot: str, form: FlaskForm, *, conflict: str | None = None, refusal: str | None = None
) -> ResponseReturnValue:
    """Back to the request's page with ``form``; ``refusal`` is said at the top, ``conflict`` in its banner."""
    # A request out of the user's scope answers 404 whatever was wrong with the form (nothing is kept for it).
    request_or_404(request_id)
    if refusal:
        flash(refusal, "error")
    # Open work is not kept with the form: the page reads it again.
    return send_back(
        url_for(".request_detail", request_id=request_id),
        slot,
        form,
        conflict=conflict,
        open_work=isinstance(form, ActionForm) and bool(form.open_items),
    )


def _restore(req: ServiceRequest) -> tuple[dict[str, FlaskForm], str | None]:
    kept = take_kept()
    if kept is None:
        return {}, None
    form: FlaskForm | None
    if kept.slot.startswith("action:"):
        form = kept.restore(action_form(action_or_404(kept.slot.removeprefix("action:")), formdata=kept.typed))
        if kept.extra.get("open_work"):
            form.open_items = [item.as_dict() for item in open_items(db(), req)]
    else:
        form = kept.rebuild(*_RESTORABLE)
    return ({kept.slot: form} if form is not None else {}), kept.extra.get("conflict")


def detail_page(request_id: int, audience: Audience) -> ResponseReturnValue:
    """A request's page for the desk or the enterprise; a form sent back to it comes back once, as the user left it."""
    req = request_or_404(request_id)
    if req.status == Status.MERGED and req.merged_into_id is not None:
        # A merged duplicate lives on in the request it was merged into (its reference and links lead there).
        flash(gettext("%(reference)s was merged into this request.", reference=req.reference), "info")
        return redirect(url_for(".request_detail", request_id=req.merged_into_id))
    kept, conflict = _restore(req)
    page = present_request(
        db(),
        actor(),
        req,
        audience=audience,
        kept=kept,
        conflict=conflict,
        settings=desk_settings(),
        back=request.full_path.rstrip("?"),
        # The canned reply picker's link (常用回复) without a script: the reply box starts from it.
        canned_reply_id=request.args.get("canned", type=int) if audience == "desk" else None,
    )
    return render_template(f"{audience}/detail.html", page=page)


def run_edit(
    request_id: int, slot: str, form: FlaskForm, call: Callable[[], object], *, success: str, done_url: str
) -> ResponseReturnValue:
    """Validate ``form``, run the one operation ``call``; on success flash and go to ``done_url``.

    Whatever is not taken goes back to the request's page (the blueprint's
    ``request_detail``) with ``form`` in ``slot`` as the user left it: bad input
    with the messages beside the fields, a stale version with a banner showing
    the request as it now stands (the form carries the new version), a step
    the lifecycle refuses with the reason at the top.
    """
    if not form.validate_on_submit():
        return _send_back(request_id, slot, form)
    try:
        call()
    except Conflict as error:
        current = getattr(error, "current", None)
        # Reloaded as it now stands, it may have left the user's scope (a transfer) meanwhile.
        if current is None or not policy.may(actor(), PolicyAction.REQUEST_VIEW, current):
            abort(404)
        if isinstance(form, VersionedForm):
            form.version.data = str(current.version)
        return _send_back(request_id, slot, form, conflict=domain_message(error))
    except ValidationError as error:
        show_error(form, error)
        return _send_back(request_id, slot, form)
    except NeedsConfirmation as error:
        # Back to the step, open, with the list and a box to confirm; what was typed stays.
        if isinstance(form, ActionForm):
            form.open_items = error.items
        return _send_back(request_id, slot, form, refusal=domain_message(error))
    except InvalidTransition as error:
        # The step may be gone from the page now: say why at the top, where it is always seen.
        return _send_back(request_id, slot, form, refusal=domain_message(error))
    except Forbidden:
        abort(403)
    flash(success, "success")
    return redirect(done_url)


def take_step(request_id: int, action_name: str, *, done_url: str) -> ResponseReturnValue:
    """A lifecycle button's POST, for whichever audience's page it came from."""
    action = action_or_404(action_name)
    form = action_form(action, submitted=True)

    def call() -> object:
        return take_action(
            db(),
            actor(),
            request_id,
            form.expected_version(),
            action,
            reason=form.reason.data or "",
            summary=form.summary.data or "",
            message=form.message.data or "",
            rating=form.rating.data,
            confirmed=bool(form.confirmed.data),
            # The form offers "resolved" checked: a post without one is an older page's (or a script's).
            result_category=choice(ResultCategory, form.result_category.data)
            if form.result_category.data
            else ResultCategory.RESOLVED,
            result_basis=form.result_basis.data or "",
            settings=desk_settings(),
        )

    return run_edit(
        request_id,
        f"action:{action.value}",
        form,
        call,
        done_url=done_url,
        success=gettext("Done: %(step)s.", step=action_label(action)),
    )
