"""The request page's presenter: everything the desk's and the portal's request pages show, built in one place.

``present_request`` reads what the page needs (timeline, panels, choices) and decides, from the lifecycle's
answer and the policy, which steps, forms and panels the reader is offered. The templates only draw the
``RequestPage`` it returns: they run no query and decide nothing by status.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, TypeVar

from flask_babel import gettext
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import Field
from wtforms.fields.choices import SelectChoice

from service.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Attachment,
    EventKind,
    ExtensionRequest,
    HotlineSession,
    ServiceRequest,
    Status,
    TaskForce,
    User,
)
from service.models.base import utcnow
from service.operations.request_support import provisional_priority
from service.operations.sla import sla_state
from service.operations.supervision import pending_extension
from service.queries.canned_replies import FilledReply, filled_reply
from service.queries.hotline import HotlinePanel, hotline_panel
from service.queries.instructions import InstructionsPanel, instructions_panel
from service.queries.plans import PlanPanel, plan_panel
from service.queries.requests import assignable_users
from service.queries.task_forces import task_forces_of_request
from service.queries.timeline import TimelineEntry, awaiting, timeline
from service.rules import lifecycle, policy, state_machine
from service.rules.extensions import ExtensionAction, allowed_extension_actions
from service.rules.lifecycle import Action, Inputs, Need, allowed_actions, reopen_deadline, unavailable_reason
from service.rules.policy import PolicyAction
from service.rules.state_machine import reason_params
from service.rules.visits import visit_deadline, visit_window_open
from service.store import reference
from service.store.reference import StationInfo
from service.store.settings import DeskSettings
from service.web.app_settings import settings as app_settings
from service.web.common.hand_over import SLOT as HAND_OVER_SLOT
from service.web.common.hand_over import HandOverPanel, hand_over_panel
from service.web.common.helpers import station_name
from service.web.common.orders_presenter import OrdersPanel, orders_panel
from service.web.common.relations_presenter import RelationsView, relations_panel
from service.web.common.request_display import (
    ACTION_HINTS,
    DANGEROUS,
    OPEN_ITEM_KINDS,
    action_label,
    request_tags,
    sla_badge,
    when,
)
from service.web.forms.director import HotlineAskForm, InstructionForm
from service.web.forms.requests import (
    ActionForm,
    AssignForm,
    DeEscalateForm,
    DeskMessageForm,
    EscalateForm,
    ExtensionAskForm,
    ExtensionDecisionForm,
    ExtensionWithdrawForm,
    RedoForm,
    RemindForm,
    ReplyForm,
    ReturnForm,
    SignForForm,
    TransferForm,
    TriageForm,
    TypicalCaseForm,
    VisitForm,
    action_form,
)
from service.web.labels import label

Audience = Literal["desk", "portal"]
F = TypeVar("F", bound=FlaskForm)
# The panels' forms on a request page: a panel draws its kept form, or what was typed when it no longer offers it.
PANEL_SLOTS = frozenset({"hotline_ask", "instruction", HAND_OVER_SLOT})


@dataclass(frozen=True)
class ActionView:
    """One lifecycle button on a request page, with the fields its step needs."""

    action: Action
    form: ActionForm
    fields: list[Field]
    label: str
    hint: str
    danger: bool
    # Drawn open: the user sent this form and it came back (refused or stale), as they left it; or it is what the
    # page asks of the reader (the enterprise's confirmation of a result, with its rating).
    open: bool
    # Why the step cannot be taken yet (the request lacks what it needs): drawn disabled with this hint.
    unavailable: str
    # Work the step would leave open, as (what it is, its title): the user confirms having seen it.
    open_items: list[tuple[str, str]]


@dataclass(frozen=True)
class PanelForm:
    """A panel's form on a request page; ``not_taken`` in templates/requests/macros.html draws the fallback."""

    form: FlaskForm
    # Sent back to the page: drawn open, as the user left it.
    kept: bool
    # Sent back, but the panel no longer offers the form: why it was not taken, and the text, shown instead.
    reasons: list[str]
    unsaved: list[tuple[str, str]]


@dataclass(frozen=True)
class HotlinePanelView:
    """templates/hotline/_request_panel.html: the sessions, and the ask when one may be asked."""

    panel: HotlinePanel
    ask: PanelForm


@dataclass(frozen=True)
class InstructionsPanelView:
    """templates/director/_instructions_panel.html: a director's instructions, and writing one."""

    panel: InstructionsPanel
    write: PanelForm


@dataclass(frozen=True)
class PlanPanelView:
    """templates/plans/_request_panel.html: the request's service plan and task forces."""

    plan: PlanPanel
    task_forces: list[TaskForce]
    # The request page itself, to come back to after linking.
    back: str


@dataclass(frozen=True)
class SupervisionView:
    """Sign-for, returns and extensions of a request as its page shows them ("" where there is nothing to say).

    The enterprise reads only the promised date and the reason of the last approved extension.
    """

    promised: str
    extensions: int
    extension_reason: str
    sign_for_due: str
    signed_for: str
    # The tags beside the facts: awaiting or overdue sign-for, and a return not yet dealt with.
    tags: list[dict[str, str]]
    returns: int
    # The officer's words with a return not yet dealt with.
    return_note: str
    # The extension request waiting for a decision (desk only) and its new date.
    pending: ExtensionRequest | None
    pending_due: str
    # Reminders (催办) so far and the last one's time; redos (重办) so far.
    reminders: int
    last_reminded: str
    redos: int


@dataclass(frozen=True)
class ResultView:
    """The result (办结) as the reader may see it: the enterprise once it is told, the desk while in review too."""

    category: str
    text: str
    basis: str
    in_review: bool
    # The request is worked again after this result (redone or reopened): a new result will replace it.
    rating: int | None
    rating_comment: str
    # The last return visit (回访): its level, whether the problem was solved, when ("" where none).
    satisfaction: str
    solved: str
    visited: str
    # Until when a visit may still be recorded (desk only; "" when visited or none is due).
    visit_until: str


@dataclass(frozen=True)
class DeskForms:
    """The desk's working forms for this request, pre-filled or as the user left them; None where not offered."""

    triage: TriageForm | None
    assign: AssignForm | None
    transfer: TransferForm | None
    escalate: EscalateForm | None
    de_escalate: DeEscalateForm | None
    sign_for: SignForForm | None
    give_back: ReturnForm | None
    extension_ask: ExtensionAskForm | None
    extension_decide: ExtensionDecisionForm | None
    extension_withdraw: ExtensionWithdrawForm | None
    remind: RemindForm | None
    visit: VisitForm | None
    redo: RedoForm | None
    # A head's flag of a result as a typical case (典型案例), or taking it back.
    typical: TypicalCaseForm | None
    message: DeskMessageForm
    # A submitted request is triaged first: its triage form heads the side column (no separate assignee form).
    triage_first: bool

    def offered(self) -> set[str]:
        return {slot for slot, form in vars(self).items() if isinstance(form, FlaskForm)}


@dataclass(frozen=True)
class PortalReply:
    """The enterprise's reply form, or, on a closed request, what it says instead."""

    form: ReplyForm | None
    # Said above the form when sending reopens the request.
    hint: str
    # Instead of the form on a closed request: how to reopen it, or that it is too late.
    closed_note: str


@dataclass(frozen=True)
class RequestPage:
    req: ServiceRequest
    entries: list[TimelineEntry]
    files: list[Attachment]
    awaiting: str
    sla: dict[str, str] | None
    actions: list[ActionView]
    # Text typed in forms the page no longer offers (the request moved on meanwhile), shown back as it was.
    unsaved: list[tuple[str, str]]
    stations: dict[int, StationInfo]
    # The hotline sessions by id, for the timeline's lines about them.
    hotlines: dict[int, HotlineSession]
    conflict: str | None
    # The slots of the forms sent back to the page (drawn open).
    kept: frozenset[str]
    # On a conflict: the latest entries, shown in its banner.
    recent: list[TimelineEntry]
    hotline: HotlinePanelView
    instructions: InstructionsPanelView | None
    plan: PlanPanelView | None
    desk: DeskForms | None
    portal: PortalReply | None
    supervision: SupervisionView
    # Supervision orders (督办) on the request: the desk's page only.
    orders: OrdersPanel
    result: ResultView | None
    # Parent, children, links, merged duplicates; the desk's possible duplicates and relation forms.
    relations: RelationsView
    # The enterprise's contact person on the request (the portal's page only), and its hand-over form.
    hand_over: HandOverPanel | None = None


def _needed_fields(action: Action, form: ActionForm, needs: frozenset[Need]) -> list[Field]:
    fields = [
        field
        for need, field in (
            (Need.RATING, form.rating),
            (Need.REASON, form.reason),
            (Need.RESULT, form.result_category),
            (Need.SUMMARY, form.summary),
            (Need.RESULT, form.result_basis),
            (Need.MESSAGE, form.message),
        )
        if need in needs
    ]
    if action == Action.CONFIRM:
        fields.append(form.message)
    if form.open_items:
        fields.append(form.confirmed)
    return fields


def action_views(
    user: User,
    req: ServiceRequest,
    kept: Mapping[str, FlaskForm],
    settings: DeskSettings,
    open_children: tuple[str, ...] = (),
) -> list[ActionView]:
    """The lifecycle's steps for ``user`` on ``req``: those it allows, drawn disabled where it says why not yet."""
    views = []
    # The plan comes loaded with the request (get_request): no statement of its own.
    inputs = Inputs(
        plan=req.plan, reopen_window=timedelta(days=settings.reopen_window_days), open_children=open_children
    )
    now = utcnow()
    for transition in allowed_actions(user, req):
        sent = kept.get(f"action:{transition.action.value}")
        form = sent if isinstance(sent, ActionForm) else action_form(transition.action, req.version)
        missing = unavailable_reason(transition, req, inputs, now)
        views.append(
            ActionView(
                transition.action,
                form,
                _needed_fields(transition.action, form, transition.needs),
                action_label(transition.action),
                str(ACTION_HINTS.get(transition.action, "")),
                transition.action in DANGEROUS,
                sent is not None or (transition.action == Action.CONFIRM and not missing),
                gettext(missing, **reason_params(missing)) if missing else "",
                [(str(OPEN_ITEM_KINDS[str(item["kind"])]), str(item["title"])) for item in form.open_items],
            )
        )
    return views


def unsaved_input(kept: Mapping[str, FlaskForm], offered: set[str]) -> list[tuple[str, str]]:
    """Text the user sent in a form the page no longer offers, so that nothing typed is lost."""
    return [
        (str(field.label.text), field.data)
        for slot, form in kept.items()
        if slot not in offered
        for field in form
        if field.type in ("StringField", "TextAreaField") and field.data
    ]


def panel_form(kept: Mapping[str, FlaskForm], slot: str, fresh: Callable[[], FlaskForm], offered: bool) -> PanelForm:
    sent = kept.get(slot)
    if sent is None:
        return PanelForm(fresh(), False, [], [])
    if offered:
        return PanelForm(sent, True, [], [])
    return PanelForm(fresh(), True, [str(error) for error in sent.form_errors], unsaved_input({slot: sent}, set()))


def assignee_choices(session: Session, user: User, req: ServiceRequest) -> list[SelectChoice]:
    """Whom ``req`` may be assigned to (the triage and assignee forms' choices)."""
    return [
        SelectChoice("", gettext("Nobody")),
        *(SelectChoice(u.id, u.name) for u in assignable_users(session, user, req.station_id)),
    ]


def transfer_choices(stations: Sequence[StationInfo], req: ServiceRequest) -> list[SelectChoice]:
    """The active stations ``req`` may be transferred to: all but its own."""
    return [
        SelectChoice("", gettext("— choose the station —")),
        *(SelectChoice(s.id, station_name(s)) for s in stations if s.active and s.id != req.station_id),
    ]


def supervision_view(req: ServiceRequest, pending: ExtensionRequest | None) -> SupervisionView:
    now = utcnow()
    return SupervisionView(
        promised=when(req.resolution_due_at) if req.resolution_due_at and req.status not in FINAL_STATUSES else "",
        extensions=req.extension_count,
        extension_reason=req.extension_reason or "",
        sign_for_due=when(req.sign_for_due_at) if req.sign_for_due_at else "",
        signed_for=when(req.signed_for_at) if req.signed_for_at else "",
        tags=request_tags(req, now),
        returns=req.return_count,
        return_note=req.return_note or "" if req.return_reason else "",
        pending=pending,
        pending_due=when(pending.new_due_at) if pending else "",
        reminders=req.reminder_count,
        last_reminded=when(req.last_reminded_at) if req.last_reminded_at else "",
        redos=req.redo_count,
    )


def result_view(req: ServiceRequest, audience: Audience, settings: DeskSettings) -> ResultView | None:
    """The request's result, or None: none given, or (for the enterprise) not yet approved by the head."""
    if req.resolution_summary is None or (audience == "portal" and req.status == Status.REVIEW):
        return None
    solved = "" if req.visit_solved is None else gettext("Solved") if req.visit_solved else gettext("Not solved")
    until = visit_deadline(req, settings.return_visit_days)
    return ResultView(
        category=label(req.result_category) if req.result_category else "",
        text=req.resolution_summary,
        basis=req.result_basis or "",
        in_review=req.status == Status.REVIEW,
        rating=req.rating,
        rating_comment=req.rating_comment or "",
        satisfaction=label(req.satisfaction) if req.satisfaction else "",
        solved=solved,
        visited=when(req.visited_at) if req.visited_at else "",
        visit_until=when(until) if until and audience == "desk" and req.visited_at is None else "",
    )


def _versioned(kept: Mapping[str, FlaskForm], slot: str, form: type[F], prefix: str, version: int) -> F:
    """The form sent back in ``slot``, or a fresh one carrying the request's version."""
    sent = kept.get(slot)
    return sent if isinstance(sent, form) else form(prefix=prefix, formdata=None, data={"version": version})


def _extension_forms(
    user: User, req: ServiceRequest, pending: ExtensionRequest | None, kept: Mapping[str, FlaskForm]
) -> tuple[ExtensionDecisionForm | None, ExtensionWithdrawForm | None]:
    """The decision for its decider, the withdrawal for its asker: as the extension's table allows them."""
    steps = {t.action for t in allowed_extension_actions(user, pending)} if pending else set()
    decide = (
        _versioned(kept, "extension_decide", ExtensionDecisionForm, "decide", req.version)
        if steps & {ExtensionAction.APPROVE, ExtensionAction.REFUSE}
        else None
    )
    withdraw = (
        _versioned(kept, "extension_withdraw", ExtensionWithdrawForm, "withdraw", req.version)
        if ExtensionAction.WITHDRAW in steps
        else None
    )
    return decide, withdraw


def _redo_form(session: Session, user: User, req: ServiceRequest, kept: Mapping[str, FlaskForm]) -> RedoForm | None:
    """The head's redo (重办) of a result its visit found unsatisfying, with the officers to choose from."""
    redo = lifecycle.TRANSITIONS[Action.REDO]
    if not state_machine.can(lifecycle.MACHINE, user, req, Action.REDO) or unavailable_reason(
        redo, req, Inputs(), utcnow()
    ):
        return None
    form = kept.get("redo")
    if not isinstance(form, RedoForm):
        form = RedoForm(prefix="redo", formdata=None, data={"version": req.version, "assignee_id": req.assignee_id})
    form.assignee_id.choices = assignee_choices(session, user, req)
    return form


def _typical_form(user: User, req: ServiceRequest, kept: Mapping[str, FlaskForm]) -> TypicalCaseForm | None:
    """Flagging a result as a typical case, or taking the flag back: for the heads the policy lets."""
    if not policy.may(user, PolicyAction.REQUEST_FLAG_TYPICAL, req):
        return None
    form = kept.get("typical")
    if not isinstance(form, TypicalCaseForm):
        form = TypicalCaseForm(prefix="typical", formdata=None, data={"version": req.version})
    # A form sent back keeps its note, and offers what the request now allows (someone may have flagged it meanwhile).
    form.typical.data = "no" if req.typical else "yes"
    return form


def _desk_forms(
    session: Session,
    user: User,
    req: ServiceRequest,
    kept: Mapping[str, FlaskForm],
    stations: Sequence[StationInfo],
    pending: ExtensionRequest | None,
    settings: DeskSettings,
    picked: FilledReply | None = None,
) -> DeskForms:
    """The working forms the policy lets ``user`` use on ``req`` in its present state; the reply box starts from
    the ``picked`` canned reply (the picker's link without a script)."""
    is_open = req.status in OPEN_STATUSES
    triage = assign = transfer = escalate = de_escalate = None
    if is_open and policy.may(user, PolicyAction.REQUEST_TRIAGE, req):
        people = assignee_choices(session, user, req)
        triage = kept.get("triage") or TriageForm(
            prefix="triage",
            formdata=None,
            data={
                "version": req.version,
                "category": req.category.value,
                "lifecycle_stage": req.lifecycle_stage.value,
                "priority": provisional_priority(req).value,
                "assignee_id": req.assignee_id,
            },
        )
        triage.assignee_id.choices = people
        # Triage sets a submitted request's assignee; afterwards the assignee has a form of its own.
        if req.status != Status.SUBMITTED:
            assign = kept.get("assign") or AssignForm(
                prefix="assign", formdata=None, data={"version": req.version, "assignee_id": req.assignee_id}
            )
            assign.assignee_id.choices = people
        transfer = kept.get("transfer") or TransferForm(prefix="transfer", formdata=None, data={"version": req.version})
        transfer.station_id.choices = transfer_choices(stations, req)
    if is_open and not req.escalated and policy.may(user, PolicyAction.REQUEST_ESCALATE, req):
        escalate = kept.get("escalate") or EscalateForm(prefix="escalate", formdata=None)
    if req.escalated and policy.may(user, PolicyAction.REQUEST_DE_ESCALATE, req):
        de_escalate = kept.get("de_escalate") or DeEscalateForm(prefix="deescalate", formdata=None)
    message = kept.get("message") or DeskMessageForm(
        formdata=None, data={"body": picked.text, "canned_reply_id": picked.reply.id} if picked else None
    )
    version = req.version
    return DeskForms(
        triage,
        assign,
        transfer,
        escalate,
        de_escalate,
        _versioned(kept, "sign_for", SignForForm, "signfor", version)
        if policy.may(user, PolicyAction.REQUEST_SIGN_FOR, req)
        else None,
        _versioned(kept, "give_back", ReturnForm, "giveback", version)
        if policy.may(user, PolicyAction.REQUEST_RETURN, req)
        else None,
        _versioned(kept, "extension_ask", ExtensionAskForm, "extension", version)
        if policy.may(user, PolicyAction.REQUEST_ASK_EXTENSION, req)
        else None,
        *_extension_forms(user, req, pending, kept),
        _versioned(kept, "remind", RemindForm, "remind", version)
        if policy.may(user, PolicyAction.REQUEST_REMIND, req)
        else None,
        _versioned(kept, "visit", VisitForm, "visit", version)
        if policy.may(user, PolicyAction.REQUEST_RECORD_VISIT, req)
        and visit_window_open(req, settings.return_visit_days, utcnow())
        else None,
        _redo_form(session, user, req, kept),
        _typical_form(user, req, kept),
        message,
        triage_first=triage is not None and req.status == Status.SUBMITTED,
    )


def _portal_reply(
    req: ServiceRequest, kept: Mapping[str, FlaskForm], actions: list[ActionView], settings: DeskSettings
) -> PortalReply:
    reopen_offered = any(view.action == Action.REOPEN and not view.unavailable for view in actions)
    if req.status not in FINAL_STATUSES:
        form = kept.get("reply") or ReplyForm(formdata=None)
        # A reply on a resolved request reopens it (see add_message): say so before it is sent.
        hint = (
            gettext("Sending a message reopens the request: the station takes it up again.") if reopen_offered else ""
        )
        return PortalReply(form, hint, "")
    if reopen_offered:
        deadline = reopen_deadline(req, timedelta(days=settings.reopen_window_days))
        note = gettext(
            "This request is closed. If the difficulty is not settled, use “%(step)s” (until %(date)s) "
            "and say why; the station takes it up again.",
            step=action_label(Action.REOPEN),
            date=when(deadline),
        )
    else:
        note = gettext("This request is closed and can no longer be reopened. Please submit a new request.")
    return PortalReply(None, "", note)


def _supervised(entries: Sequence[TimelineEntry]) -> bool:
    """Whether the request has supervision orders: each one's issue is on its timeline, so the page reads them
    only then (no statement for the many requests never supervised)."""
    return any(entry.event is not None and entry.event.kind == EventKind.SUPERVISION_ISSUED for entry in entries)


def present_request(
    session: Session,
    user: User,
    req: ServiceRequest,
    *,
    audience: Audience,
    kept: Mapping[str, FlaskForm],
    conflict: str | None,
    settings: DeskSettings,
    back: str,
    canned_reply_id: int | None = None,
) -> RequestPage:
    """What ``user`` sees on ``req``'s page (``audience``'s), with the forms sent back to it (``kept``) as left.

    ``back`` is the page's own address, which linking a plan comes back to; ``canned_reply_id`` the canned reply
    the desk's reply box starts from.
    """
    entries = timeline(session, user, req)
    calendar = reference.working_calendar(session, settings)
    stations = reference.stations(session)
    relations = relations_panel(session, user, req, entries, desk=audience == "desk", kept=kept)
    actions = action_views(user, req, kept, settings, relations.relations.open_children())
    hotline_sessions = hotline_panel(session, user, req)
    instructions = instructions_panel(session, user, req)
    internal = policy.may(user, PolicyAction.REQUEST_VIEW_INTERNAL, req)
    teams = task_forces_of_request(session, req.id) if internal else []
    # Read only when the request says one waits (no statement otherwise), and never for the enterprise.
    pending = pending_extension(session, req) if internal else None
    # Read only when the picker's link asks for one (no statement otherwise).
    picked = (
        filled_reply(session, user, req, canned_reply_id, app_settings().base_url)
        if audience == "desk" and canned_reply_id is not None
        else None
    )
    desk = _desk_forms(session, user, req, kept, stations, pending, settings, picked) if audience == "desk" else None
    portal = _portal_reply(req, kept, actions, settings) if audience == "portal" else None
    offered = (
        (desk.offered() if desk else {"reply"} if portal and portal.form else set())
        | PANEL_SLOTS
        | relations.offered()
        | {f"action:{view.action.value}" for view in actions}
    )
    return RequestPage(
        req=req,
        entries=entries,
        files=[a for entry in entries for a in entry.attachments],
        awaiting=gettext(awaiting(req, user)),
        sla=sla_badge(sla_state(req, calendar, utcnow())),
        actions=actions,
        unsaved=unsaved_input(kept, offered),
        stations={s.id: s for s in stations},
        hotlines={view.hotline.id: view.hotline for view in hotline_sessions.sessions},
        conflict=conflict,
        kept=frozenset(kept),
        recent=entries[-3:][::-1] if conflict else [],
        hotline=HotlinePanelView(
            hotline_sessions,
            panel_form(kept, "hotline_ask", lambda: HotlineAskForm(formdata=None), hotline_sessions.can_ask),
        ),
        instructions=None
        if instructions is None
        else InstructionsPanelView(
            instructions,
            panel_form(kept, "instruction", lambda: InstructionForm(formdata=None), instructions.can_write),
        ),
        plan=PlanPanelView(plan_panel(session, user, req), teams, back),
        desk=desk,
        portal=portal,
        supervision=supervision_view(req, pending),
        orders=orders_panel(session, user, req, kept, settings, read=_supervised(entries))
        if audience == "desk"
        else OrdersPanel([], None),
        result=result_view(req, audience, settings),
        hand_over=hand_over_panel(session, user, req, kept) if audience == "portal" else None,
        relations=relations,
    )
