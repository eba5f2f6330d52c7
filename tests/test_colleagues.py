"""Colleagues in one enterprise, the rules (no Flask): invitations by signed link, roles, hand-over, deactivation,
the last administrator kept, and what a member sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import Conflict, Forbidden, NotFound, RateLimited, StaleVersion, ValidationError
from service.models import (
    EnterpriseRole,
    Event,
    EventKind,
    HotlineSession,
    HotlineStatus,
    Invitation,
    Message,
    Notification,
    OutboundMail,
    Role,
    ServiceRequest,
    Status,
    User,
)
from service.operations import colleagues, invitations
from service.operations.mail import ComposedMail
from service.operations.requests import add_message, get_request, submit_request
from service.queries.colleagues import colleagues_page
from service.queries.hotline import hotline_panel
from service.queries.plans import enterprise_plans
from service.queries.requests import QueueFilters, queue_page
from service.queries.timeline import timeline
from service.store.settings import DeskSettings
from tests.factories import People
from tests.request_helpers import TUESDAY_10, active_plan, draft, submit

KEY = "colleagues-test-key"
NEW_PASSWORD = "Colleague-Password-8"
T0 = TUESDAY_10


def _compose(invitation: Invitation, token: str) -> ComposedMail:
    """Stands in for the web's mail: its text is the bare token."""
    return ComposedMail(subject=f"Join {invitation.enterprise.name}", text=token, html="")


def _version(session: Session, people: People) -> int:
    session.refresh(people.enterprise)
    return people.enterprise.roster_version


def _invite(session: Session, people: People, email: str = "new.colleague@example.cn", **kw: object) -> str:
    """Invite as the enterprise's administrator; the token its mail carries."""
    invitations.invite_colleague(
        session,
        people.owner,
        email,
        kw.pop("role", EnterpriseRole.MEMBER),  # type: ignore[arg-type]
        _version(session, people),
        secret_key=KEY,
        compose=_compose,
        language="zh",
        now=kw.pop("now", T0),  # type: ignore[arg-type]
    )
    return _last_token(session, email)


def _last_token(session: Session, email: str) -> str:
    mail = session.scalars(
        select(OutboundMail).where(OutboundMail.address == email).order_by(OutboundMail.id.desc())
    ).first()
    assert mail is not None and mail.kind == EventKind.COLLEAGUE_INVITED
    return mail.text_body or ""


def _accept(session: Session, token: str, now: object = T0, password: str = NEW_PASSWORD) -> User:
    return invitations.accept_invitation(session, token, "王新", password, KEY, now=now)  # type: ignore[arg-type]


def _submitted_by(session: Session, people: People, settings: DeskSettings, contact: User) -> ServiceRequest:
    return submit_request(session, contact, draft(), (), settings=settings, now=T0)


def _record(session: Session, people: People) -> list[EventKind]:
    return list(
        session.scalars(select(Event.kind).where(Event.enterprise_id == people.enterprise.id).order_by(Event.id))
    )


def test_the_first_contact_administers_the_enterprise_and_the_next_is_a_member(people: People) -> None:
    assert people.owner.enterprise_role == EnterpriseRole.ADMINISTRATOR
    assert people.colleague.enterprise_role == EnterpriseRole.MEMBER


def test_an_invited_colleague_sets_a_password_and_joins_as_a_member(session: Session, people: People) -> None:
    token = _invite(session, people)
    invitation = invitations.invitation_of_link(session, token, KEY, T0 + timedelta(hours=1))
    assert invitation.expires_at == T0 + invitations.INVITATION_LIFETIME

    joined = _accept(session, token, T0 + timedelta(hours=1))

    assert (joined.role, joined.enterprise_id, joined.enterprise_role) == (
        Role.ENTERPRISE,
        people.enterprise.id,
        EnterpriseRole.MEMBER,
    )
    assert _record(session, people) == [EventKind.COLLEAGUE_INVITED, EventKind.COLLEAGUE_JOINED]
    # Good once: the link now says it was used.
    with pytest.raises(invitations.InvitationLinkInvalid) as used:
        _accept(session, token, T0 + timedelta(hours=2))
    assert used.value.message == invitations.LINK_USED


def test_an_expired_link_is_refused_and_sending_again_gives_a_new_one(session: Session, people: People) -> None:
    token = _invite(session, people)
    late = T0 + invitations.INVITATION_LIFETIME + timedelta(minutes=1)
    with pytest.raises(invitations.InvitationLinkInvalid) as expired:
        _accept(session, token, late)
    assert expired.value.message == invitations.LINK_EXPIRED
    assert session.scalar(select(User.id).where(User.email == "new.colleague@example.cn")) is None

    invitation = session.scalars(select(Invitation)).one()
    invitations.resend_invitation(
        session,
        people.owner,
        invitation.id,
        _version(session, people),
        secret_key=KEY,
        compose=_compose,
        language="en",
        now=late,
    )
    with pytest.raises(invitations.InvitationLinkInvalid) as replaced:
        invitations.invitation_of_link(session, token, KEY, late)
    assert replaced.value.message == invitations.LINK_REPLACED
    assert _accept(session, _last_token(session, "new.colleague@example.cn"), late).active


def test_a_revoked_or_damaged_link_says_so(session: Session, people: People) -> None:
    token = _invite(session, people)
    invitation = session.scalars(select(Invitation)).one()
    invitations.revoke_invitation(session, people.owner, invitation.id, _version(session, people), now=T0)
    with pytest.raises(invitations.InvitationLinkInvalid) as revoked:
        _accept(session, token)
    assert revoked.value.message == invitations.LINK_REVOKED
    with pytest.raises(invitations.InvitationLinkInvalid) as damaged:
        _accept(session, token[:-3])
    assert damaged.value.message == invitations.LINK_DAMAGED
    assert _record(session, people) == [EventKind.COLLEAGUE_INVITED, EventKind.INVITATION_REVOKED]


def test_a_weak_password_or_no_name_creates_nobody(session: Session, people: People) -> None:
    token = _invite(session, people)
    with pytest.raises(ValidationError) as weak:
        invitations.accept_invitation(session, token, " ", "short", KEY, now=T0)
    assert set(weak.value.fields) == {"name", "password"}
    assert session.scalar(select(User.id).where(User.email == "new.colleague@example.cn")) is None


def test_only_the_administrator_invites_and_an_address_with_an_account_is_refused(
    session: Session, people: People
) -> None:
    with pytest.raises(Forbidden):
        invitations.invite_colleague(
            session, people.colleague, "x@example.cn", EnterpriseRole.MEMBER, None, secret_key=KEY, compose=_compose,
            language="zh",
        )  # fmt: skip
    with pytest.raises(ValidationError) as taken:
        _invite(session, people, email=people.other_enterprise.email)
    assert taken.value.fields == {"email": invitations.EMAIL_TAKEN}
    _invite(session, people)
    with pytest.raises(ValidationError) as twice:
        _invite(session, people)
    assert twice.value.fields == {"email": invitations.ALREADY_INVITED}


def test_another_enterprises_administrator_cannot_touch_the_invitation(session: Session, people: People) -> None:
    _invite(session, people)
    invitation = session.scalars(select(Invitation)).one()
    with pytest.raises(NotFound):
        invitations.revoke_invitation(session, people.other_enterprise, invitation.id, None, now=T0)


def test_invitations_to_one_address_are_rate_limited(session: Session, people: People) -> None:
    _invite(session, people)
    invitation = session.scalars(select(Invitation)).one()

    def again() -> None:
        invitations.resend_invitation(
            session, people.owner, invitation.id, None, secret_key=KEY, compose=_compose, language="zh", now=T0
        )

    for _ in range(invitations.LIMIT_PER_EMAIL - 1):
        again()
    with pytest.raises(RateLimited):
        again()


def test_a_form_made_from_an_older_list_of_colleagues_is_refused(session: Session, people: People) -> None:
    stale = _version(session, people)
    _invite(session, people)
    with pytest.raises(StaleVersion):
        colleagues.set_colleague_role(session, people.owner, people.colleague.id, EnterpriseRole.ADMINISTRATOR, stale)
    session.refresh(people.colleague)
    assert people.colleague.enterprise_role == EnterpriseRole.MEMBER


def test_the_last_active_administrator_cannot_step_down_or_leave(session: Session, people: People) -> None:
    owner = people.owner
    with pytest.raises(Conflict) as demoted:
        colleagues.set_colleague_role(session, owner, owner.id, EnterpriseRole.MEMBER, _version(session, people))
    assert demoted.value.message == colleagues.LAST_ADMINISTRATOR
    with pytest.raises(Conflict):
        colleagues.deactivate_colleague(session, owner, owner.id, people.colleague.id, _version(session, people))
    session.refresh(owner)
    assert owner.active and owner.enterprise_role == EnterpriseRole.ADMINISTRATOR

    # With a second administrator the first may step down.
    colleagues.set_colleague_role(
        session, owner, people.colleague.id, EnterpriseRole.ADMINISTRATOR, _version(session, people)
    )
    colleagues.set_colleague_role(session, owner, owner.id, EnterpriseRole.MEMBER, _version(session, people))
    assert owner.enterprise_role == EnterpriseRole.MEMBER


def test_the_administrator_hands_a_request_over_and_both_are_told(
    session: Session, people: People, settings: DeskSettings
) -> None:
    request = submit(session, people, settings)
    with pytest.raises(Forbidden):
        colleagues.hand_over_request(session, people.colleague, request.id, request.version, people.colleague.id)
    with pytest.raises(StaleVersion):
        colleagues.hand_over_request(session, people.owner, request.id, request.version - 1, people.colleague.id)
    with pytest.raises(ValidationError):
        colleagues.hand_over_request(session, people.owner, request.id, request.version, people.other_enterprise.id)

    colleagues.hand_over_request(session, people.owner, request.id, request.version, people.colleague.id, now=T0)

    assert request.submitter_id == people.colleague.id
    events = [entry.event for entry in timeline(session, people.colleague, request) if entry.event]
    handed = [event.data for event in events if event.kind == EventKind.HANDED_OVER]
    assert [(data["from_name"], data["to_name"]) for data in handed] == [(people.owner.name, people.colleague.name)]
    told = session.scalars(select(Notification.user_id).where(Notification.kind == EventKind.HANDED_OVER)).all()
    assert sorted(told) == [people.colleague.id]  # the owner made the change: he is not told of it


def test_a_colleague_who_leaves_is_signed_out_and_their_open_requests_go_to_a_successor(
    session: Session, people: People, settings: DeskSettings
) -> None:
    leaving = people.colleague
    open_one = _submitted_by(session, people, settings, leaving)
    add_message(session, leaving, open_one.id, "我们补充了检验报告。", settings=settings)
    withdrawn = _submitted_by(session, people, settings, leaving)
    session.execute(
        ServiceRequest.__table__.update().where(ServiceRequest.id == withdrawn.id).values(status=Status.WITHDRAWN)
    )
    token = leaving.session_token

    handed = colleagues.deactivate_colleague(
        session, people.owner, leaving.id, people.owner.id, _version(session, people)
    )

    session.refresh(leaving)
    assert handed == 1
    assert not leaving.active and leaving.session_token != token
    session.refresh(open_one)
    session.refresh(withdrawn)
    assert open_one.submitter_id == people.owner.id
    assert withdrawn.submitter_id == leaving.id  # a finished request keeps its history as it was
    # What they wrote stays under their name.
    author = session.scalars(select(Message).where(Message.request_id == open_one.id)).one().author
    assert author.name == leaving.name
    assert _record(session, people)[-1] == EventKind.COLLEAGUE_DEACTIVATED


def test_leaving_without_a_successor_for_open_requests_changes_nothing(
    session: Session, people: People, settings: DeskSettings
) -> None:
    request = _submitted_by(session, people, settings, people.colleague)
    for successor in (None, people.colleague.id, people.other_enterprise.id):
        with pytest.raises(ValidationError):
            colleagues.deactivate_colleague(
                session, people.owner, people.colleague.id, successor, _version(session, people)
            )
    session.refresh(people.colleague)
    session.refresh(request)
    assert people.colleague.active and request.submitter_id == people.colleague.id


def test_a_member_sees_the_enterprises_requests_plans_and_hotline_sessions(
    session: Session, people: People, settings: DeskSettings
) -> None:
    request = submit(session, people, settings)  # submitted by the administrator
    plan = active_plan(session, people)
    session.add(
        HotlineSession(
            request_id=request.id, requested_by_id=people.owner.id, reason="请局长指导", status=HotlineStatus.REQUESTED
        )
    )
    session.flush()
    member = people.colleague

    assert get_request(session, member, request.id).id == request.id
    assert [r.id for r in queue_page(session, member, QueueFilters(queue="all"), cursor=None).items] == [request.id]
    assert [p.id for p in enterprise_plans(session, member)] == [plan.id]
    assert len(hotline_panel(session, member, request).sessions) == 1
    # Another enterprise's contact sees none of it.
    with pytest.raises(NotFound):
        get_request(session, people.other_enterprise, request.id)
    assert queue_page(session, people.other_enterprise, QueueFilters(queue="all"), cursor=None).items == []


def test_the_colleagues_page_lists_everyone_and_only_the_administrator_manages(
    session: Session, people: People
) -> None:
    _invite(session, people)
    for_member = colleagues_page(session, people.colleague)
    assert {u.id for u in for_member.colleagues} == {people.owner.id, people.colleague.id}
    assert not for_member.manages and for_member.invitations == []
    for_admin = colleagues_page(session, people.owner)
    assert for_admin.manages and [i.email for i in for_admin.invitations] == ["new.colleague@example.cn"]
    with pytest.raises(Forbidden):
        colleagues_page(session, people.staff)
