"""The policy's answers for reminders, result reviews, return visits and redos: who, on whose requests, in which
states (the lifecycle's table adds the states of a review and a redo)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy.orm import Session

from service.models import Status
from service.rules import policy
from service.rules.policy import PolicyAction
from tests.test_policy import world  # noqa: F401 - fixture

USERS = (
    "ccnd_contact",
    "tonghua_contact",
    "ccnd_staff",
    "ccnd_director",
    "tonghua_staff",
    "hub_staff",
    "hub_director",
    "admin",
)
RESULT_AT = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)


def _allowed(world: dict, action: PolicyAction) -> set[str]:
    return {name for name in USERS if policy.may(world[name], action, world["ccnd_request"])}


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (Status.TRIAGED, {"ccnd_director", "hub_director"}),
        (Status.REVIEW, {"ccnd_director", "hub_director"}),
        (Status.RESOLVED, set()),
        (Status.CLOSED, set()),
    ],
)
def test_heads_remind_open_requests_of_their_scope(
    session: Session, world: dict, status: Status, allowed: set[str]
) -> None:
    world["ccnd_request"].status = status
    assert _allowed(world, PolicyAction.REQUEST_REMIND) == allowed


def test_heads_of_the_requests_scope_review_results_and_order_redos(world: dict) -> None:
    for action in (PolicyAction.REQUEST_REVIEW_CLOSURE, PolicyAction.REQUEST_REDO):
        assert _allowed(world, action) == {"ccnd_director", "hub_director"}


@pytest.mark.parametrize(
    ("status", "assignee", "visited", "allowed"),
    [
        (Status.RESOLVED, None, False, {"ccnd_staff", "ccnd_director", "hub_staff", "hub_director"}),
        (Status.CLOSED, "ccnd_staff", False, {"ccnd_director", "hub_staff", "hub_director"}),
        (Status.RESOLVED, "ccnd_staff", True, set()),
        (Status.TRIAGED, None, False, set()),
    ],
)
def test_a_result_is_visited_once_by_the_desk_in_scope_other_than_its_handler(
    world: dict, status: Status, assignee: str | None, visited: bool, allowed: set[str]
) -> None:
    request = world["ccnd_request"]
    request.status = status
    request.assignee_id = world[assignee].id if assignee else None
    request.visited_at = RESULT_AT if visited else None
    assert _allowed(world, PolicyAction.REQUEST_RECORD_VISIT) == allowed
