"""The policy's matrix for the supervision steps: who may sign for, return, ask for and decide an extension."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy.orm import Session

from service.models import ExtensionRequest, ServiceRequest, Status
from service.operations.requests import assign_request
from service.operations.supervision import ExtensionAsk, ask_extension
from service.rules import policy
from service.rules.policy import PolicyAction
from service.store.settings import DeskSettings
from tests.factories import People
from tests.request_helpers import TUESDAY_10, in_status
from tests.test_extensions import NEW_DATE

EVERYONE = (
    "owner",
    "staff",
    "staff2",
    "other_staff",
    "hub_staff",
    "director",
    "other_director",
    "hub_director",
    "admin",
)


def _dispatched(session: Session, people: People, settings: DeskSettings) -> ServiceRequest:
    request = in_status(session, people, settings, Status.TRIAGED)
    return assign_request(
        session, people.staff, request.id, request.version, people.staff2.id, settings=settings, now=TUESDAY_10
    )


def _extension(session: Session, people: People, settings: DeskSettings, max_extensions: int) -> ExtensionRequest:
    request = in_status(session, people, settings, Status.TRIAGED)
    return ask_extension(
        session,
        people.staff,
        request.id,
        request.version,
        ExtensionAsk(NEW_DATE, "理由"),
        settings=replace(settings, max_extensions=max_extensions),
        now=TUESDAY_10,
    )


@pytest.mark.parametrize(
    ("subject", "action", "allowed"),
    [
        ("dispatched", PolicyAction.REQUEST_SIGN_FOR, {"staff2"}),
        ("dispatched", PolicyAction.REQUEST_RETURN, {"staff2"}),
        # Signed for first: then its officer may ask for more time.
        ("dispatched", PolicyAction.REQUEST_ASK_EXTENSION, set()),
        ("signed", PolicyAction.REQUEST_SIGN_FOR, set()),
        ("signed", PolicyAction.REQUEST_ASK_EXTENSION, {"staff"}),
        ("extension", PolicyAction.EXTENSION_DECIDE, {"director", "hub_director"}),
        ("extension", PolicyAction.EXTENSION_WITHDRAW, {"staff"}),
        ("extension", PolicyAction.EXTENSION_VIEW, set(EVERYONE) - {"owner", "other_staff", "other_director"}),
        ("beyond", PolicyAction.EXTENSION_DECIDE, {"hub_director"}),
        ("pending", PolicyAction.REQUEST_ASK_EXTENSION, set()),
    ],
)
def test_who_may_take_each_supervision_step(
    session: Session, people: People, settings: DeskSettings, subject: str, action: PolicyAction, allowed: set[str]
) -> None:
    target: ServiceRequest | ExtensionRequest
    if subject == "dispatched":
        target = _dispatched(session, people, settings)
    elif subject == "signed":
        target = in_status(session, people, settings, Status.TRIAGED)
    elif subject in ("extension", "beyond"):
        target = _extension(session, people, settings, 0 if subject == "beyond" else 2)
    else:
        target = _extension(session, people, settings, 2).request
    may = {who for who in EVERYONE if policy.may(getattr(people, who), action, target)}
    assert may == allowed
