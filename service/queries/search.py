"""Full-text search of requests: scoped by the policy, ranked, with the matches highlighted.

The query's words become index terms as documents' texts do
(service.rules.text_index); the database's full-text index finds the
requests, joined to ``requests`` so that ``visible_requests(actor)`` decides
what the actor may find. Enterprises search only public text (title,
description, public replies); desk users internal notes too.

Ranking is bounded: the newest CANDIDATES matches in scope are ranked (bm25 on
SQLite, ts_rank on PostgreSQL) and the rest counted as "more". A common word
in a million requests therefore costs what a rare one does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import Select, bindparam, column, func, literal_column, select, table
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, joinedload

from service.models import Message, Role, ServiceRequest, User
from service.rules import policy
from service.rules.text_index import HAN, Query, is_term, parse_query

CANDIDATES = 1000
PER_PAGE = 20
SNIPPET_CHARS = 160

_fts = table("search_index", column("rowid"))
_docs = table("search_documents", column("request_id"), column("document"))
# bm25 weights of the FTS5 columns: title, public text, internal notes, scope tokens.
_BM25_WEIGHTS = (4.0, 1.0, 0.5, 0.0)


def sees_internal(actor: User) -> bool:
    """Internal notes are searchable by whoever the policy lets read them (request.view_internal): not enterprises."""
    return actor.role != Role.ENTERPRISE


def scope_token(actor: User) -> str | None:
    """The index's scope token narrowing ``actor``'s search (None: every request).

    Mirrors policy.visible_requests so that the index skips what the policy's
    clause, still applied on the join, would drop anyway: it can only make a
    search cheaper, never widen it.
    """
    if policy.sees_every_station(actor):
        return None
    if actor.role == Role.ENTERPRISE and actor.enterprise_id is not None:
        return f"e{actor.enterprise_id}"
    if actor.role in policy.DESK_ROLES and actor.station_id is not None:
        return f"s{actor.station_id}"
    return None


def _checked(query: Query) -> Query:
    for clause in query.clauses:
        if not all(is_term(t) for t in clause.terms):
            raise ValueError("query terms must come from text_index")
    return query


def fts5_expression(query: Query, internal: bool, scope: str | None) -> str:
    """The FTS5 MATCH string: each clause a quoted phrase (or prefix), ANDed, in the columns the reader may search."""
    parts = []
    for clause in _checked(query).clauses:
        quoted = '"' + " ".join(clause.terms) + '"'
        parts.append(quoted + "*" if clause.prefix else quoted)
    columns = "title_terms public_terms internal_terms" if internal else "title_terms public_terms"
    expression = "{" + columns + "} : (" + " AND ".join(parts) + ")"
    return f"scope_terms : {scope} AND {expression}" if scope else expression


def tsquery_literal(query: Query, internal: bool, scope: str | None) -> str:
    """The PostgreSQL tsquery: phrases of lexemes, ANDed, in the weights the reader may search."""
    weights = "ABC" if internal else "AB"
    parts = [f"'{scope}':D"] if scope else []
    for clause in _checked(query).clauses:
        if clause.prefix:
            parts.append(f"'{clause.terms[0]}':*{weights}")
        else:
            parts.append("(" + " <-> ".join(f"'{t}':{weights}" for t in clause.terms) + ")")
    return " & ".join(parts)


def candidates_select(dialect: str, actor: User, query: Query, limit: int = CANDIDATES + 1) -> Select:
    """(id, score) of the newest ``limit`` matches ``actor`` may see; a higher score ranks first."""
    internal, scope = sees_internal(actor), scope_token(actor)
    if dialect == "sqlite":
        score = -func.bm25(literal_column("search_index"), *_BM25_WEIGHTS)
        match = literal_column("search_index").op("MATCH")(
            bindparam("match", fts5_expression(query, internal, scope)))
        key = _fts.c.rowid
        source = _fts.join(ServiceRequest, ServiceRequest.id == key)
    else:
        tsquery = bindparam("tsquery", tsquery_literal(query, internal, scope)).cast(postgresql.TSQUERY)
        # Ranked on the words alone: in an AND query ts_rank weighs how close the terms stand, and the
        # scope token stands at the end of the document.
        words = bindparam("words", tsquery_literal(query, internal, None)).cast(postgresql.TSQUERY)
        score = func.ts_rank(_docs.c.document, words)
        match = _docs.c.document.op("@@")(tsquery)
        key = _docs.c.request_id
        source = _docs.join(ServiceRequest, ServiceRequest.id == key)
    return (select(key.label("id"), score.label("score")).select_from(source)
            .where(match, policy.visible_requests(actor)).order_by(key.desc()).limit(limit))


@dataclass
class Hit:
    request: ServiceRequest
    title: Markup
    snippet: Markup | None
    # Where the snippet comes from: "description", "reply" or "internal".
    source: str | None
    score: float


@dataclass
class SearchResults:
    text: str
    query: Query
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    capped: bool = False
    page: int = 1
    pages: int = 0

    @property
    def count_label(self) -> str:
        return f"{self.total:,}+" if self.capped else f"{self.total:,}"


def search_requests(session: Session, actor: User, text: str, page: int = 1,
                    per_page: int = PER_PAGE) -> SearchResults:
    """One page of the requests ``actor`` may see that contain every word of ``text``, best first."""
    query = parse_query(text)
    results = SearchResults(text=text, query=query)
    if not query:
        return results
    dialect = session.get_bind().dialect.name
    scored = session.execute(candidates_select(dialect, actor, query)).all()
    results.capped = len(scored) > CANDIDATES
    scored = sorted(scored[:CANDIDATES], key=lambda row: (-row.score, -row.id))
    results.total = len(scored)
    results.pages = -(-results.total // per_page)
    results.page = min(max(page, 1), max(results.pages, 1))
    chosen = scored[(results.page - 1) * per_page:results.page * per_page]
    if chosen:
        results.hits = _hits(session, actor, query, chosen)
    return results


def _hits(session: Session, actor: User, query: Query, chosen: list) -> list[Hit]:
    ids = [row.id for row in chosen]
    requests = {r.id: r for r in session.scalars(
        select(ServiceRequest).where(ServiceRequest.id.in_(ids))
        .options(joinedload(ServiceRequest.enterprise), joinedload(ServiceRequest.station),
                 joinedload(ServiceRequest.assignee)))}
    messages_query = select(Message.request_id, Message.body, Message.internal).where(Message.request_id.in_(ids))
    if not sees_internal(actor):
        messages_query = messages_query.where(Message.internal.is_(False))
    texts: dict[int, list[tuple[str, str]]] = {i: [] for i in ids}
    for request_id, body, internal in session.execute(messages_query.order_by(Message.id)):
        texts[request_id].append(("internal" if internal else "reply", body))
    pattern = highlight_pattern(query)
    hits = []
    for row in chosen:
        request = requests.get(row.id)
        if request is None:
            continue
        sources = [("description", request.description), *texts[row.id]]
        source, snippet = next(((name, found) for name, body in sources
                                if (found := snippet_of(body, pattern)) is not None), (None, None))
        hits.append(Hit(request, mark(request.title, pattern), snippet, source, float(row.score)))
    return hits


_WORD_CHAR = rf"[^\W_{HAN}]"


def highlight_pattern(query: Query) -> re.Pattern[str] | None:
    """A regex finding the query's words in raw text: Latin words whole, Chinese as written."""
    alternatives = []
    for clause in sorted(query.clauses, key=lambda c: -len(c.surface)):
        word = re.escape(clause.surface)
        alternatives.append(rf"(?<!{_WORD_CHAR}){word}(?!{_WORD_CHAR})" if clause.latin else word)
    return re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None


def mark(text: str, pattern: re.Pattern[str] | None) -> Markup:
    """``text`` escaped, with each match wrapped in <mark> (the text never reaches the page unescaped)."""
    if pattern is None:
        return escape(text)
    pieces, last = [], 0
    for found in pattern.finditer(text):
        pieces.append(escape(text[last:found.start()]))
        pieces.append(Markup("<mark>%s</mark>") % found.group())
        last = found.end()
    pieces.append(escape(text[last:]))
    return Markup("").join(pieces)


def snippet_of(text: str, pattern: re.Pattern[str] | None, width: int = SNIPPET_CHARS) -> Markup | None:
    """A window of ``text`` around its first match, highlighted; None when nothing matches."""
    found = pattern.search(text) if pattern and text else None
    if found is None:
        return None
    start = max(0, min(found.start() - width // 3, len(text) - width))
    window = text[start:start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return escape(prefix) + mark(window, pattern) + escape(suffix)
