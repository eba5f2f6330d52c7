"""Possible duplicates: an enterprise's own recent requests like the one it is writing, and, on a request's page,
the recent requests of the same enterprise or of the same product that read alike.

Candidates are few by construction (a recent window, a small cap, each read through its own index); they are
scored here in Python with RapidFuzz on the full-text index's terms (text_index.index_terms), so Chinese is
compared by its character bigrams and English by its words, whatever the order of the words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import Select, or_, select, union_all
from sqlalchemy.orm import Session

from service.infrastructure.text_index import index_terms
from service.models import ServiceRequest, Status, User
from service.rules import policy

# The enterprise is warned of its own requests of this many days before it submits a like one.
OWN_WINDOW = timedelta(days=90)
# The request page looks this far back, at most this many requests of each kind (same enterprise, same product).
PAGE_WINDOW = timedelta(days=180)
PAGE_CAP = 30
OWN_CAP = 100
# Scores (0-100) from which a request is shown as a possible duplicate: the warning is stricter than the list.
WARN_FROM = 75
LIST_FROM = 60
SHOWN = 5
# Only the start of a long description is compared: what a request is about is said first.
_COMPARED_CHARS = 600


@dataclass(frozen=True)
class Candidate:
    id: int
    reference: str
    title: str
    status: Status
    created_at: datetime
    enterprise_id: int
    version: int
    score: int


def _terms(title: str, description: str) -> tuple[str, str]:
    """What a request is compared by: the terms of its title, and of its title with the start of its description."""
    return index_terms(title), index_terms(f"{title} {description[:_COMPARED_CHARS]}")


def _score(mine: tuple[str, str], theirs: tuple[str, str]) -> int:
    """Mostly the titles, then the whole texts, each compared as sets of terms so that a reworded or longer text
    still matches."""
    return round(0.7 * fuzz.token_set_ratio(mine[0], theirs[0]) + 0.3 * fuzz.token_set_ratio(mine[1], theirs[1]))


def similarity(title: str, description: str, other_title: str, other_description: str) -> int:
    """How alike two requests read, 0 to 100."""
    return _score(_terms(title, description), _terms(other_title, other_description))


_COLUMNS = (
    ServiceRequest.id,
    ServiceRequest.reference,
    ServiceRequest.title,
    ServiceRequest.description,
    ServiceRequest.status,
    ServiceRequest.created_at,
    ServiceRequest.enterprise_id,
    ServiceRequest.version,
)


def _recent(since: datetime, cap: int) -> Select[*tuple[Any, ...]]:
    return (
        select(*_COLUMNS)
        .where(ServiceRequest.created_at >= since, ServiceRequest.status != Status.MERGED)
        .order_by(ServiceRequest.created_at.desc())
        .limit(cap)
    )


def _scored(rows: object, title: str, description: str, floor: int) -> list[Candidate]:
    found = {}
    # The text at hand is cut into terms once, not once per candidate.
    mine = _terms(title, description)
    for row in rows:  # type: ignore[attr-defined]
        score = _score(mine, _terms(row.title, row.description))
        if score >= floor:
            found[row.id] = Candidate(
                row.id, row.reference, row.title, row.status, row.created_at, row.enterprise_id, row.version, score
            )
    return sorted(found.values(), key=lambda c: (-c.score, -c.id))[:SHOWN]


def similar_own_requests(
    session: Session, actor: User, title: str, description: str, now: datetime, retry_of: str | None = None
) -> list[Candidate]:
    """The enterprise's own requests of the last 90 days that read like ``title`` and ``description``, best first
    (none for anyone but an enterprise, or for an empty text). ``retry_of`` is the form's idempotency key: the
    request a repeat of the same form already made is no duplicate of it."""
    if actor.enterprise_id is None or not (title.strip() or description.strip()):
        return []
    query = _recent(now - OWN_WINDOW, OWN_CAP).where(ServiceRequest.enterprise_id == actor.enterprise_id)
    if retry_of:
        query = query.where(or_(ServiceRequest.idempotency_key.is_(None), ServiceRequest.idempotency_key != retry_of))
    return _scored(session.execute(query), title, description, WARN_FROM)


def possible_duplicates(session: Session, user: User, request: ServiceRequest, now: datetime) -> list[Candidate]:
    """Recent requests ``user`` may see, of the same enterprise or of the same product, that read like ``request``,
    best first. One statement: the two kinds of candidates, each capped and read through its own index."""
    since = now - PAGE_WINDOW
    parts = [_recent(since, PAGE_CAP).where(ServiceRequest.enterprise_id == request.enterprise_id)]
    if request.product_name.strip():
        parts.append(_recent(since, PAGE_CAP).where(ServiceRequest.product_name == request.product_name))
    # Each part is its own subquery: SQLite takes no LIMIT inside a bare UNION's members.
    candidates = union_all(
        *(
            select(part.where(ServiceRequest.id != request.id, policy.visible_requests(user)).subquery())
            for part in parts
        )
    )
    return _scored(session.execute(candidates), request.title, request.description, LIST_FROM)
