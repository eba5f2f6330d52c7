"""The knowledge base's demo and generated data: the quickstart's articles answer a classification question in
either language, and the generator's thousands are published, indexed and found."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from service.demo import bulk as demo_data
from service.demo.bulk_knowledge import generate_articles
from service.demo.seed_knowledge import ARTICLES, seed_demo_knowledge
from service.models import KnowledgeArticle, KnowledgeKind, KnowledgeLanguage, KnowledgeRevision, KnowledgeStatus
from service.queries.knowledge import search_articles, suggest_articles
from tests.scratch import scratch_engine

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
GENERATED = 400


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A scratch database (the generator commits) with a few requests and the generated knowledge base."""
    with scratch_engine("knowledge", tmp_path_factory.mktemp("knowledge")) as engine:
        demo_data.generate(engine, demo_data.Options(requests=300, enterprises=10, years=1, chunk=300), now=NOW)
        generate_articles(engine, GENERATED, now=NOW)
        yield engine


@pytest.mark.slow  # the bulk data
def test_the_demo_answers_a_classification_question_in_both_languages(generated: Engine) -> None:
    with Session(generated) as session:
        assert seed_demo_knowledge(session) == 0  # idempotent: everything is there already
        zh = suggest_articles(session, "我们的产品分类怎么确定")
        en = suggest_articles(session, "How is our device's classification decided?")
        # Among thousands of generated articles on every subject, the demo's own answer is suggested.
        assert "如何判定医疗器械产品的管理类别（分类界定）" in [hit.article.title for hit in zh]
        assert "How to determine a medical device's classification (class I, II or III)" in [
            h.article.title for h in en
        ]
        cases = session.scalars(select(KnowledgeArticle).where(KnowledgeArticle.kind == KnowledgeKind.CASE)).all()
        assert {c.language for c in cases} == set(KnowledgeLanguage)


@pytest.mark.slow
def test_generated_articles_are_published_with_a_revision_and_found(generated: Engine) -> None:
    with Session(generated) as session:
        total = session.scalar(select(func.count()).select_from(KnowledgeArticle))
        assert total == GENERATED + len(ARTICLES)
        assert session.scalar(select(func.count()).select_from(KnowledgeRevision)) >= total
        published = session.scalar(select(func.count()).where(KnowledgeArticle.status == KnowledgeStatus.PUBLISHED))
        assert published == total
        assert search_articles(session, None, "临床评价").total > 10
        assert search_articles(session, None, "clinical").total > 5
