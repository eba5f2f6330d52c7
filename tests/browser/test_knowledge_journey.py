"""In Chromium: an enterprise typing a classification question into a new request sees the knowledge base's
article beside the form and ends there with "This answered my question" (in Chinese, then in English); an officer
of the provincial station turns a resolved request into a published typical case in two steps (draft, then edit
and publish), which an anonymous visitor reads without the enterprise's name or the request's number.

Screenshots in both languages go to test-artifacts/ (knowledge-*.png)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from service.demo.seed_knowledge import seed_demo_knowledge
from service.models import Enterprise, KnowledgeArticle, KnowledgeDeflection, ServiceRequest, Status, User
from service.operations.requests import take_action
from service.rules.lifecycle import Action
from tests.browser.live import LiveServer, console_errors, request_in_early_intervention, shoot, sign_in

pytestmark = pytest.mark.browser

ENTERPRISE = "contact@boshi-med.example.cn"
OFFICER = "hub.staff@demo.jl.gov.cn"
CCND_OFFICER = "ccnd.staff@demo.jl.gov.cn"
ZH_ARTICLE = "如何判定医疗器械产品的管理类别（分类界定）"
EN_ARTICLE = "How to determine a medical device's classification (class I, II or III)"


@pytest.fixture()
def knowledge(live_server: LiveServer) -> None:
    with live_server.session() as session:
        seed_demo_knowledge(session)


def _deflections(live_server: LiveServer) -> int:
    with live_server.session() as session:
        return session.scalar(select(func.count()).select_from(KnowledgeDeflection)) or 0


def _ask(page: Any, title: str, article: str) -> Any:
    """Type a question into a new request's title; the knowledge base's answer appears beside the form."""
    page.goto("/portal/requests/new")
    page.locator("#title").press_sequentially(title, delay=20)
    suggestion = page.locator(".kb-suggestions li", has_text=article)
    suggestion.wait_for()
    return suggestion


def test_an_enterprise_typing_a_classification_question_is_answered(
    page: Any, live_server: LiveServer, knowledge: None
) -> None:
    errors = console_errors(page)
    before = _deflections(live_server)
    sign_in(page, ENTERPRISE)
    suggestion = _ask(page, "请问我们的产品分类怎么确定", ZH_ARTICLE)
    assert "<mark>" in suggestion.inner_html()
    shoot(page, "knowledge-suggestions-zh", full_page=False)
    suggestion.get_by_role("button", name="这解答了我的问题").click()
    page.wait_for_url("**/portal/")
    assert "很高兴知识库解答了您的问题" in page.inner_text("body")
    assert _deflections(live_server) == before + 1

    sign_in(page, ENTERPRISE, language="en")
    suggestion = _ask(page, "Classification of our glucose app", EN_ARTICLE)
    shoot(page, "knowledge-suggestions-en", full_page=False)
    suggestion.get_by_role("button", name="This answered my question").click()
    page.wait_for_url("**/portal/")
    assert _deflections(live_server) == before + 2
    assert errors == []


def _resolved_request(live_server: LiveServer) -> int:
    with live_server.session() as session:
        contact = session.scalars(select(User).where(User.email == ENTERPRISE)).one()
        officer = session.scalars(select(User).where(User.email == CCND_OFFICER)).one()
    request_id = request_in_early_intervention(
        live_server,
        contact.id,
        officer.id,
        "博识医疗的BX-200血糖仪能否豁免临床评价",
        "我司BX-200血糖仪与已上市产品原理相同。",
    )
    with live_server.session() as session:
        request = session.get_one(ServiceRequest, request_id)
        request.product_name = "BX-200血糖仪"  # as the form's product field would have it
        session.commit()
        officer = session.get_one(User, officer.id)
        take_action(
            session,
            officer,
            request.id,
            request.version,
            Action.RESOLVE,
            settings=live_server.settings.desk,
            summary="BX-200血糖仪可按同品种路径开展临床评价，请长春博识医疗科技有限公司补充对比资料。",
        )
        assert session.get_one(ServiceRequest, request_id).status in (Status.RESOLVED, Status.REVIEW)
    return request_id


def test_an_officer_turns_a_result_into_a_published_case_in_two_steps(
    page: Any, live_server: LiveServer, knowledge: None
) -> None:
    errors = console_errors(page)
    request_id = _resolved_request(live_server)
    with live_server.session() as session:
        request = session.get_one(ServiceRequest, request_id)
        enterprise_name = session.get_one(Enterprise, request.enterprise_id).name
        reference = request.reference
    sign_in(page, OFFICER)
    page.goto(f"/desk/requests/{request_id}")
    # Step 1: draft.
    page.get_by_role("button", name="生成典型案例").click()
    page.wait_for_url("**/edit")
    body = page.locator("#body").input_value()
    assert "某企业" in body and "某产品" in body and enterprise_name not in body and "BX-200" not in body
    shoot(page, "knowledge-case-draft-zh")
    # Step 2: edit and publish.
    page.fill("#title", "某企业血糖仪按同品种路径完成临床评价")
    page.get_by_role("button", name="保存并发布").click()
    page.wait_for_load_state()
    assert "文章已发布" in page.inner_text("body")
    case_url = page.url
    assert f"/desk/requests/{request_id}" in page.content()

    page.context.clear_cookies()
    page.goto(case_url)
    text = page.inner_text("main")
    assert "某企业血糖仪按同品种路径完成临床评价" in text and "典型案例" in text
    assert (
        enterprise_name not in text and reference not in text and f"/desk/requests/{request_id}" not in page.content()
    )
    shoot(page, "knowledge-case-public-zh")
    page.locator("form.lang button").click()
    page.wait_for_load_state()
    assert "Typical case" in page.inner_text("main")
    shoot(page, "knowledge-case-public-en")
    with live_server.session() as session:
        case = session.scalars(select(KnowledgeArticle).where(KnowledgeArticle.source_request_id == request_id)).one()
        assert case.published
    assert errors == []
