"""Full-text search: Chinese precision, English and mixed words, scope, freshness, ranking."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from service.infrastructure import search_index
from service.models import ServiceRequest, User
from service.operations.requests import add_message, transfer_request
from service.queries import search
from service.queries.search import search_requests
from service.store.settings import DeskSettings
from tests import factories
from tests.factories import People
from tests.request_helpers import submit


def found(session: Session, user: User, text: str) -> set[int]:
    return {hit.request.id for hit in search_requests(session, user, text).hits}


@pytest.fixture()
def corpus(session: Session, people: People, settings: DeskSettings) -> dict[str, ServiceRequest]:
    """Requests whose texts hold a word, only its characters, or the characters apart or reversed."""
    texts = {
        "title": ("第二类产品注册咨询", "请指导。"),
        "description": ("产品咨询", "我们准备提交注册申报资料。"),
        "apart": ("注意事项", "请阅读使用手册。"),
        "reversed": ("名册注明", "附件已上传。"),
        "clinical": ("临床评价路径", "同品种比对。"),
        "not_clinical": ("临时床位申请", "临时增加床位。"),
        "english": ("EMC test failed", "The EMC Test failed twice."),
        "emcee": ("Emcee training", "An emcee, not an electromagnetic test."),
        "mixed": ("EMC 注册 question", "同时涉及注册与电磁兼容。"),
    }
    return {
        key: submit(session, people, settings, title=title, description=description)
        for key, (title, description) in texts.items()
    }


def test_a_two_character_word_finds_exactly_the_requests_containing_it(
    session: Session, people: People, corpus: dict[str, ServiceRequest]
) -> None:
    assert found(session, people.staff, "注册") == {corpus[k].id for k in ("title", "description", "mixed")}
    assert found(session, people.staff, "临床") == {corpus["clinical"].id}


def test_a_longer_chinese_word_must_appear_as_written(
    session: Session, people: People, corpus: dict[str, ServiceRequest]
) -> None:
    assert found(session, people.staff, "临床评价") == {corpus["clinical"].id}
    assert found(session, people.staff, "临床床位") == set()


def test_english_words_match_whole_words_in_any_case(
    session: Session, people: People, corpus: dict[str, ServiceRequest]
) -> None:
    assert found(session, people.staff, "emc") == {corpus["english"].id, corpus["mixed"].id}
    assert found(session, people.staff, "EMCEE") == {corpus["emcee"].id}


def test_a_mixed_query_needs_every_word(session: Session, people: People, corpus: dict[str, ServiceRequest]) -> None:
    assert found(session, people.staff, "注册 EMC") == {corpus["mixed"].id}
    assert found(session, people.staff, "EMC 临床") == set()


def test_a_single_character_finds_it_anywhere_in_a_word(
    session: Session, people: People, corpus: dict[str, ServiceRequest]
) -> None:
    assert {corpus[k].id for k in ("title", "description", "mixed", "reversed")} <= found(session, people.staff, "册")


def test_an_enterprise_finds_only_its_own_requests(
    session: Session, people: People, corpus: dict[str, ServiceRequest]
) -> None:
    assert found(session, people.owner, "注册") == {corpus[k].id for k in ("title", "description", "mixed")}
    assert found(session, people.colleague, "注册") == found(session, people.owner, "注册")
    assert found(session, people.other_enterprise, "注册") == set()


def test_internal_notes_are_searched_by_the_desk_only(
    session: Session, people: People, settings: DeskSettings, corpus: dict[str, ServiceRequest]
) -> None:
    target = corpus["clinical"]
    add_message(session, people.staff, target.id, "内部备注：企业负责人变更", internal=True, settings=settings)
    assert found(session, people.staff, "负责人") == {target.id}
    assert found(session, people.director, "负责人 临床") == {target.id}
    assert found(session, people.owner, "负责人") == set()
    assert found(session, people.owner, "负责人 临床") == set()


def test_staff_of_another_station_find_nothing_and_the_hub_finds_all(
    session: Session, people: People, corpus: dict[str, ServiceRequest]
) -> None:
    assert found(session, people.other_staff, "注册") == set()
    assert corpus["title"].id in found(session, people.hub_staff, "注册")
    assert corpus["title"].id in found(session, people.hub_director, "注册")


def test_a_new_reply_is_found_at_once(
    session: Session, people: People, settings: DeskSettings, corpus: dict[str, ServiceRequest]
) -> None:
    target = corpus["english"]
    assert found(session, people.owner, "型式检验") == set()
    add_message(session, people.staff, target.id, "请补充型式检验报告。", settings=settings)
    assert found(session, people.owner, "型式检验") == {target.id}


def test_an_edited_title_replaces_the_old_words(
    session: Session, people: People, corpus: dict[str, ServiceRequest]
) -> None:
    target = corpus["apart"]
    target.title = "生物学评价项目"
    session.commit()
    assert found(session, people.staff, "生物学") == {target.id}
    assert found(session, people.staff, "注意") == set()


def test_a_transfer_moves_the_request_to_the_other_station_search(
    session: Session, people: People, corpus: dict[str, ServiceRequest], settings: DeskSettings
) -> None:
    target = corpus["clinical"]
    tonghua = factories.station(session, "JL-TH")
    transfer_request(session, people.staff, target.id, target.version, tonghua.id, "属地管理", settings=settings)
    assert found(session, people.other_staff, "临床") == {target.id}
    assert found(session, people.staff, "临床") == set()
    assert found(session, people.owner, "临床") == {target.id}


def test_title_matches_rank_before_description_matches(
    session: Session, people: People, corpus: dict[str, ServiceRequest]
) -> None:
    hits = search_requests(session, people.staff, "注册").hits
    assert hits[0].request.id in (corpus["title"].id, corpus["mixed"].id)
    assert hits[-1].request.id == corpus["description"].id


def test_matches_are_marked_in_escaped_text(session: Session, people: People, settings: DeskSettings) -> None:
    submit(session, people, settings, title="<script>alert(1)</script> 注册 & <b>", description="a<i>注册</i>b")
    [hit] = search_requests(session, people.owner, "注册").hits
    assert str(hit.title) == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>注册</mark> &amp; &lt;b&gt;"
    assert str(hit.snippet) == "a&lt;i&gt;<mark>注册</mark>&lt;/i&gt;b"


def test_latin_words_are_marked_whole(session: Session, people: People, corpus: dict[str, ServiceRequest]) -> None:
    [hit] = search_requests(session, people.staff, "emcee").hits
    assert str(hit.title) == "<mark>Emcee</mark> training"
    assert "<mark>" not in str(search.mark("EMCEE test", search.highlight_pattern(search.parse_query("emc"))))


def test_many_matches_are_counted_as_more_than_the_candidates(
    session: Session, people: People, corpus: dict[str, ServiceRequest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "CANDIDATES", 2)
    results = search_requests(session, people.staff, "注册", per_page=1)
    assert results.capped and results.total == 2 and results.count_label == "2+"
    assert results.pages == 2 and len(results.hits) == 1
    assert (
        search_requests(session, people.staff, "注册", page=2, per_page=1).hits[0].request.id
        != results.hits[0].request.id
    )


def test_an_empty_query_searches_nothing(session: Session, people: People, corpus: dict[str, ServiceRequest]) -> None:
    results = search_requests(session, people.staff, " ，。 ")
    assert not results.query and results.hits == [] and results.total == 0


def test_a_rebuilt_index_finds_the_same_requests(
    session: Session, people: People, corpus: dict[str, ServiceRequest]
) -> None:
    before = found(session, people.staff, "注册")
    connection = session.connection()
    search_index.delete_documents(connection, [r.id for r in corpus.values()])
    assert found(session, people.staff, "注册") == set()
    assert search_index.rebuild(connection) >= len(corpus)
    assert found(session, people.staff, "注册") == before


@pytest.mark.parametrize("walked", [2, 10_000])
def test_a_search_of_several_words_lists_every_match_newest_first_however_far_back(
    session: Session,
    people: People,
    settings: DeskSettings,
    corpus: dict[str, ServiceRequest],
    monkeypatch: pytest.MonkeyPatch,
    walked: int,
) -> None:
    """On PostgreSQL a query of several terms reads the newest documents one by one and asks the full-text
    index only for older matches (search.WALKED): matches on both sides of that line are all found."""
    monkeypatch.setattr(search, "WALKED", walked)
    older = submit(session, people, settings, title="临床评价方案", description="同品种对比资料")
    newer = [submit(session, people, settings, title=f"同品种咨询 {n}", description="临床评价路径") for n in range(3)]
    assert found(session, people.staff, "临床评价 同品种") == {corpus["clinical"].id, older.id, *(r.id for r in newer)}
