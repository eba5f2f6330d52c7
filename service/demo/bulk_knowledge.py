"""The knowledge base at scale for ``flask demo-data --articles N``: the demo's own articles and cases
(service.demo.seed_knowledge), then N generated ones in Chinese and English, most of them public and published,
a third of them typical cases, written as plain rows with their search-index documents in batches."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from service.demo import seed, texts
from service.demo.seed_knowledge import WRITER, seed_demo_knowledge
from service.infrastructure import knowledge_index
from service.models import (
    Category,
    KnowledgeArticle,
    KnowledgeAudience,
    KnowledgeChange,
    KnowledgeKind,
    KnowledgeLanguage,
    KnowledgeRevision,
    KnowledgeStatus,
    Station,
)

BATCH = 2_000
HEADINGS = {
    KnowledgeKind.ARTICLE: {True: ("Question", "Answer"), False: ("问题", "解答")},
    KnowledgeKind.CASE: {True: ("Question", "How the station helped"), False: ("问题", "办理情况")},
}


def _article(
    rng: random.Random, article_id: int, station_ids: list[int], writer_id: int, now: datetime
) -> tuple[dict[str, object], dict[str, object], knowledge_index.KnowledgeDocument]:
    english = rng.random() < 0.35
    kind = KnowledgeKind.CASE if rng.random() < 0.3 else KnowledgeKind.ARTICLE
    category = rng.choice(list(Category))
    product, title, sentences = texts.request_text(rng, category, english)
    if kind == KnowledgeKind.CASE:
        # A case names no product: "the {p}" of the English texts becomes "the product".
        neutral = "product" if english else "某产品"
        sentences = [s.replace(product, neutral) for s in sentences]
        title = title.replace(product, neutral)
    question, answer = HEADINGS[kind][english]
    answers = [texts.reply(rng, english), texts.summary(rng)]
    body = f"## {question}\n\n{' '.join(sentences)}\n\n## {answer}\n\n" + "\n\n".join(answers)
    tags = ",".join(dict.fromkeys([product, category.value.replace("_", " ")]))[:200]
    audience = KnowledgeAudience.INTERNAL if rng.random() < 0.1 else KnowledgeAudience.PUBLIC
    when = now - timedelta(days=rng.randrange(5 * 365), minutes=rng.randrange(24 * 60))
    row: dict[str, object] = {
        "id": article_id,
        "kind": kind,
        "title": title[:200],
        "body": body,
        "category": category,
        "product_area": None,
        "tags": tags,
        "language": KnowledgeLanguage.EN if english else KnowledgeLanguage.ZH,
        "audience": audience,
        "status": KnowledgeStatus.PUBLISHED,
        "station_id": rng.choice(station_ids),
        "source_request_id": None,
        "created_by_id": writer_id,
        "created_at": when,
        "updated_by_id": writer_id,
        "updated_at": when,
        "published_at": when,
        "revision": 1,
        "version": 1,
    }
    revision: dict[str, object] = {
        "article_id": article_id,
        "number": 1,
        "change": KnowledgeChange.CREATED,
        "title": row["title"],
        "body": body,
        "changed_by_id": writer_id,
        "changed_at": when,
    }
    document = knowledge_index.document_of(article_id, str(row["title"]), tags, body, audience, category, kind)
    return row, revision, document


def generate_articles(engine: Engine, count: int, seed_value: int = 2026, now: datetime | None = None) -> int:
    """Write the demo's knowledge base and ``count`` generated articles and cases; returns how many were generated."""
    now = now or datetime.now(UTC)
    rng = random.Random(seed_value + 25)
    with Session(engine) as session:
        seed_demo_knowledge(session)
        writer_id = seed.demo_user(session, WRITER).id
        station_ids = list(session.scalars(select(Station.id).order_by(Station.id)))
        next_id = (session.scalar(select(func.max(KnowledgeArticle.id))) or 0) + 1
        for start in range(0, count, BATCH):
            made = [
                _article(rng, next_id + start + i, station_ids, writer_id, now)
                for i in range(min(BATCH, count - start))
            ]
            session.execute(insert(KnowledgeArticle), [row for row, _, _ in made])
            session.execute(insert(KnowledgeRevision), [revision for _, revision, _ in made])
            knowledge_index.write_documents(session.connection(), [document for _, _, document in made])
            session.commit()
    return count
