"""Domain errors raised by operations and mapped to answers by the web layer.

Messages are gettext message ids (marked with ``N_`` so that extraction finds
them) with ``%(name)s`` placeholders; the web layer translates them for the
reader.
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; it is translated where it is shown."""
    return message


# The validation wordings many operations, forms and the API share: each is written here once.
CORRECT_FIELDS = N_("Please correct the highlighted fields.")
REQUIRED = N_("This field is required.")
TOO_LONG = N_("This text is too long.")
GIVE_A_REASON = N_("Please give a reason.")
REASON_REQUIRED = N_("A reason is required.")
MESSAGE_REQUIRED = N_("A message is required.")
# The longest free text a step takes (a reason, a comment, a report, a reminder's message).
MAX_TEXT = 5000


class RateLimited(Exception):
    """Too many of a mailed action (a recovery link, an invitation) in its window; nothing was done. ``seconds``
    until one more is taken."""

    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = seconds


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


class NotFound(DomainError):
    """The object does not exist, or lies outside the actor's scope (never tell which)."""

    status_code = 404

    def __init__(self, message: str = N_("Not found.")) -> None:
        super().__init__(message)


class Forbidden(DomainError):
    """The object is in the actor's scope, but the action is not theirs to take."""

    status_code = 403

    def __init__(self, message: str = N_("You are not allowed to do this.")) -> None:
        super().__init__(message)


class InvalidTransition(DomainError):
    status_code = 409


class NeedsConfirmation(DomainError):
    """The step would leave work open: it is taken only once the caller confirms, having seen ``items``."""

    status_code = 409

    def __init__(self, message: str, items: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.items = items


class Conflict(DomainError):
    """The object's state stands in the way of the change (a version moved on, another plan is active)."""

    status_code = 409


class StaleVersion(Conflict):
    """Someone else changed the object since the actor loaded it (the version the actor saw moved on)."""

    # Set by the operation that raises it, when it reloads the object as it now stands (None: it is gone).
    current: object


class ValidationError(DomainError):
    """Input breaks a business rule; ``fields`` maps field names to message ids."""

    status_code = 422

    def __init__(self, message: str, fields: dict[str, str] | None = None, **params: Any) -> None:
        super().__init__(message, **params)
        self.fields = fields or {}
