"""Typed SQLAlchemy models. Importing this package registers every table on ``Base.metadata``."""

from service.models.accounts import (
    ApiToken,
    Enterprise,
    Invitation,
    RecoveryCode,
    SavedView,
    Station,
    User,
    new_session_token,
)
from service.models.canned_replies import CannedReply
from service.models.enums import *  # noqa: F403 - the vocabularies belong with the models
from service.models.hotline import FollowUpAction, HotlineSession, Instruction
from service.models.inbound_mail import InboundMail
from service.models.kept_forms import KeptForm
from service.models.knowledge import KnowledgeArticle, KnowledgeDeflection, KnowledgeRevision
from service.models.mail import MailPreference, OutboundMail
from service.models.plans import Milestone, ServicePlan, TaskForce, TaskForceMember
from service.models.rate_limits import RateLimitCounter
from service.models.relations import RequestLink
from service.models.requests import (
    Attachment,
    CalendarDay,
    Event,
    ExtensionRequest,
    Message,
    Notification,
    ReferenceCounter,
    ReturnVisit,
    ServiceRequest,
    ServiceTimesRevision,
    SlaTarget,
)
from service.models.supervision import SupervisionOrder

__all__ = [
    "ApiToken",
    "Attachment",
    "CalendarDay",
    "CannedReply",
    "Enterprise",
    "Event",
    "ExtensionRequest",
    "FollowUpAction",
    "HotlineSession",
    "InboundMail",
    "Instruction",
    "Invitation",
    "KeptForm",
    "KnowledgeArticle",
    "KnowledgeDeflection",
    "KnowledgeRevision",
    "MailPreference",
    "Message",
    "Milestone",
    "Notification",
    "OutboundMail",
    "RateLimitCounter",
    "RecoveryCode",
    "ReferenceCounter",
    "RequestLink",
    "ReturnVisit",
    "SavedView",
    "ServicePlan",
    "ServiceRequest",
    "ServiceTimesRevision",
    "SlaTarget",
    "Station",
    "SupervisionOrder",
    "TaskForce",
    "TaskForceMember",
    "User",
    "new_session_token",
]
