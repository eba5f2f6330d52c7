"""Text -> full-text index terms, the same way for documents and for queries.

Neither SQLite's FTS5 nor PostgreSQL's text search splits Chinese into words,
so the words are made here, in Python, and both engines index a plain string
of space-separated terms:

- a run of Chinese characters becomes its overlapping character bigrams
  (注册申报 -> 注册 册申 申报), followed by the run's last character on its
  own; a one-character run is therefore indexed as that character;
- a run of letters and digits becomes one lower-cased word.

A query is cut the same way: a two-character word is one bigram, a longer
run the phrase of its bigrams, a single character the prefix of a term (every
character of a run starts a bigram or is the run's last character, so a
prefix search finds it wherever it stands). Terms are ANDed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Han ideographs: CJK Unified Ideographs and Extension A, compatibility ideographs.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"([{HAN}]+)|([^\W_{HAN}]+)")
_TERM = re.compile(rf"^(?:[{HAN}]{{1,2}}|[^\W_{HAN}]+)$")

# A query longer than this is cut: each clause costs an index lookup.
MAX_QUERY_CHARS = 100
MAX_CLAUSES = 8
# Longer words would only bloat the index (hashes, base64 pasted into a message).
MAX_WORD_CHARS = 40


def _normalise(text: str) -> str:
    # Full-width letters and digits (ＣＴ, ２０２６) are the same word as their ASCII forms.
    return unicodedata.normalize("NFKC", text).casefold()


def _runs(text: str) -> list[tuple[bool, str]]:
    """(is_han, run) for each run of Han characters or of letters and digits."""
    return [(bool(han), han or word) for han, word in _RUN.findall(_normalise(text))]


def _han_terms(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def index_terms(text: str) -> str:
    """The space-separated terms under which ``text`` is indexed."""
    terms: list[str] = []
    for is_han, run in _runs(text):
        if is_han:
            terms.extend(_han_terms(run))
        elif len(run) <= MAX_WORD_CHARS:
            terms.append(run)
    return " ".join(terms)


def join_terms(*texts: str | None) -> str:
    return " ".join(filter(None, (index_terms(t) for t in texts if t)))


@dataclass(frozen=True)
class Clause:
    """One word of a query: a phrase of terms, or (``prefix``) a single character to find anywhere."""

    terms: tuple[str, ...]
    prefix: bool
    surface: str
    latin: bool


@dataclass(frozen=True)
class Query:
    clauses: tuple[Clause, ...]

    def __bool__(self) -> bool:
        return bool(self.clauses)


def parse_query(text: str) -> Query:
    """The clauses of a search box's text, all of which a document must contain."""
    clauses: list[Clause] = []
    seen: set[tuple[str, ...]] = set()
    for is_han, run in _runs(text[:MAX_QUERY_CHARS]):
        if is_han and len(run) == 1:
            clause = Clause((run,), prefix=True, surface=run, latin=False)
        elif is_han:
            clause = Clause(tuple(run[i : i + 2] for i in range(len(run) - 1)), False, run, False)
        elif len(run) <= MAX_WORD_CHARS:
            clause = Clause((run,), prefix=False, surface=run, latin=True)
        else:
            continue
        if clause.terms not in seen:
            seen.add(clause.terms)
            clauses.append(clause)
    return Query(tuple(clauses[:MAX_CLAUSES]))


def is_term(term: str) -> bool:
    """True for a string this module could have produced as a single term (safe to quote in a query)."""
    return bool(_TERM.match(term))


def contains(text: str | None, clause: Clause) -> bool:
    """Whether the index finds ``clause`` in ``text``: its terms in a row, or (a prefix) a term starting with it."""
    terms = index_terms(text or "").split()
    if clause.prefix:
        return any(term.startswith(clause.terms[0]) for term in terms)
    width = len(clause.terms)
    return any(tuple(terms[i : i + width]) == clause.terms for i in range(len(terms) - width + 1))
