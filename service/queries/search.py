"""Search of requests: scoped by the policy, ranked, with the matches highlighted and the reasons they matched.

The query's words become index terms as documents' texts do
(service.infrastructure.text_index); the database's full-text index finds the
requests, joined to ``requests`` so that ``visible_requests(actor)`` decides
what the actor may find. Enterprises search only public text (title,
description, public replies) and the product's name; desk users also the
enterprise's name and credit code, and internal notes. A query that reads as a
reference number (JL-2026-000042, 2026-42, 0042, 42) also finds the requests of that
number, through the (year, sequence) index, before any other.

Ranking is by where the words stand: requests with every word in the heading
(title, product, enterprise) first, then those with them in the public text,
then (desk users) those that need the internal notes; newest first within each tier. Each tier is an
index lookup with a column filter (FTS5) or part-prefixed terms (tsquery), walked
newest first and cut at CANDIDATES, so a common word in a million requests
costs what a rare one does; all tiers go to the database as one statement.
(FTS5's bm25() was measured and dropped: it first counts every document
holding each phrase, about 130 ms for a four-character word in a million
requests, whatever the LIMIT.)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    bindparam,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql.elements import True_

from service.infrastructure.search_index import COLUMNS, PREFIXES
from service.infrastructure.text_index import HAN, Query, contains, is_term, parse_query
from service.models import Enterprise, Message, ReferenceCounter, Role, ServiceRequest, User
from service.rules import policy

# How many of the newest matches are ranked; beyond them the count reads "500+". A common English
# word in a station's share of a million requests is found by walking the documents newest first,
# so this bounds the walk (about 40,000 documents at 500 on PostgreSQL, twice that at 1,000).
CANDIDATES = 500
NO_ID = 2**31 - 1
# PostgreSQL, several terms (see _newest_first): how many of the newest documents are read one by one before
# the full-text index is asked for the older matches (about 40 ms of reading).
WALKED = 50_000
PER_PAGE = 20
SNIPPET_CHARS = 160

# Tiers, best first: the parts of a document (service.search_index) where every word of the query must stand,
# each tier holding the narrower ones' parts.
TITLE, PUBLIC, INTERNAL = "title", "public", "internal"
_HEADING = ("title", "product", "enterprise")
_TIER_PARTS = {TITLE: _HEADING, PUBLIC: (*_HEADING, "public"), INTERNAL: (*_HEADING, "public", "internal")}
# What the queues' word filter finds in the index (see text_matches).
_QUEUE_PARTS = ("title", "product", "public")

# A reference number as staff type it: whole (JL-2026-000042), its year and number, or the number alone, the
# leading zeros optional (000042, 0042, 42). The number is the reference's sequence within its year.
REFERENCE_QUERY = re.compile(r"(?:(?:JL-)?(\d{4})-)?(\d{1,6})", re.IGNORECASE)

_fts = table("search_index", column("rowid"))
_docs = table("search_documents", column("request_id"), column("document"))


def sees_internal(actor: User) -> bool:
    """Internal notes are searchable by whoever the policy lets read them (request.view_internal): not enterprises."""
    return actor.role != Role.ENTERPRISE


def tiers_for(actor: User) -> tuple[str, ...]:
    return (TITLE, PUBLIC, INTERNAL) if sees_internal(actor) else (TITLE, PUBLIC)


def tier_parts(tier: str, actor: User) -> tuple[str, ...]:
    """The parts of the documents ``actor`` searches in ``tier``. Not, for an enterprise, its own name and credit
    code: they stand in every one of its requests, so they would find all of them."""
    parts = _TIER_PARTS[tier]
    return parts if sees_internal(actor) else tuple(part for part in parts if part != "enterprise")


def scope_token(actor: User) -> str | None:
    """The index's scope token narrowing ``actor``'s search (None: every request).

    Built from the same ``policy.scope_of`` as ``visible_requests``, so that the index skips what the
    policy's clause, still applied on the join, would drop anyway: it can only make a
    search cheaper, never widen it.
    """
    scope = policy.scope_of(actor)
    if scope.enterprise_id is not None:
        return f"e{scope.enterprise_id}"
    if scope.station_id is not None:
        return f"s{scope.station_id}"
    return None


def _checked(query: Query) -> Query:
    for clause in query.clauses:
        if not all(is_term(t) for t in clause.terms):
            raise ValueError("query terms must come from text_index")
    return query


def fts5_expression(query: Query, parts: tuple[str, ...], scope: str | None) -> str:
    """The FTS5 MATCH string: each clause a quoted phrase (or prefix), ANDed, in the parts' columns."""
    phrases = []
    for clause in _checked(query).clauses:
        quoted = '"' + " ".join(clause.terms) + '"'
        phrases.append(quoted + "*" if clause.prefix else quoted)
    expression = "{" + " ".join(COLUMNS[part] for part in parts) + "} : (" + " AND ".join(phrases) + ")"
    return f"scope_terms : {scope} AND {expression}" if scope else expression


def tsquery_literal(query: Query, parts: tuple[str, ...], scope: str | None) -> str:
    """The PostgreSQL tsquery: each clause's terms in one of the parts, all ANDed (see search_index).

    A longer Chinese word is the AND of its bigrams here, not their phrase: the
    documents keep no positions, so that the index alone answers.
    """
    terms = [f"'@{scope}'"] if scope else []
    for clause in _checked(query).clauses:
        for term in clause.terms:
            lexeme = f"{term}':*" if clause.prefix else f"{term}'"
            terms.append("(" + " | ".join(f"'{PREFIXES[part]}:{lexeme}" for part in parts) + ")")
    return " & ".join(terms)


def _match(
    dialect: str, query: Query, parts: tuple[str, ...], scope: str | None
) -> tuple[ColumnElement[int], ColumnElement[bool]]:
    """The index's key column and the condition that a document holds every word in these parts."""
    if dialect == "sqlite":
        return _fts.c.rowid, literal_column("search_index").op("MATCH")(
            bindparam("match", fts5_expression(query, parts, scope), unique=True)
        )
    return _docs.c.request_id, _docs.c.document.op("@@")(_tsquery(query, parts, scope))


def _tsquery(query: Query, parts: tuple[str, ...], scope: str | None) -> ColumnElement[Any]:
    return bindparam("tsquery", tsquery_literal(query, parts, scope), unique=True).cast(postgresql.TSQUERY)


def _newest_first(match: ColumnElement[bool], limit: int) -> Select[*tuple[Any, ...]]:
    """PostgreSQL, a query of several terms: the newest ``limit`` documents that ``match``, read newest first
    among the WALKED newest documents, and only if those hold fewer, from the full-text index among the older.

    For one term the planner chooses well between these two ways (migration 0010). For several it multiplies
    their odds as if they were independent, while a word's overlapping bigrams come together: it guessed a few
    hundred documents held "临床评价 同品种" where 190,000 do, and listed them all from the index (0.6 s at a
    million requests), when the newest 2,600 documents hold a page of them.
    """
    key = _docs.c.request_id
    floor = select(func.max(key)).scalar_subquery() - WALKED
    # "IS TRUE" keeps the index out of the first part: the documents are read by key and tested.
    newest = (
        select(key.label("id"))
        .where(key > floor, match.is_(True))
        .order_by(key.desc())
        .limit(limit)
        .cte("newest_matches")
    )
    found_enough = select(func.count()).select_from(newest).scalar_subquery() >= limit
    older = select(key.label("id")).where(key <= floor, match, ~found_enough).order_by(key.desc()).limit(limit)
    both = union_all(select(newest.c.id), older).subquery()
    return select(both.c.id).order_by(both.c.id.desc()).limit(limit)


def candidates_select(
    dialect: str, actor: User, query: Query, tier: str, limit: int = CANDIDATES + 1
) -> Select[*tuple[Any, ...]]:
    """Ids of the newest ``limit`` requests ``actor`` may see with every word in the ``tier``'s text."""
    key, match = _match(dialect, query, tier_parts(tier, actor), scope_token(actor))
    if dialect == "postgresql" and sum(len(clause.terms) for clause in query.clauses) > 1:
        found = _newest_first(match, limit)
    else:
        found = select(key.label("id")).where(match).order_by(key.desc()).limit(limit)
    visible = policy.visible_requests(actor)
    if isinstance(visible, True_):
        return found  # sees every request: the index alone answers (documents go with their requests)
    # The scope token already narrowed the index to the actor's scope; the policy's own clause is applied
    # to what the index returned, a page of keys, not to every match.
    page = found.subquery()
    return (
        select(page.c.id).join(ServiceRequest, ServiceRequest.id == page.c.id).where(visible).order_by(page.c.id.desc())
    )


@dataclass(frozen=True)
class ReferenceQuery:
    """A reference number typed into a search: its sequence, and its year if typed."""

    year: int | None
    sequence: int

    def finds(self, request: ServiceRequest) -> bool:
        return request.sequence == self.sequence and self.year in (None, request.year)


def parse_reference(text: str) -> ReferenceQuery | None:
    """The reference number ``text`` reads as (REFERENCE_QUERY), if any."""
    found = REFERENCE_QUERY.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if found is None or int(found.group(2)) == 0:
        return None
    return ReferenceQuery(int(found.group(1)) if found.group(1) else None, int(found.group(2)))


def reference_matches(reference: ReferenceQuery) -> Select[*tuple[Any, ...]]:
    """Ids of the requests of that number: one entry of the (year, sequence) index per year, never a scan."""
    years = [reference.year] if reference.year is not None else select(ReferenceCounter.year)
    # Never correlated: inside a queue's "id IN (...)" it is a list of its own, not a test of each queue row.
    return (
        select(ServiceRequest.id)
        .where(ServiceRequest.year.in_(years), ServiceRequest.sequence == reference.sequence)
        .correlate(None)
    )


def text_matches(
    dialect: str, actor: User, text: str
) -> Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]] | None:
    """Ids of the requests in ``actor``'s part of the index whose title, product or public text holds every
    word of ``text``, and of the reference number ``text`` reads as (the queues' word filter, with
    queue_enterprises; the queue's own clause applies the policy); None when ``text`` has no words.

    Not the enterprise's part: a word of many names (公司, 医疗) stands in most of a million documents, and a
    queue would list them all (0.2-0.4 s). The queue tests each row's enterprise instead."""
    query = parse_query(text)
    if not query:
        return None
    key, match = _match(dialect, query, _QUEUE_PARTS, scope_token(actor))
    words = select(key.label("id")).where(match)
    reference = parse_reference(text)
    return words if reference is None else union_all(words, reference_matches(reference))


def queue_enterprises(session: Session, actor: User, text: str) -> list[int]:
    """Ids of the enterprises of ``actor``'s stations whose name and credit code hold every word of ``text``
    as the index would find them (desk users only, as tier_parts): the queues' word filter finds their
    requests. Those of an enterprise of another station, transferred here, are found by the search page.
    A first cut in SQL (the table is small), then the index's own rule on the few left."""
    query = parse_query(text)
    if not query or not sees_internal(actor):
        return []
    found = select(Enterprise.id, Enterprise.name, Enterprise.credit_code, Enterprise.station_id)
    for clause in query.clauses:
        if clause.latin:
            found = found.where(
                or_(
                    Enterprise.name.icontains(clause.surface, autoescape=True),
                    Enterprise.credit_code.icontains(clause.surface, autoescape=True),
                )
            )
        else:
            found = found.where(Enterprise.name.contains(clause.surface, autoescape=True))
    return [
        row.id
        for row in session.execute(found)
        if policy.covers_station(actor, row.station_id)
        and all(contains(row.name, clause) or contains(row.credit_code, clause) for clause in query.clauses)
    ]


def tiers_select(dialect: str, actor: User, query: Query) -> CompoundSelect[*tuple[Any, ...]]:
    """(id, tier rank) rows, in one statement: the newest matches (rank 0), then those of them that reach a
    better tier (rank 1, 2), looked up among those matches only so that these lookups stay as cheap."""
    *narrower, widest = tiers_for(actor)
    matches = candidates_select(dialect, actor, query, widest).cte("matches")
    parts = [select(matches.c.id, literal(0).label("rank"))]
    for rank, tier in enumerate(reversed(narrower), 1):
        narrow = tier_parts(tier, actor)
        if dialect == "sqlite":
            key, match = _match(dialect, query, narrow, None)
            # FTS5 walks a rowid range cheaply; no match at all gives a bound above every id.
            since = select(func.coalesce(func.min(matches.c.id), NO_ID)).scalar_subquery()
            better = select(key.label("id")).where(match, key >= since).order_by(key.desc()).limit(CANDIDATES + 1)
        else:
            # Each match's own document, read by its key and tested: left to choose, PostgreSQL guessed a
            # tier's matches rare (it multiplies the odds of a word's overlapping bigrams), took them all
            # from the full-text index and compared each with every match (1.3 s at a million requests).
            document = select(_docs.c.document).where(_docs.c.request_id == matches.c.id).scalar_subquery()
            better = select(matches.c.id.label("id")).where(document.op("@@")(_tsquery(query, narrow, None)))
        sub = better.subquery()
        parts.append(select(sub.c.id, literal(rank)))
    return union_all(*parts)


class MatchReason(StrEnum):
    """Where a found request holds what was typed (shown on its row)."""

    REFERENCE = "reference"
    ENTERPRISE = "enterprise"
    CREDIT_CODE = "credit_code"
    PRODUCT = "product"
    TEXT = "text"  # title or description
    REPLY = "reply"
    NOTE = "note"


def match_reasons(
    request: ServiceRequest,
    query: Query,
    reference: ReferenceQuery | None,
    desk: bool,
    messages: list[tuple[str, str]] | None = None,
) -> tuple[MatchReason, ...]:
    """Why ``request`` was found: each field holding a word of ``query`` as the index would find it (every
    word stands in at least one), and the reference number. ``messages`` are (source, body) pairs; without
    them (the queues, which do not read them), a request no field explains matched in a public reply."""
    fields: list[tuple[MatchReason, str]] = []
    if desk:
        fields += [
            (MatchReason.ENTERPRISE, request.enterprise.name),
            (MatchReason.CREDIT_CODE, request.enterprise.credit_code),
        ]
    fields += [
        (MatchReason.PRODUCT, request.product_name),
        (MatchReason.TEXT, request.title),
        (MatchReason.TEXT, request.description),
    ]
    fields += [
        (MatchReason.NOTE if source == "internal" else MatchReason.REPLY, body) for source, body in messages or ()
    ]
    found = [MatchReason.REFERENCE] if reference is not None and reference.finds(request) else []
    for reason, text in fields:
        if reason not in found and any(contains(text, clause) for clause in query.clauses):
            found.append(reason)
    return tuple(found) or ((MatchReason.REPLY,) if messages is None else (MatchReason.TEXT,))


@dataclass
class Hit:
    request: ServiceRequest
    title: Markup
    snippet: Markup | None
    # Where the snippet comes from: "description", "reply" or "internal".
    source: str | None
    reasons: tuple[MatchReason, ...]
    # The enterprise's name, and the product's when it matched, with the words marked where they matched.
    enterprise: Markup
    product: Markup | None


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


def search_requests(session: Session, actor: User, text: str, page: int = 1, per_page: int = PER_PAGE) -> SearchResults:
    """One page of the requests ``actor`` may see that contain every word of ``text``, best first: those
    whose reference number ``text`` is, then by tier."""
    query = parse_query(text)
    results = SearchResults(text=text, query=query)
    if not query:
        return results
    tiers = tiers_for(actor)
    reference = parse_reference(text)
    numbered = (
        []
        if reference is None
        else list(
            session.scalars(
                reference_matches(reference).where(policy.visible_requests(actor)).order_by(ServiceRequest.id.desc())
            )
        )
    )
    matched: list[int] = []
    better: dict[int, int] = {}
    for request_id, rank in session.execute(tiers_select(session.get_bind().dialect.name, actor, query)):
        if rank == 0:
            matched.append(request_id)
        else:
            better[request_id] = max(rank, better.get(request_id, 0))
    matched.sort(reverse=True)
    results.capped = len(matched) > CANDIDATES
    # A reference number ranks above every tier.
    best = dict.fromkeys(numbered, len(tiers))
    for request_id in matched[:CANDIDATES]:
        best.setdefault(request_id, better.get(request_id, 0))
    ranked = sorted(best.items(), key=lambda item: (-item[1], -item[0]))
    results.total = len(ranked)
    results.pages = -(-results.total // per_page)
    results.page = min(max(page, 1), max(results.pages, 1))
    chosen = [request_id for request_id, _ in ranked[(results.page - 1) * per_page : results.page * per_page]]
    if chosen:
        results.hits = _hits(session, actor, query, reference, chosen)
    return results


def _hits(session: Session, actor: User, query: Query, reference: ReferenceQuery | None, ids: list[int]) -> list[Hit]:
    requests = {
        r.id: r
        for r in session.scalars(
            select(ServiceRequest)
            .where(ServiceRequest.id.in_(ids))
            .options(
                joinedload(ServiceRequest.enterprise),
                joinedload(ServiceRequest.station),
                joinedload(ServiceRequest.assignee),
            )
        )
    }
    desk = sees_internal(actor)
    messages_query = select(Message.request_id, Message.body, Message.internal).where(Message.request_id.in_(ids))
    if not desk:
        messages_query = messages_query.where(Message.internal.is_(False))
    texts: dict[int, list[tuple[str, str]]] = {i: [] for i in ids}
    for request_id, body, internal in session.execute(messages_query.order_by(Message.id)):
        texts[request_id].append(("internal" if internal else "reply", body))
    pattern = highlight_pattern(query)
    hits = []
    for request_id in ids:
        request = requests.get(request_id)
        if request is None:
            continue
        sources = [("description", request.description), *texts[request_id]]
        source, snippet = next(
            ((name, found) for name, body in sources if (found := snippet_of(body, pattern)) is not None), (None, None)
        )
        reasons = match_reasons(request, query, reference, desk, texts[request_id])
        enterprise = mark(request.enterprise.name, pattern if MatchReason.ENTERPRISE in reasons else None)
        product = mark(request.product_name, pattern) if MatchReason.PRODUCT in reasons else None
        hits.append(Hit(request, mark(request.title, pattern), snippet, source, reasons, enterprise, product))
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
        pieces.append(escape(text[last : found.start()]))
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
    window = text[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return escape(prefix) + mark(window, pattern) + escape(suffix)
