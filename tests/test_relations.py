"""Merge, link, parent and child, without Flask: what each operation changes on both requests, and what it
refuses (policy, lifecycle, stale versions)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationError
from service.models import Attachment, EventKind, Notification, RequestLink, ServiceRequest, Station, Status
from service.models.base import utcnow
from service.operations.attachments import Upload
from service.operations.relations import (
    ChildDraft,
    create_child_request,
    link_requests,
    merge_request,
    unlink_requests,
)
from service.operations.requests import add_message, take_action
from service.queries.duplicates import possible_duplicates, similar_own_requests, similarity
from service.queries.relations import relations_of
from service.queries.timeline import timeline
from service.rules.lifecycle import Action
from service.store.settings import DeskSettings
from tests.factories import People
from tests.request_helpers import PDF, act, submit, triaged


def _merge(session: Session, people: People, settings: DeskSettings, duplicate: ServiceRequest, target: ServiceRequest):  # type: ignore[no-untyped-def]
    return merge_request(
        session, people.staff, duplicate.id, duplicate.version, target.reference, reason="同一问题", settings=settings
    )


def test_a_merge_closes_the_duplicate_and_brings_its_timeline_files_and_children_to_the_target(
    session: Session, people: People, settings: DeskSettings
) -> None:
    target = triaged(session, people, settings, title="创新医疗器械特别审查申请资料咨询")
    duplicate = submit(
        session,
        people,
        settings,
        title="创新医疗器械特别审查申请材料咨询",
        uploads=(Upload("资料.pdf", "application/pdf", PDF),),
    )
    add_message(session, people.owner, duplicate.id, "补充说明：产品为第三类", settings=settings)
    child = create_child_request(
        session, people.staff, duplicate.id, duplicate.version, ChildDraft("检验部分", "型式检验"), settings=settings
    )
    act(session, people.staff, child, Action.DECLINE, settings, reason="并入主件")

    merged_into = _merge(session, people, settings, session.get(ServiceRequest, duplicate.id), target)

    session.expire_all()
    duplicate = session.get(ServiceRequest, duplicate.id)
    assert merged_into.id == target.id
    assert (duplicate.status, duplicate.merged_into_id) == (Status.MERGED, target.id)
    assert session.get(ServiceRequest, child.id).parent_id == target.id
    files = session.scalars(select(Attachment.original_name).where(Attachment.request_id == target.id)).all()
    assert files == ["资料.pdf"]
    entries = timeline(session, people.owner, session.get(ServiceRequest, target.id))
    from_duplicate = [e for e in entries if e.merged_from == duplicate.reference]
    assert any(e.message is not None and "第三类" in e.message.body for e in from_duplicate)
    assert any(e.event is not None and e.event.kind == EventKind.MERGED_IN for e in entries)
    told = session.scalars(
        select(Notification.data).where(
            Notification.user_id == people.owner.id, Notification.request_id == duplicate.id
        )
    ).all()
    assert {"status": "merged", "into": target.reference} in told


def test_a_merged_request_cannot_be_merged_again_or_reopened(
    session: Session, people: People, settings: DeskSettings
) -> None:
    target = triaged(session, people, settings)
    other = triaged(session, people, settings)
    duplicate = triaged(session, people, settings)
    _merge(session, people, settings, duplicate, target)
    duplicate = session.get(ServiceRequest, duplicate.id)
    with pytest.raises(InvalidTransition):
        _merge(session, people, settings, duplicate, other)
    with pytest.raises(InvalidTransition):
        take_action(
            session, people.owner, duplicate.id, duplicate.version, Action.REOPEN, reason="再看看", settings=settings
        )
    with pytest.raises(InvalidTransition):
        _merge(session, people, settings, other, duplicate)


def test_merging_refuses_another_enterprise_itself_and_an_unknown_reference(
    session: Session, people: People, settings: DeskSettings
) -> None:
    duplicate = triaged(session, people, settings)
    foreign = submit(session, people, settings)
    foreign.enterprise_id = people.other_enterprise.enterprise_id
    session.commit()
    with pytest.raises(InvalidTransition, match="same enterprise"):
        _merge(session, people, settings, duplicate, foreign)
    with pytest.raises(InvalidTransition, match="itself"):
        _merge(session, people, settings, duplicate, duplicate)
    with pytest.raises(ValidationError) as refused:
        merge_request(session, people.staff, duplicate.id, duplicate.version, "JL-1999-000001", settings=settings)
    assert "target" in refused.value.fields
    assert session.get(ServiceRequest, duplicate.id).status == Status.TRIAGED


def test_who_may_merge_is_the_desk_in_scope_of_both(session: Session, people: People, settings: DeskSettings) -> None:
    target = triaged(session, people, settings)
    duplicate = triaged(session, people, settings)
    with pytest.raises(Forbidden):
        merge_request(session, people.owner, duplicate.id, duplicate.version, target.reference, settings=settings)
    with pytest.raises(NotFound):
        merge_request(session, people.other_staff, duplicate.id, duplicate.version, target.reference, settings=settings)
    assert session.get(ServiceRequest, duplicate.id).status == Status.TRIAGED


def test_a_stale_version_of_either_request_refuses_the_merge(
    session: Session, people: People, settings: DeskSettings
) -> None:
    target = triaged(session, people, settings)
    duplicate = triaged(session, people, settings)
    with pytest.raises(Conflict):
        merge_request(session, people.staff, duplicate.id, duplicate.version - 1, target.reference, settings=settings)
    with pytest.raises(Conflict):
        merge_request(
            session,
            people.staff,
            duplicate.id,
            duplicate.version,
            target.reference,
            target_version=target.version - 1,
            settings=settings,
        )
    assert session.get(ServiceRequest, duplicate.id).status == Status.TRIAGED


def test_links_are_symmetric_shown_on_both_and_removable(
    session: Session, people: People, settings: DeskSettings
) -> None:
    first = triaged(session, people, settings)
    second = triaged(session, people, settings)
    link_requests(session, people.staff, second.id, second.version, first.reference.lower())
    assert [r.reference for r in relations_of(session, first).linked] == [second.reference]
    assert [r.reference for r in relations_of(session, second).linked] == [first.reference]
    second = session.get(ServiceRequest, second.id)
    with pytest.raises(InvalidTransition, match="already linked"):
        link_requests(session, people.staff, second.id, second.version, first.reference)
    with pytest.raises(ValidationError) as unknown:
        link_requests(session, people.staff, second.id, second.version, "JL-1999-000001")
    assert list(unknown.value.fields) == ["other"]
    unlink_requests(session, people.staff, first.id, session.get(ServiceRequest, first.id).version, second.id)
    assert session.scalars(select(RequestLink)).all() == []
    kinds = [e.event.kind for e in timeline(session, people.staff, second) if e.event is not None]
    assert kinds[-2:] == [EventKind.LINKED, EventKind.UNLINKED]


def test_an_enterprise_may_not_link(session: Session, people: People, settings: DeskSettings) -> None:
    first = triaged(session, people, settings)
    second = triaged(session, people, settings)
    with pytest.raises(Forbidden):
        link_requests(session, people.owner, second.id, second.version, first.reference)


def test_a_child_at_another_station_holds_back_its_parents_result(
    session: Session, people: People, settings: DeskSettings
) -> None:
    parent = triaged(session, people, settings)
    other_station = session.scalar(select(Station.id).where(Station.code == "JL-TH"))
    child = create_child_request(
        session,
        people.staff,
        parent.id,
        parent.version,
        ChildDraft("通化分站负责检验", "样品检验", other_station),
        settings=settings,
    )
    assert (child.parent_id, child.station_id, child.enterprise_id) == (parent.id, other_station, parent.enterprise_id)
    assert child.status == Status.SUBMITTED
    parent = session.get(ServiceRequest, parent.id)
    with pytest.raises(InvalidTransition) as refused:
        act(session, people.staff, parent, Action.RESOLVE, settings, summary="已答复")
    assert child.reference in str(refused.value)
    assert session.get(ServiceRequest, parent.id).status == Status.TRIAGED
    act(session, people.other_director, child, Action.DECLINE, settings, reason="并入主件")
    resolved = act(
        session, people.staff, session.get(ServiceRequest, parent.id), Action.RESOLVE, settings, summary="已答复"
    )
    assert resolved.status == Status.RESOLVED


def test_child_requests_are_made_under_open_requests_only(
    session: Session, people: People, settings: DeskSettings
) -> None:
    parent = act(session, people.staff, triaged(session, people, settings), Action.RESOLVE, settings, summary="已答复")
    with pytest.raises(InvalidTransition):
        create_child_request(
            session, people.staff, parent.id, parent.version, ChildDraft("子件", "说明"), settings=settings
        )
    with pytest.raises(Conflict):
        create_child_request(
            session, people.staff, parent.id, parent.version - 1, ChildDraft("子件", "说明"), settings=settings
        )


def test_similarity_reads_chinese_by_bigrams_and_english_by_words() -> None:
    assert similarity("创新医疗器械特别审查申请资料的咨询", "", "创新医疗器械特别审查申请材料咨询", "") >= 75
    assert similarity("创新医疗器械特别审查申请资料的咨询", "", "血糖仪注册检验的样品数量", "") < 60
    assert (
        similarity("Clinical evaluation route for our AI software", "", "AI software: clinical evaluation route", "")
        >= 75
    )


def test_duplicates_are_the_enterprises_own_recent_alike_requests(
    session: Session, people: People, settings: DeskSettings
) -> None:
    now = utcnow()
    earlier = submit(session, people, settings, now=now, title="创新医疗器械特别审查申请资料咨询")
    submit(session, people, settings, now=now, title="血糖仪型式检验样品数量")
    found = similar_own_requests(session, people.owner, "创新医疗器械特别审查申请材料咨询", "请指导", now)
    assert [c.reference for c in found] == [earlier.reference]
    assert similar_own_requests(session, people.other_enterprise, "创新医疗器械特别审查申请材料咨询", "", now) == []
    page = submit(session, people, settings, now=now, title="创新医疗器械特别审查申请材料的咨询")
    candidates = possible_duplicates(session, people.staff, page, now)
    assert [c.reference for c in candidates] == [earlier.reference]
    assert candidates[0].score >= 60
    assert possible_duplicates(session, people.other_staff, page, now) == []
