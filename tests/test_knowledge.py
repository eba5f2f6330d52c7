"""The knowledge base (知识库) without Flask: writing, publishing and withdrawing through the one policy, revisions,
optimistic locking, sanitised Markdown, typical cases drafted from results with the enterprise's names replaced,
what each reader may see, and the questions answered on the new-request form."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.demo import seed
from service.demo.seed_knowledge import ARTICLES, seed_demo_knowledge
from service.errors import Forbidden, InvalidTransition, NotFound, StaleVersion, ValidationError
from service.infrastructure import knowledge_index
from service.infrastructure.markdown import render
from service.models import (
    Category,
    Event,
    EventKind,
    KnowledgeAudience,
    KnowledgeChange,
    KnowledgeKind,
    KnowledgeLanguage,
    KnowledgeRevision,
    KnowledgeStatus,
    Message,
    Status,
    User,
)
from service.operations import knowledge
from service.operations.knowledge import ArticleText
from service.queries.knowledge import desk_articles, get_article, revisions, search_articles, suggest_articles
from service.rules.anonymise import Identifiers, anonymise, short_forms
from service.store.settings import DeskSettings
from tests.factories import People
from tests.request_helpers import in_status

CLASSIFICATION = ArticleText(
    title="医疗器械产品如何确定管理类别",
    body="依据《医疗器械分类规则》和分类目录判定。\n\n- 查目录\n- 申请分类界定",
    category=Category.REGISTRATION_DOSSIER,
    language=KnowledgeLanguage.ZH,
    tags="分类, 分类界定，分类",
)


def published(session: Session, people: People, text: ArticleText = CLASSIFICATION) -> int:
    article = knowledge.create_article(session, people.staff, text)
    return knowledge.publish_article(session, people.director, article.id, article.version).id


def test_an_officer_drafts_a_head_publishes_and_every_change_is_a_revision(session: Session, people: People) -> None:
    draft = knowledge.create_article(session, people.staff, CLASSIFICATION)
    assert draft.status == KnowledgeStatus.DRAFT and draft.tags == "分类,分类界定"
    assert draft.station_id == people.staff.station_id
    with pytest.raises(Forbidden):
        knowledge.publish_article(session, people.staff, draft.id, draft.version)
    edited = knowledge.edit_article(
        session,
        people.staff2,
        draft.id,
        draft.version,
        ArticleText(**{**CLASSIFICATION.__dict__, "title": "产品分类怎么判定"}),
    )
    article = knowledge.publish_article(session, people.director, edited.id, edited.version)
    assert article.published and article.published_at is not None
    withdrawn = knowledge.withdraw_article(session, people.hub_staff, article.id, article.version)
    assert withdrawn.status == KnowledgeStatus.DRAFT
    rows = revisions(session, withdrawn)
    assert [(r.revision.number, r.revision.change, r.revision.changed_by_id) for r in rows] == [
        (4, KnowledgeChange.WITHDRAWN, people.hub_staff.id),
        (3, KnowledgeChange.PUBLISHED, people.director.id),
        (2, KnowledgeChange.EDITED, people.staff2.id),
        (1, KnowledgeChange.CREATED, people.staff.id),
    ]
    assert "-医疗器械产品如何确定管理类别" in rows[2].diff and "+产品分类怎么判定" in rows[2].diff


def test_a_stale_edit_is_refused_and_changes_nothing(session: Session, people: People) -> None:
    draft = knowledge.create_article(session, people.staff, CLASSIFICATION)
    stale = draft.version
    knowledge.edit_article(
        session, people.staff, draft.id, stale, ArticleText(**{**CLASSIFICATION.__dict__, "body": "新的正文"})
    )
    with pytest.raises(StaleVersion):
        knowledge.edit_article(
            session, people.staff2, draft.id, stale, ArticleText(**{**CLASSIFICATION.__dict__, "body": "另一个"})
        )
    session.expire_all()
    assert get_article(session, people.staff, draft.id).body == "新的正文"


def test_bad_input_and_other_stations_are_refused(session: Session, people: People) -> None:
    with pytest.raises(ValidationError) as error:
        knowledge.create_article(
            session, people.staff, ArticleText(**{**CLASSIFICATION.__dict__, "title": "  ", "body": ""})
        )
    assert set(error.value.fields) == {"title", "body"}
    with pytest.raises(Forbidden):
        knowledge.create_article(session, people.owner, CLASSIFICATION)
    draft = knowledge.create_article(session, people.staff, CLASSIFICATION)
    with pytest.raises(NotFound):  # another station's draft is out of its scope
        knowledge.edit_article(session, people.other_staff, draft.id, draft.version, CLASSIFICATION)
    with pytest.raises(NotFound):
        knowledge.publish_article(session, people.other_director, draft.id, draft.version)
    with pytest.raises(InvalidTransition):
        knowledge.edit_article(session, people.staff, draft.id, draft.version, CLASSIFICATION)


def test_a_script_in_the_markdown_never_reaches_the_page() -> None:
    html = str(
        render("# 标题\n\n<script>alert(1)</script>\n\n[点我](javascript:alert(1)) <img src=x onerror=alert(1)>")
    )
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html  # shown as the text it is
    assert "<strong>粗体</strong>" in str(render("**粗体**"))


def test_each_reader_sees_what_its_audience_allows(session: Session, people: People) -> None:
    public_id = published(session, people)
    internal_id = published(
        session, people, ArticleText(**{**CLASSIFICATION.__dict__, "audience": KnowledgeAudience.INTERNAL})
    )
    draft = knowledge.create_article(session, people.staff, CLASSIFICATION)
    readers: dict[str, User | None] = {
        "anonymous": None,
        "enterprise": people.owner,
        "staff": people.staff,
        "other station": people.other_staff,
    }
    seen = {
        name: {h.article.id for h in search_articles(session, reader, "分类").hits} for name, reader in readers.items()
    }
    assert seen["anonymous"] == seen["enterprise"] == {public_id}
    assert seen["staff"] == seen["other station"] == {public_id, internal_id}  # drafts are not in the index
    assert draft.id in {row.article.id for row in desk_articles(session, people.staff)}
    assert draft.id not in {row.article.id for row in desk_articles(session, people.other_staff)}
    for reader, article_id in ((None, internal_id), (people.owner, internal_id), (people.owner, draft.id)):
        with pytest.raises(NotFound):
            get_article(session, reader, article_id)


def test_search_understands_chinese_words_and_english_and_ranks_the_title_first(
    session: Session, people: People
) -> None:
    in_body = published(
        session,
        people,
        ArticleText(
            "临床评价路径", "同品种比对时，分类相同的产品可作参考。", Category.CLINICAL_EVALUATION, KnowledgeLanguage.ZH
        ),
    )
    in_title = published(session, people)
    english = published(
        session,
        people,
        ArticleText(
            "How a device is classified", "Check the classification catalogue.", Category.POLICY, KnowledgeLanguage.EN
        ),
    )
    found = search_articles(session, None, "分类")
    assert [h.article.id for h in found.hits][:2] == [in_title, in_body]
    assert "<mark>分类</mark>" in str(found.hits[0].snippet)
    assert [h.article.id for h in search_articles(session, None, "classification").hits] == [english]
    assert search_articles(session, None, "分会").hits == []  # 分 and 会 apart are no word
    assert [h.article.id for h in search_articles(session, None, "", category=Category.POLICY).hits] == [english]


def test_suggestions_take_any_telling_word_of_a_sentence(session: Session, people: People) -> None:
    classification = published(session, people)
    published(
        session, people, ArticleText("型式检验报告", "检验机构出具。", Category.TYPE_TESTING, KnowledgeLanguage.ZH)
    )
    internal = published(
        session, people, ArticleText(**{**CLASSIFICATION.__dict__, "audience": KnowledgeAudience.INTERNAL})
    )
    hits = suggest_articles(session, "请问我们公司的产品分类应该怎么确定？")
    assert [h.article.id for h in hits] == [classification]
    assert internal not in {h.article.id for h in hits}
    assert suggest_articles(session, "请问我们公司的产品") == []


def test_a_result_becomes_a_case_with_the_enterprise_named_by_neutral_words(
    session: Session, people: People, settings: DeskSettings
) -> None:
    enterprise = people.enterprise
    people.owner.phone = "13912345678"
    request = in_status(session, people, settings, Status.RESOLVED)
    request.title = f"{enterprise.name}的BX-200血糖仪分类"
    request.product_name = "BX-200血糖仪"
    request.description = (
        f"联系人{people.owner.name}，电话13912345678，邮箱{people.owner.email}，代码{enterprise.credit_code}。"
    )
    request.resolution_summary = "按第二类医疗器械管理。"
    session.add(
        Message(request_id=request.id, author_id=people.staff.id, body="BX-200血糖仪属于第二类。", internal=False)
    )
    session.add(Message(request_id=request.id, author_id=people.staff.id, body="内部备注不外传", internal=True))
    session.commit()
    with pytest.raises(Forbidden):
        knowledge.draft_case(session, people.owner, request.id)
    case = knowledge.draft_case(session, people.staff, request.id)
    assert case.kind == KnowledgeKind.CASE and case.status == KnowledgeStatus.DRAFT
    assert case.source_request_id == request.id and case.station_id == request.station_id
    text = case.title + case.body
    for secret in (
        enterprise.name,
        enterprise.credit_code,
        people.owner.name,
        people.owner.email,
        "13912345678",
        "BX-200",
        "内部备注",
    ):
        assert secret not in text
    assert (
        case.title == "某企业的某产品分类"
        and "某产品属于第二类。" in case.body
        and "按第二类医疗器械管理。" in case.body
    )
    with pytest.raises(InvalidTransition):
        knowledge.draft_case(session, people.staff, request.id)
    assert session.scalars(select(KnowledgeRevision).where(KnowledgeRevision.article_id == case.id)).one().number == 1
    # The request's timeline says so, to the desk alone.
    drafted = session.scalars(
        select(Event).where(Event.request_id == request.id, Event.kind == EventKind.CASE_DRAFTED)
    ).one()
    assert drafted.public is False and drafted.data == {"article_id": case.id} and drafted.actor_id == people.staff.id


def test_only_a_result_becomes_a_case(session: Session, people: People, settings: DeskSettings) -> None:
    request = in_status(session, people, settings, Status.TRIAGED)
    with pytest.raises(Forbidden):
        knowledge.draft_case(session, people.staff, request.id)
    with pytest.raises(NotFound):
        knowledge.draft_case(session, people.other_staff, request.id)


def test_anonymising_english_text_and_the_short_forms_of_a_name() -> None:
    assert short_forms("长春博识医疗科技有限公司")[:4] == [
        "长春博识医疗科技有限公司",
        "长春博识医疗科技",
        "博识医疗科技",
        "博识",
    ]
    found = Identifiers(enterprise_names=("Boshi Medical Technology Co., Ltd.",), products=("GlucoSure",))
    text = "Boshi Medical asked whether GlucoSure from Boshi is class II; call 0431-88886666 or a@b.cn."
    assert anonymise(text, found, KnowledgeLanguage.EN) == (
        "the enterprise asked whether the product from the enterprise is class II; call [phone] or [email]."
    )


def test_an_answered_question_is_counted_for_its_article(session: Session, people: People) -> None:
    article_id = published(session, people)
    knowledge.record_deflection(session, people.owner, article_id)
    knowledge.record_deflection(session, people.colleague, article_id)
    with pytest.raises(Forbidden):
        knowledge.record_deflection(session, people.staff, article_id)
    internal = published(
        session, people, ArticleText(**{**CLASSIFICATION.__dict__, "audience": KnowledgeAudience.INTERNAL})
    )
    with pytest.raises(NotFound):
        knowledge.record_deflection(session, people.owner, internal)
    counts = {row.article.id: row.answered for row in desk_articles(session, people.staff)}
    assert counts[article_id] == 2 and counts[internal] == 0


def test_the_quickstart_answers_a_classification_question_first(session: Session) -> None:
    seed.seed_demo_accounts(session)
    assert seed_demo_knowledge(session) == len(ARTICLES)
    assert suggest_articles(session, "产品分类")[0].article.title == "如何判定医疗器械产品的管理类别（分类界定）"
    english = suggest_articles(session, "classification of our device")[0].article
    assert english.title == "How to determine a medical device's classification (class I, II or III)"


def test_a_head_saves_and_publishes_in_one_step_an_officer_may_not(session: Session, people: People) -> None:
    draft = knowledge.create_article(session, people.staff, CLASSIFICATION)
    changed = ArticleText(**{**CLASSIFICATION.__dict__, "title": "分类界定怎么申请"})
    with pytest.raises(Forbidden):
        knowledge.edit_article(session, people.staff, draft.id, draft.version, changed, publish=True)
    article = knowledge.edit_article(session, people.hub_staff, draft.id, draft.version, changed, publish=True)
    assert article.published and article.title == "分类界定怎么申请"
    assert [r.revision.change for r in revisions(session, article)][:2] == [
        KnowledgeChange.PUBLISHED,
        KnowledgeChange.EDITED,
    ]
    assert [h.article.id for h in search_articles(session, None, "申请").hits] == [article.id]


def test_the_index_answers_the_filters_and_is_rebuilt_after_a_restore(session: Session, people: People) -> None:
    registration = published(session, people)
    clinical = published(
        session,
        people,
        ArticleText("分类与临床评价", "按分类选择临床评价路径。", Category.CLINICAL_EVALUATION, KnowledgeLanguage.ZH),
    )
    assert [
        h.article.id for h in search_articles(session, None, "分类", category=Category.CLINICAL_EVALUATION).hits
    ] == [clinical]
    assert search_articles(session, None, "分类", kind=KnowledgeKind.CASE).hits == []
    assert knowledge_index.rebuild(session.connection()) == 2
    assert {h.article.id for h in search_articles(session, None, "分类").hits} == {registration, clinical}
