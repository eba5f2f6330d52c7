"""The knowledge base's pages: anonymous visitors and enterprises browse and search the public articles, the desk
also its internal ones; an officer writes, a head publishes, a stale save keeps what was typed; the new-request
form's suggestions and "this answered my question"; a typical case drafted from a result in two steps; the
director's dashboard counts the questions answered."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.models import (
    Category,
    KnowledgeAudience,
    KnowledgeDeflection,
    KnowledgeLanguage,
    Role,
    ServiceRequest,
    Status,
)
from service.operations import knowledge
from service.operations.knowledge import ArticleText
from service.store.settings import DeskSettings
from tests.api_support import caller
from tests.factories import People
from tests.request_helpers import in_status
from tests.suite import login
from tests.web_requests_support import EN, get, request_form, send

ZH = {"Accept-Language": "zh"}
CLASSIFICATION = ArticleText(
    "医疗器械产品如何确定管理类别",
    "依据**分类目录**判定。\n\n<script>alert('x')</script>",
    Category.REGISTRATION_DOSSIER,
    KnowledgeLanguage.ZH,
    tags="分类",
)


def _version(html: str) -> int:
    found = re.search(r'name="version"[^>]*value="(\d+)"', html)
    assert found, "no version on the page"
    return int(found.group(1))


def _published(session: Session, people: People, text: ArticleText = CLASSIFICATION) -> int:
    draft = knowledge.create_article(session, people.staff, text)
    return knowledge.publish_article(session, people.director, draft.id, draft.version).id


def test_an_anonymous_visitor_reads_public_articles_safely_and_never_internal_ones(
    client: FlaskClient, session: Session, people: People
) -> None:
    public = _published(session, people)
    assert 'href="/knowledge/"' in client.get("/login", headers=ZH).get_data(as_text=True)
    internal = _published(
        session, people, ArticleText(**{**CLASSIFICATION.__dict__, "audience": KnowledgeAudience.INTERNAL})
    )
    page = client.get("/knowledge/?q=分类", headers=ZH).get_data(as_text=True)
    assert f"/knowledge/{public}" in page and f"/knowledge/{internal}" not in page
    assert "<mark>分类</mark>" in page
    article = client.get(f"/knowledge/{public}", headers=ZH)
    html = article.get_data(as_text=True)
    assert article.status_code == 200 and "<strong>分类目录</strong>" in html
    assert "<script>alert" not in html
    assert client.get(f"/knowledge/{internal}").status_code == 404
    login(client, people.staff)
    assert f"/knowledge/{internal}" in client.get("/knowledge/?q=分类").get_data(as_text=True)


def test_an_officer_writes_a_head_publishes(client: FlaskClient, session: Session, people: People) -> None:
    login(client, people.staff)
    fields = {
        "title": "型式检验报告怎么出",
        "body": "委托检验机构。",
        "category": "type_testing",
        "language": "zh",
        "audience": "public",
        "tags": "检验",
    }
    created = send(client, "/knowledge/new", fields)
    assert created.status_code == 302
    article_id = int(created.location.rsplit("/", 1)[1])
    page = get(client, f"/knowledge/{article_id}").get_data(as_text=True)
    assert "Draft" in page and "Publish</button>" not in page
    version = _version(get(client, f"/knowledge/{article_id}/edit").get_data(as_text=True))
    assert send(client, f"/knowledge/{article_id}/publish", {"version": version}).status_code == 403
    assert "Draft" in get(client, f"/knowledge/{article_id}").get_data(as_text=True)  # refused: still a draft
    assert "Save and publish" not in get(client, f"/knowledge/{article_id}/edit").get_data(as_text=True)
    login(client, people.director)
    send(client, f"/knowledge/{article_id}/publish", {"version": version})
    assert "Withdraw from publication" in get(client, f"/knowledge/{article_id}").get_data(as_text=True)
    bad = send(client, "/knowledge/new", {**fields, "title": "", "category": "nonsense"})
    assert bad.status_code == 400


def test_a_stale_save_answers_409_and_keeps_what_was_typed(
    client: FlaskClient, session: Session, people: People
) -> None:
    draft = knowledge.create_article(session, people.staff, CLASSIFICATION)
    knowledge.edit_article(
        session,
        people.staff2,
        draft.id,
        draft.version,
        ArticleText(**{**CLASSIFICATION.__dict__, "body": "同事先保存的正文"}),
    )
    login(client, people.staff)
    fields = {
        "title": "我的标题",
        "body": "我输入的正文",
        "category": "registration_dossier",
        "language": "zh",
        "audience": "public",
        "version": draft.version - 0,
    }
    response = send(client, f"/knowledge/{draft.id}/edit", {**fields, "version": 1})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "我输入的正文" in html and "同事先保存的正文" in html


def test_suggestions_appear_for_a_classification_question_and_answering_is_counted(
    client: FlaskClient, session: Session, people: People
) -> None:
    article_id = _published(session, people)
    login(client, people.owner)
    form = get(client, "/portal/requests/new").get_data(as_text=True)
    assert "knowledge-suggest.js" in form and 'formaction="/knowledge/"' in form
    fragment = client.get("/knowledge/suggest?q=我们的产品分类怎么确定", headers=EN).get_data(as_text=True)
    assert f"/knowledge/{article_id}" in fragment and "This answered my question" in fragment
    assert "No article matches" in client.get("/knowledge/suggest?q=zebrafish", headers=EN).get_data(as_text=True)
    # The no-script fallback: the request form sent to the search with its title and description.
    fallback = client.get("/knowledge/?title=产品分类&description=怎么确定&category=other", headers=EN).get_data(
        as_text=True
    )
    assert f"/knowledge/{article_id}" in fallback
    before = session.scalar(select(func.count()).select_from(ServiceRequest))
    answered = send(client, f"/knowledge/{article_id}/answered", request_form(title="产品分类"))
    assert answered.status_code == 302 and answered.location == "/portal/"
    assert session.scalar(select(func.count()).select_from(ServiceRequest)) == before
    deflection = session.scalars(select(KnowledgeDeflection)).one()
    assert (deflection.article_id, deflection.user_id, deflection.enterprise_id) == (
        article_id,
        people.owner.id,
        people.enterprise.id,
    )
    login(client, people.director)
    assert re.search(
        r"Requests the knowledge base saved.*?>\s*1\s*<", get(client, "/director/").get_data(as_text=True), re.S
    )
    desk = get(client, "/knowledge/desk").get_data(as_text=True)
    assert re.search(rf'/knowledge/{article_id}".*?<td class="num">1</td>', desk, re.S)


def test_an_officer_turns_a_result_into_a_published_case_in_two_steps(
    client: FlaskClient, session: Session, people: People, app_settings: DeskSettings
) -> None:
    request = in_status(session, people, app_settings, Status.RESOLVED)
    login(client, people.staff)
    assert "Draft a typical case" in get(client, f"/desk/requests/{request.id}").get_data(as_text=True)
    drafted = send(client, f"/knowledge/cases/from-request/{request.id}", {})
    assert drafted.status_code == 302 and drafted.location.endswith("/edit")
    case_id = int(drafted.location.split("/")[2])
    edit = get(client, drafted.location).get_data(as_text=True)
    assert people.enterprise.name not in edit
    version = _version(edit)
    fields = {
        "title": "某企业注册申报资料咨询",
        "body": "## 问题\n\n如何准备。\n\n## 答复\n\n已答复。",
        "category": "registration_dossier",
        "language": "zh",
        "audience": "public",
        "version": version,
    }
    assert send(client, f"/knowledge/{case_id}/edit", fields).status_code == 302
    again = send(client, f"/knowledge/cases/from-request/{request.id}", {})
    assert again.location == f"/knowledge/{case_id}"
    login(client, people.director)
    page = get(client, f"/knowledge/{case_id}").get_data(as_text=True)
    send(client, f"/knowledge/{case_id}/publish", {"version": version + 1})
    assert f"/desk/requests/{request.id}" in page
    client.get("/logout")
    with client.session_transaction() as cookie:
        cookie.clear()
    public = client.get(f"/knowledge/{case_id}", headers=EN).get_data(as_text=True)
    assert (
        "某企业注册申报资料咨询" in public
        and f"/desk/requests/{request.id}" not in public
        and request.reference not in public
    )


def test_the_pages_read_in_chinese(client: FlaskClient, session: Session, people: People) -> None:
    _published(session, people)
    login(client, people.staff)
    assert "知识库" in client.get("/knowledge/desk", headers=ZH).get_data(as_text=True)
    login(client, people.owner)
    assert "这解答了我的问题" in client.get("/knowledge/suggest?q=产品分类", headers=ZH).get_data(as_text=True)


def test_the_api_reads_what_the_caller_may_read(client: FlaskClient, session: Session, people: People) -> None:
    public = _published(session, people)
    internal = _published(
        session, people, ArticleText(**{**CLASSIFICATION.__dict__, "audience": KnowledgeAudience.INTERNAL})
    )
    enterprise, desk = caller(session, Role.ENTERPRISE), caller(session, Role.STAFF)
    found = client.get("/api/v1/knowledge?q=分类", headers=enterprise.headers).get_json()
    assert [item["id"] for item in found["items"]] == [public] and "分类" in found["items"][0]["snippet"]
    assert client.get(f"/api/v1/knowledge/{internal}", headers=enterprise.headers).status_code == 404
    article = client.get(f"/api/v1/knowledge/{internal}", headers=desk.headers).get_json()
    assert article["body"].startswith("依据**分类目录**") and article["tags"] == ["分类"]
    assert client.get("/api/v1/knowledge?category=nonsense", headers=desk.headers).status_code == 422
