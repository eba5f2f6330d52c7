"""What people read, in their language, for each value of the domain's vocabularies, for a domain error and for an
HTTP status."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from flask_babel import gettext, lazy_pgettext
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from service.errors import N_, DomainError
from service.models import (
    Category,
    Channel,
    DeviceClass,
    EnterpriseRole,
    EnterpriseSize,
    EventKind,
    ExtensionStatus,
    HotlineStatus,
    InboundOutcome,
    KnowledgeAudience,
    KnowledgeChange,
    KnowledgeKind,
    KnowledgeLanguage,
    KnowledgeStatus,
    LifecycleStage,
    MailChoice,
    MailStatus,
    MilestonePhase,
    MilestoneStatus,
    PlanStatus,
    Priority,
    ProductArea,
    ProductField,
    ProductType,
    ReminderClock,
    ResultCategory,
    ReturnReason,
    Role,
    Satisfaction,
    Status,
    SupervisionStatus,
    SupervisionTier,
    TaskForceStatus,
    VisitChannel,
)
from service.queries.search import MatchReason
from service.rules.extensions import ExtensionAction
from service.rules.supervision_orders import OrderAction

_ENTRIES: list[tuple[Enum, object]] = [
    (Role.ENTERPRISE, _l("Enterprise")),
    (Role.STAFF, _l("Station staff")),
    (Role.DIRECTOR, _l("Director")),
    (Role.ADMIN, _l("Administrator")),
    (EnterpriseSize.MICRO, _l("Micro")),
    (EnterpriseSize.SMALL, _l("Small")),
    (EnterpriseSize.MEDIUM, _l("Medium")),
    (EnterpriseSize.LARGE, _l("Large")),
    (ProductArea.IMAGING, _l("Medical imaging")),
    (ProductArea.LIFE_SUPPORT, _l("Life monitoring and support")),
    (ProductArea.IVD, _l("In-vitro diagnostics")),
    (ProductArea.IMPLANT, _l("Implant and intervention")),
    (ProductArea.NON_POWERED, _l("Non-powered devices")),
    (ProductArea.ACTIVE, _l("Active devices")),
    (ProductArea.SOFTWARE_AI, _l("Medical software / AI")),
    (Channel.WEB, _l("Web")),
    (Channel.PHONE, _l("Phone")),
    (Channel.VIDEO, _l("Video")),
    (Channel.ON_SITE, _l("On site")),
    (Channel.API, _l("API")),
    (Category.REGISTRATION_DOSSIER, _l("Registration dossier")),
    (Category.CLINICAL_EVALUATION, _l("Clinical evaluation")),
    (Category.BIOLOGICAL_EVALUATION, _l("Biological evaluation")),
    (Category.TYPE_TESTING, _l("Product testing / type testing")),
    (Category.INNOVATIVE_SPECIAL_REVIEW, _l("Special review of innovative devices")),
    (Category.PRIORITY_REVIEW, _l("Priority review")),
    (Category.QUALITY_SYSTEM, _l("Quality management system and production licence")),
    (Category.RESEARCH_TRANSFORMATION, _l("Transformation of research results")),
    (Category.POLICY, _l("Policy consultation")),
    (Category.OTHER, _l("Other")),
    (DeviceClass.I, _l("Class I")),
    (DeviceClass.II, _l("Class II")),
    (DeviceClass.III, _l("Class III")),
    (ProductType.ACTIVE, _l("Active (powered) device")),
    (ProductType.NON_ACTIVE, _l("Non-active device")),
    (ProductType.IVD, _l("In-vitro diagnostic")),
    (ProductField.F01, _l("01 Active surgical")),
    (ProductField.F02, _l("02 Passive surgical")),
    (ProductField.F03, _l("03 Neurological and cardiovascular surgical")),
    (ProductField.F04, _l("04 Orthopaedic surgical")),
    (ProductField.F05, _l("05 Radiotherapy")),
    (ProductField.F06, _l("06 Medical imaging")),
    (ProductField.F07, _l("07 Diagnosis and monitoring")),
    (ProductField.F08, _l("08 Respiratory, anaesthesia and emergency")),
    (ProductField.F09, _l("09 Physical therapy")),
    (ProductField.F10, _l("10 Transfusion, dialysis and extracorporeal circulation")),
    (ProductField.F11, _l("11 Disinfection and sterilisation")),
    (ProductField.F12, _l("12 Active implants")),
    (ProductField.F13, _l("13 Passive implants")),
    (ProductField.F14, _l("14 Infusion, nursing and protection")),
    (ProductField.F15, _l("15 Patient support")),
    (ProductField.F16, _l("16 Ophthalmic")),
    (ProductField.F17, _l("17 Dental")),
    (ProductField.F18, _l("18 Obstetric, gynaecological, assisted reproduction and contraception")),
    (ProductField.F19, _l("19 Rehabilitation")),
    (ProductField.F20, _l("20 Traditional Chinese medicine")),
    (ProductField.F21, _l("21 Medical software")),
    (ProductField.F22, _l("22 Clinical laboratory")),
    (ProductField.IVD_REAGENT, _l("In-vitro diagnostic reagents")),
    (LifecycleStage.RESEARCH, _l("Research and development")),
    (LifecycleStage.TYPE_TESTING, _l("Type testing")),
    (LifecycleStage.CLINICAL_EVALUATION, _l("Clinical evaluation")),
    (LifecycleStage.REGISTRATION_SUBMISSION, _l("Registration submission")),
    (LifecycleStage.TECHNICAL_REVIEW, _l("Technical review")),
    (LifecycleStage.POST_MARKET, _l("Approved / post-market")),
    (Priority.P1, _l("P1 – critical")),
    (Priority.P2, _l("P2 – high")),
    (Priority.P3, _l("P3 – normal")),
    (Priority.P4, _l("P4 – low")),
    (Status.SUBMITTED, _l("Submitted")),
    (Status.TRIAGED, _l("Triaged")),
    (Status.EARLY_INTERVENTION, _l("Early intervention")),
    (Status.GUIDANCE, _l("Guidance")),
    (Status.WAITING_ENTERPRISE, _l("Waiting for the enterprise")),
    (Status.REVIEW, _l("Result under review")),
    (Status.RESOLVED, _l("Resolved")),
    (Status.CLOSED, _l("Closed")),
    (Status.DECLINED, _l("Declined")),
    (Status.WITHDRAWN, _l("Withdrawn")),
    (Status.MERGED, _l("Merged")),
    (EventKind.CREATED, _l("Request submitted")),
    (EventKind.STATUS_CHANGED, _l("Status changed")),
    (EventKind.TRIAGED, _l("Triaged")),
    (EventKind.ASSIGNED, _l("Assigned")),
    (EventKind.TRANSFERRED, _l("Transferred")),
    (EventKind.REPLY, _l("Reply")),
    (EventKind.INTERNAL_NOTE, _l("Internal note")),
    (EventKind.ATTACHMENT, _l("File attached")),
    (EventKind.ESCALATED, _l("Escalated to the director")),
    (EventKind.DE_ESCALATED, _l("De-escalated")),
    (EventKind.INSTRUCTION, _l("Director's instruction")),
    (EventKind.INSTRUCTION_ACKNOWLEDGED, _l("Instruction acknowledged")),
    (EventKind.SLA_BREACHED, _l("Service time exceeded")),
    (EventKind.PLAN_LINKED, _l("Linked to a service plan")),
    (EventKind.RATED, _l("Service rated")),
    # Whose hotline it is (站长热线 or 局长热线) is said where the session is known: request_display.event_title.
    (EventKind.HOTLINE_REQUESTED, _l("Hotline session requested")),
    (EventKind.HOTLINE_SCHEDULED, _l("Hotline session scheduled")),
    (EventKind.HOTLINE_HELD, _l("Hotline session held")),
    (EventKind.HOTLINE_CANCELLED, _l("Hotline session cancelled")),
    (EventKind.FOLLOW_UP_DONE, _l("Follow-up action done")),
    (EventKind.PLAN_CREATED, _l("Service plan drafted")),
    (EventKind.PLAN_UPDATED, _l("Service plan updated")),
    (EventKind.PLAN_STATUS_CHANGED, _l("Service plan status changed")),
    (EventKind.PLAN_APPROVED, _l("Service plan approved")),
    (EventKind.PLAN_RETURNED, _l("Service plan returned for changes")),
    (EventKind.MILESTONE_CHANGED, _l("Milestone changed")),
    (EventKind.TASK_FORCE_CHANGED, _l("Task force changed")),
    (EventKind.SIGNED_FOR, _l("Signed for")),
    (EventKind.RETURNED, _l("Returned to the dispatcher")),
    (EventKind.EXTENSION_ASKED, _l("Extension requested")),
    (EventKind.EXTENSION_APPROVED, _l("Completion date extended")),
    (EventKind.EXTENSION_REFUSED, _l("Extension refused")),
    (EventKind.EXTENSION_WITHDRAWN, _l("Extension request withdrawn")),
    (EventKind.SUPERVISION_ISSUED, _l("Supervision order issued")),
    (EventKind.SUPERVISION_REPORTED, _l("Supervision report filed")),
    (EventKind.SUPERVISION_SENT_BACK, _l("Supervision report sent back")),
    (EventKind.SUPERVISION_ACCEPTED, _l("Supervision order concluded")),
    (EventKind.SUPERVISION_CANCELLED, _l("Supervision order cancelled")),
    (EventKind.SUPERVISION_TIER_RAISED, _l("Supervision order's tier raised")),
    (SupervisionStatus.OPEN, _l("Awaiting the unit's report")),
    (SupervisionStatus.REPORTED, _l("Report awaiting acceptance")),
    (SupervisionStatus.CLOSED, _l("Concluded")),
    (SupervisionStatus.CANCELLED, _l("Cancelled")),
    (SupervisionTier.ON_SCHEDULE, _l("On schedule")),
    (SupervisionTier.BLUE, _l("Blue: due within a working day")),
    (SupervisionTier.YELLOW, _l("Yellow: overdue")),
    (SupervisionTier.RED, _l("Red: seriously overdue")),
    (OrderAction.REPORT, _l("File the report")),
    (OrderAction.ACCEPT, _l("Accept the report and conclude")),
    (OrderAction.SEND_BACK, _l("Send the report back")),
    (OrderAction.CANCEL, _l("Cancel the order")),
    (EventKind.REMINDED, _l("Reminded")),
    (EventKind.VISITED, _l("Return visit")),
    (EventKind.TYPICAL_FLAGGED, _l("Flagged as a typical case")),
    (EventKind.CASE_DRAFTED, _l("Typical case drafted for the knowledge base")),
    (EventKind.TYPICAL_UNFLAGGED, _l("No longer a typical case")),
    (EventKind.MERGED_IN, _l("Duplicate merged in")),
    (EventKind.LINKED, _l("Requests linked")),
    (EventKind.UNLINKED, _l("Link removed")),
    (EventKind.CHILD_CREATED, _l("Child request made")),
    (EventKind.PASSWORD_RECOVERY, _l("Password recovery")),
    (EventKind.MAIL_REFUSED, _l("Inbound mail refused")),
    (ResultCategory.RESOLVED, lazy_pgettext("result", "Resolved")),
    (ResultCategory.EXPLAINED, lazy_pgettext("result", "Explained with the policy basis")),
    (ResultCategory.NOT_FEASIBLE, lazy_pgettext("result", "Not feasible for now")),
    (Satisfaction.VERY_SATISFIED, _l("Very satisfied")),
    (Satisfaction.SATISFIED, _l("Satisfied")),
    (Satisfaction.BASICALLY_SATISFIED, _l("Basically satisfied")),
    (Satisfaction.UNSATISFIED, _l("Unsatisfied")),
    (Satisfaction.VERY_UNSATISFIED, _l("Very unsatisfied")),
    (VisitChannel.PHONE, _l("By phone")),
    (VisitChannel.ONLINE, _l("Online")),
    (ReminderClock.SIGN_FOR, _l("Sign-for")),
    (ReminderClock.RESOLUTION, _l("Resolution")),
    (ReminderClock.MANUAL, _l("By a head")),
    (MailChoice.IMMEDIATELY, _l("Immediately")),
    (MailChoice.DIGEST, _l("In a daily digest")),
    (MailChoice.NONE, _l("Not by email")),
    (MailStatus.PENDING, _l("Waiting to be sent")),
    (MailStatus.SENT, _l("Sent")),
    (MailStatus.FAILED, _l("Failed")),
    (MailStatus.DIGEST, _l("Kept for the daily digest")),
    (InboundOutcome.ACCEPTED, lazy_pgettext("inbound mail", "Added to its request")),
    (InboundOutcome.REFUSED, lazy_pgettext("inbound mail", "Refused")),
    (InboundOutcome.DUPLICATE, lazy_pgettext("inbound mail", "Already received")),
    # Digests and return-visit reminders.
    (MailStatus.GATHERED, _l("Sent in a daily digest")),
    (EventKind.DIGEST, _l("Daily digest")),
    (EventKind.VISIT_DUE, _l("Return visit due soon")),
    (ReturnReason.NOT_MY_REMIT, _l("Not my remit")),
    (ReturnReason.OUTSIDE_AREA, _l("Outside this station's area")),
    (ReturnReason.INCOMPLETE, _l("Information incomplete")),
    (ReturnReason.OTHER, _l("Other")),
    (ExtensionStatus.PENDING, _l("Waiting for a decision")),
    (ExtensionStatus.APPROVED, _l("Approved")),
    (ExtensionStatus.REFUSED, _l("Refused")),
    (ExtensionStatus.WITHDRAWN, _l("Withdrawn")),
    (ExtensionAction.APPROVE, _l("Approve")),
    (ExtensionAction.REFUSE, _l("Refuse")),
    (ExtensionAction.WITHDRAW, _l("Withdraw the extension request")),
    (PlanStatus.DRAFT, _l("Draft")),
    (PlanStatus.ACTIVE, _l("In force")),
    (PlanStatus.COMPLETED, _l("Completed")),
    (PlanStatus.ARCHIVED, _l("Archived")),
    (MilestonePhase.RD_DESIGN, _l("R&D design")),
    (MilestonePhase.TYPE_TESTING, _l("Type testing")),
    (MilestonePhase.CLINICAL_EVALUATION, _l("Clinical evaluation")),
    (MilestonePhase.REGISTRATION_DOSSIER, _l("Registration dossier")),
    (MilestonePhase.TECHNICAL_REVIEW, _l("Technical review")),
    (MilestonePhase.APPROVAL, _l("Approval")),
    (MilestonePhase.POST_MARKET, _l("Post-market")),
    (MilestonePhase.JOINT_RESEARCH_REVIEW, _l("Joint research and review")),
    (MilestonePhase.OTHER, _l("Other")),
    (MilestoneStatus.PLANNED, _l("Planned")),
    (MilestoneStatus.IN_PROGRESS, _l("In progress")),
    (MilestoneStatus.DONE, _l("Done")),
    (MilestoneStatus.BLOCKED, _l("Blocked")),
    (TaskForceStatus.ACTIVE, _l("Working")),
    (TaskForceStatus.CLOSED, _l("Closed")),
    (HotlineStatus.REQUESTED, _l("Requested")),
    (HotlineStatus.SCHEDULED, _l("Scheduled")),
    (HotlineStatus.HELD, _l("Held")),
    (HotlineStatus.CANCELLED, _l("Cancelled")),
    (MatchReason.REFERENCE, lazy_pgettext("matched in", "reference number")),
    (MatchReason.ENTERPRISE, lazy_pgettext("matched in", "enterprise name")),
    (MatchReason.CREDIT_CODE, lazy_pgettext("matched in", "credit code")),
    (MatchReason.PRODUCT, lazy_pgettext("matched in", "product")),
    (MatchReason.TEXT, lazy_pgettext("matched in", "title/description")),
    (MatchReason.REPLY, lazy_pgettext("matched in", "reply")),
    (MatchReason.NOTE, lazy_pgettext("matched in", "internal note")),
    # Colleagues in one enterprise.
    (EnterpriseRole.ADMINISTRATOR, lazy_pgettext("enterprise role", "Administrator")),
    (EnterpriseRole.MEMBER, lazy_pgettext("enterprise role", "Member")),
    (EventKind.HANDED_OVER, _l("Handed over to a colleague")),
    (EventKind.COLLEAGUE_INVITED, _l("Colleague invited")),
    (EventKind.INVITATION_REVOKED, _l("Invitation withdrawn")),
    (EventKind.COLLEAGUE_JOINED, _l("Colleague joined")),
    (EventKind.COLLEAGUE_ROLE_CHANGED, _l("Colleague's role changed")),
    (EventKind.COLLEAGUE_DEACTIVATED, _l("Colleague deactivated")),
    # The knowledge base (知识库).
    (KnowledgeKind.ARTICLE, _l("Article")),
    (KnowledgeKind.CASE, _l("Typical case")),
    (KnowledgeAudience.PUBLIC, _l("Public: enterprises and visitors")),
    (KnowledgeAudience.INTERNAL, _l("Internal: station staff only")),
    (KnowledgeStatus.DRAFT, lazy_pgettext("knowledge", "Draft")),
    (KnowledgeStatus.PUBLISHED, _l("Published")),
    (KnowledgeLanguage.ZH, _l("Chinese")),
    (KnowledgeLanguage.EN, _l("English")),
    (KnowledgeChange.CREATED, _l("Written")),
    (KnowledgeChange.EDITED, _l("Edited")),
    (KnowledgeChange.PUBLISHED, _l("Published")),
    (KnowledgeChange.WITHDRAWN, _l("Withdrawn from publication")),
]


class _VocabularyLabels:
    """Labels keyed by vocabulary and value: members of different vocabularies
    with the same stored value (e.g. "active") are equal as strings, so a plain
    dict would let one silently overwrite the other."""

    def __init__(self, entries: list[tuple[Enum, object]]) -> None:
        self._labels = {(type(member), member.value): text for member, text in entries}

    def __getitem__(self, member: Enum) -> object:
        return self._labels[(type(member), member.value)]

    def get(self, member: Enum, default: object = None) -> object:
        return self._labels.get((type(member), member.value), default)


LABELS = _VocabularyLabels(_ENTRIES)


def label(value: Enum | None) -> str:
    if value is None:
        return "—"
    return str(LABELS.get(value, value.value))


def choices(members: Iterable[Enum]) -> list[SelectChoice]:
    """A select field's options: a whole vocabulary (an Enum class) or some of its members, in their order."""
    return [SelectChoice(member.value, LABELS[member]) for member in members]


def label_params(error: DomainError) -> dict[str, object]:
    """The error's parameters, with vocabulary values shown by their labels."""
    return {k: label(v) if isinstance(v, Enum) else v for k, v in error.params.items()}


def domain_message(error: DomainError) -> str:
    """The error's message in the reader's language."""
    return gettext(error.message, **label_params(error))


MESSAGES = {
    400: (N_("Bad request"), N_("The request could not be understood.")),
    403: (N_("Not allowed"), N_("You are not allowed to do this.")),
    404: (N_("Not found"), N_("The page or record does not exist, or you have no access to it.")),
    405: (N_("Not allowed"), N_("This address does not accept that method.")),
    409: (N_("Conflict"), N_("Someone changed this record meanwhile. Reload and try again.")),
    413: (N_("Too large"), N_("The upload is larger than allowed.")),
    429: (N_("Too many requests"), N_("Too many requests; please wait a moment and try again.")),
    500: (N_("Something went wrong"), N_("An unexpected error occurred. It has been logged; please try again.")),
    503: (N_("Briefly unavailable"), N_("The desk cannot reach its database just now. Please try again in a moment.")),
}
