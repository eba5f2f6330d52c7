"""Search finds what staff type: the enterprise's name or part of it, its credit code, the product, the
reference number or its last digits; each hit says why it matched; the policy's scope still holds."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from service.models import Role, ServiceRequest, User
from service.operations.requests import add_message, submit_request
from service.queries.requests import QueueFilters, queue_page
from service.queries.search import MatchReason, parse_reference, search_requests
from service.store.settings import DeskSettings
from tests import factories
from tests.factories import People
from tests.request_helpers import TUESDAY_10, draft

NAME = "长春某某医疗器械有限公司"


@dataclass
class Case:
    request: ServiceRequest
    contact: User


@pytest.fixture()
def case(session: Session, people: People, settings: DeskSettings) -> Case:
    """A request of 长春某某医疗器械有限公司 (station JL-CCND) whose own texts mention none of what is searched."""
    enterprise = factories.enterprise(session, "JL-CCND", name=NAME)
    contact = factories.user(session, Role.ENTERPRISE, enterprise_=enterprise)
    request = submit_request(
        session,
        contact,
        draft(title="型式检验咨询", description="请指导检验方案。", product_name="便携式超声诊断仪"),
        settings=settings,
        now=TUESDAY_10,
    )
    return Case(request, contact)


def hits(session: Session, user: User, text: str) -> dict[int, tuple[MatchReason, ...]]:
    return {hit.request.id: hit.reasons for hit in search_requests(session, user, text).hits}


def queue(session: Session, user: User, text: str) -> dict[int, tuple[MatchReason, ...]]:
    page = queue_page(session, user, QueueFilters(queue="all", text=text), cursor=None, now=TUESDAY_10)
    return {r.id: page.reasons[r.id] for r in page.items}


@pytest.mark.parametrize("typed", ["某某医疗", "长春", "某某", NAME])
def test_part_of_the_enterprises_name_finds_its_request(
    session: Session, people: People, case: Case, typed: str
) -> None:
    assert hits(session, people.staff, typed)[case.request.id] == (MatchReason.ENTERPRISE,)
    assert queue(session, people.staff, typed)[case.request.id] == (MatchReason.ENTERPRISE,)


def test_the_credit_code_finds_the_request(session: Session, people: People, case: Case) -> None:
    code = case.request.enterprise.credit_code
    assert len(code) == 18
    assert hits(session, people.staff, code) == {case.request.id: (MatchReason.CREDIT_CODE,)}
    assert hits(session, people.director, code.lower()) == {case.request.id: (MatchReason.CREDIT_CODE,)}
    assert queue(session, people.staff, code) == {case.request.id: (MatchReason.CREDIT_CODE,)}


def test_the_product_name_finds_the_request(session: Session, people: People, case: Case) -> None:
    assert hits(session, people.staff, "超声诊断") == {case.request.id: (MatchReason.PRODUCT,)}
    assert queue(session, people.staff, "超声诊断") == {case.request.id: (MatchReason.PRODUCT,)}
    # The enterprise finds its own requests by product too.
    assert hits(session, case.contact, "超声诊断") == {case.request.id: (MatchReason.PRODUCT,)}


def test_an_enterprise_does_not_find_all_its_requests_by_its_own_name(session: Session, case: Case) -> None:
    """Its name and credit code stand in every one of its requests: searching them would find them all."""
    assert hits(session, case.contact, "某某医疗") == {}
    assert hits(session, case.contact, case.request.enterprise.credit_code) == {}


@pytest.mark.parametrize("typed", ["full", "year", "padded", "digits", "lower"])
def test_the_reference_number_or_its_last_digits_find_the_request(
    session: Session, people: People, case: Case, typed: str
) -> None:
    request = case.request
    text = {
        "full": request.reference,
        "year": f"{request.year}-{request.sequence}",
        "padded": f"{request.sequence:04d}",
        "digits": str(request.sequence),
        "lower": request.reference.lower(),
    }[typed]
    assert request.reference.endswith(f"-{request.sequence:06d}")
    found = search_requests(session, people.staff, text).hits
    assert found[0].request.id == request.id and found[0].reasons[0] == MatchReason.REFERENCE
    assert queue(session, people.staff, text)[request.id][0] == MatchReason.REFERENCE
    assert hits(session, case.contact, text)[request.id][0] == MatchReason.REFERENCE


def test_a_reference_number_comes_before_the_requests_that_only_mention_it(
    session: Session, people: People, settings: DeskSettings, case: Case
) -> None:
    digits = str(case.request.sequence)
    newer = submit_request(session, people.owner, draft(title=f"第 {digits} 号文件"), settings=settings, now=TUESDAY_10)
    found = search_requests(session, people.staff, digits).hits
    assert [(hit.request.id, hit.reasons) for hit in found][:2] == [
        (case.request.id, (MatchReason.REFERENCE,)),
        (newer.id, (MatchReason.TEXT,)),
    ]


def test_reference_numbers_are_read_as_staff_type_them() -> None:
    assert parse_reference("JL-2026-000042") == parse_reference("2026-42") != parse_reference("42")
    assert parse_reference("0042") == parse_reference("42") == parse_reference("４２")
    assert parse_reference("ＪＬ－２０２６－０００４２") == parse_reference("jl-2026-42")
    assert parse_reference("42").year is None and parse_reference("42").sequence == 42  # type: ignore[union-attr]
    for not_a_number in ("0", "000", "1234567", "JL-2026", "JL-42", "42 43", "注册", ""):
        assert parse_reference(not_a_number) is None, not_a_number


def test_another_stations_request_is_not_found_by_any_of_them(session: Session, people: People, case: Case) -> None:
    request = case.request
    for text in ("某某医疗", request.enterprise.credit_code, "超声诊断", request.reference, str(request.sequence)):
        assert request.id not in hits(session, people.other_staff, text), text
        assert request.id not in queue(session, people.other_staff, text), text
        assert request.id not in hits(session, people.other_enterprise, text), text
        assert request.id in hits(session, people.hub_staff, text), text


def test_each_hit_says_everywhere_the_words_stand(
    session: Session, people: People, settings: DeskSettings, case: Case
) -> None:
    request = case.request
    add_message(session, people.staff, request.id, "请补充超声探头的说明。", settings=settings)
    add_message(session, people.staff, request.id, "内部：某某医疗曾咨询过型式检验。", internal=True, settings=settings)
    assert hits(session, people.staff, "某某医疗 超声") == {
        request.id: (MatchReason.ENTERPRISE, MatchReason.PRODUCT, MatchReason.REPLY, MatchReason.NOTE)
    }
    assert hits(session, people.staff, "型式检验") == {request.id: (MatchReason.TEXT, MatchReason.NOTE)}
    assert hits(session, case.contact, "超声") == {request.id: (MatchReason.PRODUCT, MatchReason.REPLY)}
    # The queues read no replies: a request no field explains matched in one.
    assert queue(session, people.staff, "探头") == {request.id: (MatchReason.REPLY,)}


def test_a_changed_product_or_enterprise_name_is_found_at_once(session: Session, people: People, case: Case) -> None:
    request = case.request
    request.product_name = "心电图机"
    session.commit()
    assert hits(session, people.staff, "心电图机") == {request.id: (MatchReason.PRODUCT,)}
    assert hits(session, people.staff, "超声诊断") == {}
    request.enterprise.name = "吉林新名医疗科技有限公司"
    session.commit()
    assert hits(session, people.staff, "新名医疗") == {request.id: (MatchReason.ENTERPRISE,)}
    assert hits(session, people.staff, "某某医疗") == {}


def test_a_request_written_by_the_orm_is_found_by_its_enterprise_and_product(
    session: Session, people: People, case: Case
) -> None:
    """An import or a script that adds a request object (no submission) gets the same document."""
    enterprise = case.request.enterprise
    written = ServiceRequest(
        reference="JL-2026-900001",
        year=2026,
        sequence=900001,
        enterprise_id=enterprise.id,
        submitter_id=case.contact.id,
        channel=case.request.channel,
        title="导入的诉求",
        description="历史数据。",
        category=case.request.category,
        product_name="心电图机",
        lifecycle_stage=case.request.lifecycle_stage,
        station_id=enterprise.station_id,
    )
    session.add(written)
    session.commit()
    assert hits(session, people.staff, "某某医疗 心电图机") == {
        written.id: (MatchReason.ENTERPRISE, MatchReason.PRODUCT)
    }
    assert hits(session, people.staff, "900001")[written.id] == (MatchReason.REFERENCE,)
