"""Forms sent back to their page: kept by the refusing POST, read once, only by their user, not for ever."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.models import KeptForm, Role
from service.models.base import utcnow
from service.operations.kept_forms import KEEP_FOR, keep_form, take_form
from tests import factories

TYPED = {"slot": "message", "typed": [["body", "答" * 20000]], "errors": {"body": ["太长了"]}}


def test_a_kept_form_is_read_once_and_only_by_its_user(session: Session) -> None:
    staff, other = factories.user(session, Role.STAFF), factories.user(session, Role.STAFF)
    token = keep_form(session, staff, TYPED)
    assert take_form(session, other, token) is None
    assert take_form(session, staff, token) == TYPED
    assert take_form(session, staff, token) is None


def test_a_form_left_unread_goes_once_it_is_stale(session: Session) -> None:
    staff = factories.user(session, Role.STAFF)
    long_ago = utcnow() - KEEP_FOR - timedelta(minutes=1)
    forgotten = keep_form(session, staff, TYPED, now=long_ago)
    assert take_form(session, staff, forgotten) is None
    keep_form(session, staff, TYPED, now=long_ago)
    keep_form(session, staff, TYPED)  # clears what nobody read in time, anyone's
    assert session.scalar(select(func.count()).select_from(KeptForm)) == 1
