"""The one way to load an object by id for a user: NotFound when it is missing or outside their scope,
Forbidden when the action is not theirs (see rules/policy.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from service.errors import NotFound
from service.models import User
from service.rules import policy
from service.rules.policy import PolicyAction

T = TypeVar("T")


def load(
    session: Session,
    actor: User | None,
    model: type[T],
    object_id: object,
    action: PolicyAction,
    *,
    lock: bool = False,
    options: Sequence[ORMOption] = (),
) -> T:
    """The object, checked against the policy for ``actor`` (None: the system itself, unchecked).

    ``lock`` takes its row first (FOR UPDATE on PostgreSQL), so concurrent edits of it queue up.
    """
    found = session.get(model, object_id, options=options, with_for_update=lock or None)
    if found is None:
        raise NotFound()
    if actor is not None:
        policy.authorize(actor, action, found)
    return found
