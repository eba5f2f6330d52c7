"""Reading the knowledge base: browsing and full-text search of the articles and typical cases a reader may see
(an anonymous visitor and an enterprise the published public ones, the desk every published one and its stations'
drafts: ``policy.visible_articles``), suggestions for the new-request form, an article's revisions, and the counts of
questions it answered (deflections).

Search cuts the words as the requests' search does (service.infrastructure.text_index) and asks the knowledge
index (service.infrastructure.knowledge_index): every word must stand in the title, tags or body, ranked by FTS5's
bm25 on SQLite and ts_rank on PostgreSQL with the title weighing most. A few thousand articles make both cheap.
Suggestions take any of the typed words (the form's title and description are a sentence, not a query), leaving
out those that stand in nearly every question (COMMON_WORDS), and rank by how many of them, and how rare, an
article holds.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from sqlalchemy import ColumnElement, Select, bindparam, column, func, literal_column, select, table
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, joinedload

from service.errors import NotFound
from service.infrastructure.knowledge_index import scope_token
from service.infrastructure.markdown import plain_text
from service.infrastructure.text_index import HAN, Clause, Query, index_terms, is_term, parse_query
from service.models import (
    Category,
    KnowledgeArticle,
    KnowledgeAudience,
    KnowledgeDeflection,
    KnowledgeKind,
    KnowledgeRevision,
    KnowledgeStatus,
    Role,
    User,
)
from service.queries.search import SNIPPET_CHARS, highlight_pattern, mark, snippet_of
from service.rules import policy

PER_PAGE = 20
# How many of the best matches of a search are listed (a word in most of ten thousand articles).
CANDIDATES = 1000
SUGGESTIONS = 5
# A suggestion beside the form shows a shorter window of its text than a search result.
SUGGESTION_SNIPPET = 90
# A sentence's words beyond these add little and cost an index lookup each.
SUGGESTION_TERMS = 12
# Words in nearly every question an enterprise writes: they tell no two questions apart.
COMMON_WORDS = frozenset(
    {
        "请问", "我们", "我司", "公司", "企业", "产品", "医疗", "疗器", "器械", "需要", "如何", "怎么", "什么",
        "是否", "可以", "一个", "这个", "进行", "问题", "关于", "有关", "咨询", "申请", "目前",
        "the", "and", "for", "our", "what", "how", "does", "with", "this", "that", "are", "can", "medical",
        "device", "devices", "product", "products", "company", "need", "about", "which", "from", "should",
        "would", "have", "has", "will", "into", "when", "your", "you",
    }
)  # fmt: skip
MIN_LATIN_WORD = 3
_HAN_TERM = re.compile(rf"^[{HAN}]{{2}}$")

_fts = table("search_knowledge", column("rowid"))
_docs = table("search_knowledge_documents", column("article_id"), column("document"))


def _sees_internal(viewer: User | None) -> bool:
    return viewer is not None and (policy.is_desk(viewer) or viewer.role == Role.ADMIN)


def _fts5(phrases: list[str], joiner: str, scope: list[str]) -> str:
    expression = "{title_terms body_terms} : (" + f" {joiner} ".join(phrases) + ")"
    return " AND ".join([*(f"scope_terms : {token}" for token in scope), expression])


def _tsquery(terms: list[str], joiner: str, scope: list[str]) -> str:
    return " & ".join([*(f"'@{token}'" for token in scope), "(" + f" {joiner} ".join(terms) + ")"])


def _scope(viewer: User | None, category: Category | None = None, kind: KnowledgeKind | None = None) -> list[str]:
    """The index's scope tokens a reader's search must hold (knowledge_index.scope_token): the public audience
    unless the reader is on the desk, and the filters' category and kind."""
    tokens = [] if _sees_internal(viewer) else [scope_token(KnowledgeAudience.PUBLIC)]
    if category is not None:
        tokens.append(scope_token("c", category))
    if kind is not None:
        tokens.append(scope_token("k", kind))
    return tokens


def _every_word(dialect: str, query: Query, scope: list[str]) -> str:
    """The index's query for documents holding every clause of ``query`` (its terms come from text_index)."""
    clauses = [c for c in query.clauses if all(is_term(t) for t in c.terms)]
    if dialect == "sqlite":
        phrases = ['"' + " ".join(c.terms) + '"' + ("*" if c.prefix else "") for c in clauses]
        return _fts5(phrases, "AND", scope)
    terms = [f"'{t}'" + (":*" if c.prefix else "") for c in clauses for t in c.terms]
    return _tsquery(terms, "&", scope)


def _any_word(dialect: str, terms: list[str], scope: list[str]) -> str:
    if dialect == "sqlite":
        return _fts5([f'"{t}"' for t in terms], "OR", scope)
    return _tsquery([f"'{t}'" for t in terms], "|", scope)


def _matching(dialect: str, expression: str) -> tuple[ColumnElement[int], ColumnElement[bool], ColumnElement[Any]]:
    """The index's key, its match of ``expression``, and the rank to sort by ascending (best first)."""
    if dialect == "sqlite":
        match = literal_column("search_knowledge").op("MATCH")(bindparam("knowledge_match", expression))
        return _fts.c.rowid, match, func.bm25(literal_column("search_knowledge"), 5.0, 1.0, 0.0)
    query = bindparam("knowledge_tsquery", expression).cast(postgresql.TSQUERY)
    return _docs.c.article_id, _docs.c.document.op("@@")(query), -func.ts_rank(_docs.c.document, query)


@dataclass
class KnowledgeHit:
    article: KnowledgeArticle
    title: Markup
    snippet: Markup | None


@dataclass
class KnowledgeResults:
    text: str
    hits: list[KnowledgeHit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 0


def _filtered(
    statement: Select[Any], viewer: User | None, category: Category | None, kind: KnowledgeKind | None
) -> Select[Any]:
    statement = statement.where(policy.visible_articles(viewer))
    if category is not None:
        statement = statement.where(KnowledgeArticle.category == category)
    if kind is not None:
        statement = statement.where(KnowledgeArticle.kind == kind)
    return statement


def search_articles(
    session: Session,
    viewer: User | None,
    text: str = "",
    *,
    category: Category | None = None,
    kind: KnowledgeKind | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> KnowledgeResults:
    """One page of what ``viewer`` (None: an anonymous visitor) may read: with words, the published articles and
    cases holding every word, best first (the CANDIDATES best), highlighted; without, every readable one of the
    filters, newest first."""
    query = parse_query(text)
    results = KnowledgeResults(text=text)
    if query:
        # The index alone answers (only published articles are in it; its scope tokens hold the audience and the
        # filters), ranked; the hits are read for one page.
        dialect = session.get_bind().dialect.name
        key, match, rank = _matching(dialect, _every_word(dialect, query, _scope(viewer, category, kind)))
        ranked = list(session.scalars(select(key).where(match).order_by(rank, key.desc()).limit(CANDIDATES)))
        results.total = len(ranked)
    else:
        readable = _filtered(select(KnowledgeArticle.id), viewer, category, kind)
        results.total = session.scalar(select(func.count()).select_from(readable.subquery())) or 0
    results.pages = -(-results.total // per_page)
    results.page = min(max(page, 1), max(results.pages, 1))
    first = (results.page - 1) * per_page
    if query:
        ids = ranked[first : first + per_page]
    else:
        ids = list(session.scalars(readable.order_by(KnowledgeArticle.id.desc()).limit(per_page).offset(first)))
    results.hits = _hits(session, ids, highlight_pattern(query) if query else None, viewer=viewer)
    return results


def suggestion_terms(text: str) -> list[str]:
    """The typed words an article must hold one of to be suggested: two-character Chinese words and English words,
    each once, without COMMON_WORDS."""
    kept = []
    for term in dict.fromkeys(index_terms(text[:400]).split()):
        han = bool(_HAN_TERM.match(term))
        if term in COMMON_WORDS or not (han or (len(term) >= MIN_LATIN_WORD and not any(c in HAN for c in term))):
            continue
        kept.append(term)
    return kept[:SUGGESTION_TERMS]


def suggest_articles(session: Session, text: str, limit: int = SUGGESTIONS) -> list[KnowledgeHit]:
    """The published public articles and cases that best answer what an enterprise is typing (``text``: the new
    request's title and description)."""
    terms = suggestion_terms(text)
    if not terms:
        return []
    dialect = session.get_bind().dialect.name
    key, match, rank = _matching(dialect, _any_word(dialect, terms, _scope(None)))
    source = _fts if dialect == "sqlite" else _docs
    ids = list(session.scalars(select(key).select_from(source).where(match).order_by(rank, key.desc()).limit(limit)))
    clauses = tuple(Clause((t,), False, t, not _HAN_TERM.match(t)) for t in terms)
    return _hits(session, ids, highlight_pattern(Query(clauses)), viewer=None, width=SUGGESTION_SNIPPET)


def _hits(
    session: Session,
    ids: list[int],
    pattern: re.Pattern[str] | None,
    *,
    viewer: User | None,
    width: int = SNIPPET_CHARS,
) -> list[KnowledgeHit]:
    if not ids:
        return []
    # The policy's clause again: whatever the index holds, a reader is shown only what it may read.
    statement = select(KnowledgeArticle).where(KnowledgeArticle.id.in_(ids), policy.visible_articles(viewer))
    articles = {a.id: a for a in session.scalars(statement.options(joinedload(KnowledgeArticle.station)))}
    hits = []
    for article_id in ids:
        article = articles.get(article_id)
        if article is None:
            continue
        body = plain_text(article.body)
        snippet = snippet_of(body, pattern, width) if pattern else None
        hits.append(KnowledgeHit(article, mark(article.title, pattern), snippet or mark(body[:width], None)))
    return hits


def get_article(session: Session, viewer: User | None, article_id: int) -> KnowledgeArticle:
    """The article, if ``viewer`` may read it; raises NotFound otherwise (a hidden one looks like a missing one)."""
    article = session.scalar(
        select(KnowledgeArticle)
        .where(KnowledgeArticle.id == article_id, policy.visible_articles(viewer))
        .options(joinedload(KnowledgeArticle.station), joinedload(KnowledgeArticle.source_request))
    )
    if article is None:
        raise NotFound()
    return article


@dataclass(frozen=True)
class RevisionView:
    revision: KnowledgeRevision
    # The unified diff of the title and text against the revision before (none for the first).
    diff: list[str]


def revisions(session: Session, article: KnowledgeArticle) -> list[RevisionView]:
    """Every revision of an article, newest first, each with what it changed."""
    rows = list(
        session.scalars(
            select(KnowledgeRevision)
            .where(KnowledgeRevision.article_id == article.id)
            .options(joinedload(KnowledgeRevision.changed_by))
            .order_by(KnowledgeRevision.number)
        )
    )
    views, before = [], None
    for row in rows:
        diff: list[str] = []
        if before is not None:
            old = [before.title, "", *before.body.splitlines()]
            new = [row.title, "", *row.body.splitlines()]
            diff = list(difflib.unified_diff(old, new, f"#{before.number}", f"#{row.number}", lineterm="", n=1))
        views.append(RevisionView(row, diff))
        before = row
    return list(reversed(views))


@dataclass(frozen=True)
class DeskArticle:
    article: KnowledgeArticle
    answered: int


def desk_articles(session: Session, actor: User, status: KnowledgeStatus | None = None) -> list[DeskArticle]:
    """The articles and cases the desk sees (its stations' drafts, every published one), with how many questions
    each answered on the new-request form, newest change first."""
    answered = (
        select(KnowledgeDeflection.article_id, func.count().label("answered"))
        .group_by(KnowledgeDeflection.article_id)
        .subquery()
    )
    statement = (
        select(KnowledgeArticle, func.coalesce(answered.c.answered, 0))
        .outerjoin(answered, answered.c.article_id == KnowledgeArticle.id)
        .where(policy.visible_articles(actor))
        .options(joinedload(KnowledgeArticle.station), joinedload(KnowledgeArticle.updated_by))
        .order_by(KnowledgeArticle.updated_at.desc(), KnowledgeArticle.id.desc())
    )
    if status is not None:
        statement = statement.where(KnowledgeArticle.status == status)
    return [DeskArticle(article, count) for article, count in session.execute(statement)]


def deflections_select(actor: User, station_id: int | None, start: Any, end: Any) -> Select[Any]:
    """How many questions the knowledge base answered in [start, end) for the dashboard's reader (their station's
    enterprises, or the chosen station's, or all): one range of ix_knowledge_deflections_created."""
    statement = (
        select(func.count())
        .select_from(KnowledgeDeflection)
        .where(KnowledgeDeflection.created_at >= start, KnowledgeDeflection.created_at < end)
    )
    scope = policy.scope_of(actor)
    station = station_id if scope.every else scope.station_id
    if station is not None:
        statement = statement.where(KnowledgeDeflection.station_id == station)
    elif not scope.every:
        statement = statement.where(KnowledgeDeflection.id.is_(None))
    return statement


def case_of_request(session: Session, request_id: int) -> KnowledgeArticle | None:
    """The typical case drafted from a request, if any (the desk's request page links to it)."""
    return session.scalar(select(KnowledgeArticle).where(KnowledgeArticle.source_request_id == request_id))
