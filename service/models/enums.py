"""The domain's vocabularies. Stored as their string values; labels for people
live in ``service.web.labels`` so that this module stays free of Flask."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ENTERPRISE = "enterprise"
    STAFF = "staff"
    DIRECTOR = "director"
    ADMIN = "admin"


class EnterpriseRole(StrEnum):
    """A contact person's place inside its enterprise: its administrator invites and manages the colleagues."""

    ADMINISTRATOR = "administrator"
    MEMBER = "member"


class EnterpriseSize(StrEnum):
    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


class ProductArea(StrEnum):
    IMAGING = "imaging"
    LIFE_SUPPORT = "life_support"
    IVD = "ivd"
    IMPLANT = "implant"
    NON_POWERED = "non_powered"
    ACTIVE = "active"
    SOFTWARE_AI = "software_ai"


class Channel(StrEnum):
    WEB = "web"
    PHONE = "phone"
    VIDEO = "video"
    ON_SITE = "on_site"
    API = "api"


class Category(StrEnum):
    REGISTRATION_DOSSIER = "registration_dossier"
    CLINICAL_EVALUATION = "clinical_evaluation"
    BIOLOGICAL_EVALUATION = "biological_evaluation"
    TYPE_TESTING = "type_testing"
    INNOVATIVE_SPECIAL_REVIEW = "innovative_special_review"
    PRIORITY_REVIEW = "priority_review"
    QUALITY_SYSTEM = "quality_system"
    RESEARCH_TRANSFORMATION = "research_transformation"
    POLICY = "policy"
    OTHER = "other"


class DeviceClass(StrEnum):
    I = "I"  # noqa: E741 - the regulation's own name for the class
    II = "II"
    III = "III"


class ProductType(StrEnum):
    ACTIVE = "active"
    NON_ACTIVE = "non_active"
    IVD = "ivd"


class ProductField(StrEnum):
    """The national classification catalogue's 22 subcategories, plus IVD reagents."""

    F01 = "01"
    F02 = "02"
    F03 = "03"
    F04 = "04"
    F05 = "05"
    F06 = "06"
    F07 = "07"
    F08 = "08"
    F09 = "09"
    F10 = "10"
    F11 = "11"
    F12 = "12"
    F13 = "13"
    F14 = "14"
    F15 = "15"
    F16 = "16"
    F17 = "17"
    F18 = "18"
    F19 = "19"
    F20 = "20"
    F21 = "21"
    F22 = "22"
    IVD_REAGENT = "ivd_reagent"


class LifecycleStage(StrEnum):
    RESEARCH = "research"
    TYPE_TESTING = "type_testing"
    CLINICAL_EVALUATION = "clinical_evaluation"
    REGISTRATION_SUBMISSION = "registration_submission"
    TECHNICAL_REVIEW = "technical_review"
    POST_MARKET = "post_market"


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class Status(StrEnum):
    SUBMITTED = "submitted"
    TRIAGED = "triaged"
    EARLY_INTERVENTION = "early_intervention"
    GUIDANCE = "guidance"
    WAITING_ENTERPRISE = "waiting_enterprise"
    # The officer's result waits for the station head's approval (办结审核) before the enterprise is told.
    REVIEW = "review"
    RESOLVED = "resolved"
    CLOSED = "closed"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    # A duplicate merged into another request of its enterprise (requests.merged_into_id): its page leads there.
    MERGED = "merged"


OPEN_STATUSES = frozenset(
    {
        Status.SUBMITTED,
        Status.TRIAGED,
        Status.EARLY_INTERVENTION,
        Status.GUIDANCE,
        Status.WAITING_ENTERPRISE,
        Status.REVIEW,
    }
)
WORKING_STATUSES = frozenset({Status.TRIAGED, Status.EARLY_INTERVENTION, Status.GUIDANCE})
FINAL_STATUSES = frozenset({Status.CLOSED, Status.DECLINED, Status.WITHDRAWN, Status.MERGED})
# A result was given (办结): what a return visit (回访) asks about and a redo (重办) takes up again.
RESULT_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})
# Open and not paused: the statuses whose SLA clock runs.
RUNNING_STATUSES = tuple(s for s in OPEN_STATUSES if s != Status.WAITING_ENTERPRISE)


class EventKind(StrEnum):
    CREATED = "created"
    STATUS_CHANGED = "status_changed"
    TRIAGED = "triaged"
    ASSIGNED = "assigned"
    TRANSFERRED = "transferred"
    REPLY = "reply"
    INTERNAL_NOTE = "internal_note"
    ATTACHMENT = "attachment"
    ESCALATED = "escalated"
    DE_ESCALATED = "de_escalated"
    INSTRUCTION = "instruction"
    INSTRUCTION_ACKNOWLEDGED = "instruction_acknowledged"
    SLA_BREACHED = "sla_breached"
    PLAN_LINKED = "plan_linked"
    RATED = "rated"
    HOTLINE_REQUESTED = "hotline_requested"
    HOTLINE_SCHEDULED = "hotline_scheduled"
    HOTLINE_HELD = "hotline_held"
    HOTLINE_CANCELLED = "hotline_cancelled"
    FOLLOW_UP_DONE = "follow_up_done"
    PLAN_CREATED = "plan_created"
    PLAN_UPDATED = "plan_updated"
    PLAN_STATUS_CHANGED = "plan_status_changed"
    PLAN_APPROVED = "plan_approved"
    PLAN_RETURNED = "plan_returned"
    MILESTONE_CHANGED = "milestone_changed"
    TASK_FORCE_CHANGED = "task_force_changed"
    SIGNED_FOR = "signed_for"
    RETURNED = "returned"
    EXTENSION_ASKED = "extension_asked"
    EXTENSION_APPROVED = "extension_approved"
    EXTENSION_REFUSED = "extension_refused"
    EXTENSION_WITHDRAWN = "extension_withdrawn"
    SUPERVISION_ISSUED = "supervision_issued"
    SUPERVISION_REPORTED = "supervision_reported"
    SUPERVISION_SENT_BACK = "supervision_sent_back"
    SUPERVISION_ACCEPTED = "supervision_accepted"
    SUPERVISION_CANCELLED = "supervision_cancelled"
    # The SLA sweep found an open order's tier worse than last told (blue, yellow, red).
    SUPERVISION_TIER_RAISED = "supervision_tier_raised"
    REMINDED = "reminded"
    VISITED = "visited"
    TYPICAL_FLAGGED = "typical_flagged"
    TYPICAL_UNFLAGGED = "typical_unflagged"
    # A typical case (典型案例) drafted from the request's result (service.operations.knowledge; desk only).
    CASE_DRAFTED = "case_drafted"
    # Relations between requests (service/operations/relations.py), recorded on both requests' timelines.
    MERGED_IN = "merged_in"
    LINKED = "linked"
    UNLINKED = "unlinked"
    CHILD_CREATED = "child_created"
    # Not on any timeline: the kind of the outbox's password recovery mail (service.operations.password_recovery).
    PASSWORD_RECOVERY = "password_recovery"
    # Nor this: the outbox's answer to a refused inbound mail (service.operations.inbound_mail).
    MAIL_REFUSED = "mail_refused"
    # Colleagues in one enterprise (service.operations.colleagues): a request handed to another contact person
    # is on its timeline; the rest is on the enterprise's own record (events with no request), and the
    # invitation is also the kind of its outbox mail.
    HANDED_OVER = "handed_over"
    COLLEAGUE_INVITED = "colleague_invited"
    INVITATION_REVOKED = "invitation_revoked"
    COLLEAGUE_JOINED = "colleague_joined"
    COLLEAGUE_ROLE_CHANGED = "colleague_role_changed"
    COLLEAGUE_DEACTIVATED = "colleague_deactivated"
    # Digests and return-visit reminders (service/operations/digests.py, visit_reminders.py): the outbox's daily
    # digest (on no timeline), and a result whose days for a return visit (回访) are nearly over with no visit.
    DIGEST = "digest"
    VISIT_DUE = "visit_due"


class MailStatus(StrEnum):
    """Where an outbox row (service/models/mail.py) stands: waiting (perhaps for a retry), sent, given up, or
    kept for the recipient's daily digest."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    # The recipient chose a daily digest for its kind: it waits for the digest (not sent one by one).
    DIGEST = "digest"
    # Taken into a digest (the row named by its digest_id), which is sent in its stead.
    GATHERED = "gathered"


class MailChoice(StrEnum):
    """How a user wants to hear of one kind of notification by email (no choice stored: immediately)."""

    IMMEDIATELY = "immediately"
    DIGEST = "digest"
    NONE = "none"


class ReturnReason(StrEnum):
    """Why an officer (or a station, after a transfer) returns a request instead of signing for it (退回)."""

    NOT_MY_REMIT = "not_my_remit"
    OUTSIDE_AREA = "outside_area"
    INCOMPLETE = "incomplete"
    OTHER = "other"


class ResultCategory(StrEnum):
    """How a request was closed (办结): solved, explained with the policy basis, or not feasible with the reason."""

    RESOLVED = "resolved"
    EXPLAINED = "explained"
    NOT_FEASIBLE = "not_feasible"


class Satisfaction(StrEnum):
    """A return visit's (回访) five levels, best first."""

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    UNSATISFIED = "unsatisfied"
    VERY_UNSATISFIED = "very_unsatisfied"


# The levels that count against the station: such a visit (or "not solved") may send the request back for a redo.
UNSATISFIED_LEVELS = frozenset({Satisfaction.UNSATISFIED, Satisfaction.VERY_UNSATISFIED})
# The levels the satisfaction rate (满意率) counts as satisfied: 非常满意, 满意 and 基本满意.
SATISFIED_LEVELS = frozenset(Satisfaction) - UNSATISFIED_LEVELS


class VisitChannel(StrEnum):
    PHONE = "phone"
    # Online: the enterprise's own rating when it confirms the result.
    ONLINE = "online"


class ReminderClock(StrEnum):
    """What a reminder (催办) is about: the sign-for clock, the resolution clock, or a head's own words."""

    SIGN_FOR = "sign_for"
    RESOLUTION = "resolution"
    MANUAL = "manual"


class ExtensionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class SupervisionStatus(StrEnum):
    """A supervision order (督办): open until its unit reports, reported until its director accepts the report
    (督办办结) or sends it back (open again), or cancelled by its issuer."""

    OPEN = "open"
    REPORTED = "reported"
    CLOSED = "closed"
    CANCELLED = "cancelled"


ACTIVE_SUPERVISION_STATUSES = frozenset({SupervisionStatus.OPEN, SupervisionStatus.REPORTED})


class SupervisionTier(StrEnum):
    """How pressing an open order is (computed: rules/supervision_orders.py; stored only as the tier its unit was
    last told of), from the least to the most: on schedule, blue (due within one working day), yellow (overdue),
    red (long overdue, or its request reminded too often)."""

    ON_SCHEDULE = "on_schedule"
    BLUE = "blue"
    YELLOW = "yellow"
    RED = "red"


class PlanStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    COMPLETED = "completed"
    ARCHIVED = "archived"


OPEN_PLAN_STATUSES = frozenset({PlanStatus.DRAFT, PlanStatus.ACTIVE})


class MilestonePhase(StrEnum):
    RD_DESIGN = "rd_design"
    TYPE_TESTING = "type_testing"
    CLINICAL_EVALUATION = "clinical_evaluation"
    REGISTRATION_DOSSIER = "registration_dossier"
    TECHNICAL_REVIEW = "technical_review"
    APPROVAL = "approval"
    POST_MARKET = "post_market"
    # 研审联动: R&D and review move together (the fourth of the NMPA's service measures).
    JOINT_RESEARCH_REVIEW = "joint_research_review"
    OTHER = "other"


class MilestoneStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"


class TaskForceStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class HotlineStatus(StrEnum):
    REQUESTED = "requested"
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class InboundOutcome(StrEnum):
    """What became of one inbound mail (service/models/inbound_mail.py): a reply stored, refused with a reason,
    or a copy of a mail already handled."""

    ACCEPTED = "accepted"
    REFUSED = "refused"
    DUPLICATE = "duplicate"


# The knowledge base (知识库, service/models/knowledge.py).
class KnowledgeKind(StrEnum):
    """An article written for the knowledge base, or a typical case (典型案例) drafted from a request's result."""

    ARTICLE = "article"
    CASE = "case"


class KnowledgeAudience(StrEnum):
    """Public: enterprises and anonymous visitors read it; internal: the desk alone."""

    PUBLIC = "public"
    INTERNAL = "internal"


class KnowledgeStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class KnowledgeLanguage(StrEnum):
    ZH = "zh"
    EN = "en"


class KnowledgeChange(StrEnum):
    """What a revision of an article records."""

    CREATED = "created"
    EDITED = "edited"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"
