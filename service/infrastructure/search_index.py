"""The full-text index of requests, kept in step with every write.

One index document per request: its title, its public text (description and
public replies), its internal notes, its product's name, and its enterprise's
name and unified social credit code, each as pre-tokenised terms
(service.infrastructure.text_index), plus scope tokens (``e<enterprise id>``,
``s<station id>``) that let the index itself narrow a search to an actor's
scope before the policy's clause is applied. SQLite keeps them in the FTS5
table ``search_index`` (rowid = request id), one column per part. PostgreSQL
keeps one tsvector per request in ``search_documents``: the set of its terms,
each prefixed by its part (``t:`` title, ``p:`` public, ``i:`` internal,
``d:`` product, ``e:`` enterprise; ``@`` for scope tokens), without positions
or weights, so that the GIN index alone decides a match and no document has to
be read back and re-checked (a weighted or phrase query makes PostgreSQL
decompress every candidate: a second and more at a million requests). The
tsvector is written as a literal, so documents and queries
(service.queries.search) use exactly the same terms, untouched by the
database's own parser.

A session listener (installed on the app's session factory by
service.infrastructure.session_hooks) refreshes the document of every request
whose title, description, product or messages a flush wrote (and of every
request of an enterprise whose name or credit code it changed), inside the same
transaction: operations need do nothing, and a search never sees a state the
database does not hold.
Bulk loaders (service.demo.bulk) call ``write_documents`` themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, event, inspect, select, text, true
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import instance_state

from service.infrastructure.text_index import join_terms
from service.models.accounts import Enterprise
from service.models.requests import Message, ServiceRequest

# Every database object of the search index starts with one of these (the FTS5
# shadow tables included); the migration-drift check leaves them alone.
SEARCH_PREFIXES = ("search_", "ix_search_")
# A document's parts: the FTS5 column of each, and the prefix of its PostgreSQL lexemes.
COLUMNS = {
    "title": "title_terms",
    "public": "public_terms",
    "internal": "internal_terms",
    "product": "product_terms",
    "enterprise": "enterprise_terms",
}
PREFIXES = {"title": "t", "public": "p", "internal": "i", "product": "d", "enterprise": "e"}


def is_search_structure(name: str | None) -> bool:
    return bool(name and name.startswith(SEARCH_PREFIXES))


def include_object(_obj: Any, name: str | None, _type: str, _reflected: bool, _compare_to: Any) -> bool:
    """Alembic's include_object hook: everything but the search structures, which no model describes."""
    return not is_search_structure(name)


@dataclass(frozen=True)
class Document:
    """A request's terms by part (the fields are named as the keys of COLUMNS), and its scope tokens."""

    request_id: int
    title: str
    public: str
    internal: str
    scope: str
    product: str = ""
    enterprise: str = ""

    def parts(self) -> dict[str, str]:
        return {part: getattr(self, part) for part in COLUMNS}


def scope_terms(enterprise_id: int, station_id: int) -> str:
    return f"e{enterprise_id} s{station_id}"


def enterprise_terms(name: str, credit_code: str) -> str:
    return join_terms(name, credit_code)


def make_document(
    request_id: int,
    *,
    enterprise_id: int,
    station_id: int,
    title: str,
    description: str,
    product_name: str,
    enterprise_name: str,
    credit_code: str,
    messages: Iterable[tuple[str, bool]] = (),
) -> Document:
    """The index document of a request from its texts; ``messages`` are (body, internal) pairs."""
    public: list[str] = [description]
    internal: list[str] = []
    for body, is_internal in messages:
        (internal if is_internal else public).append(body)
    return Document(
        request_id,
        join_terms(title),
        join_terms(*public),
        join_terms(*internal),
        scope_terms(enterprise_id, station_id),
        join_terms(product_name),
        enterprise_terms(enterprise_name, credit_code),
    )


def _document_of(
    request: Any, enterprise_name: str, credit_code: str, messages: Iterable[tuple[str, bool]]
) -> Document:
    """``make_document`` of a request row or object (its id, scope and texts)."""
    return make_document(
        request.id,
        enterprise_id=request.enterprise_id,
        station_id=request.station_id,
        title=request.title,
        description=request.description,
        product_name=request.product_name,
        enterprise_name=enterprise_name,
        credit_code=credit_code,
        messages=messages,
    )


def tsvector_literal(document: Document) -> str:
    """The document as PostgreSQL tsvector input: its distinct part-prefixed terms and scope tokens."""
    lexemes = {f"{PREFIXES[part]}:{term}" for part, terms in document.parts().items() for term in terms.split()}
    lexemes.update(f"@{token}" for token in document.scope.split())
    return " ".join(f"'{lexeme}'" for lexeme in sorted(lexemes))


_SQLITE_WRITE = text(
    "INSERT OR REPLACE INTO search_index (rowid, title_terms, public_terms, internal_terms, "
    "scope_terms, product_terms, enterprise_terms) "
    "VALUES (:id, :title, :public, :internal, :scope, :product, :enterprise)"
)
_POSTGRESQL_WRITE = text(
    "INSERT INTO search_documents (request_id, document) VALUES (:id, CAST(:document AS tsvector)) "
    "ON CONFLICT (request_id) DO UPDATE SET document = excluded.document"
)


def write_documents(connection: Connection, documents: Sequence[Document]) -> None:
    """Insert or replace the index documents (one executemany)."""
    if not documents:
        return
    if connection.dialect.name == "sqlite":
        connection.execute(_SQLITE_WRITE, [{"id": d.request_id, "scope": d.scope, **d.parts()} for d in documents])
    else:
        connection.execute(
            _POSTGRESQL_WRITE, [{"id": d.request_id, "document": tsvector_literal(d)} for d in documents]
        )


def delete_documents(connection: Connection, request_ids: Iterable[int]) -> None:
    ids = sorted(set(request_ids))
    if not ids:
        return
    if connection.dialect.name == "sqlite":
        connection.execute(text("DELETE FROM search_index WHERE rowid = :id"), [{"id": i} for i in ids])
    else:
        connection.execute(text("DELETE FROM search_documents WHERE request_id = ANY(:ids)"), {"ids": ids})


def refresh_documents(connection: Connection, request_ids: Iterable[int]) -> None:
    """Rebuild the documents of these requests from what the database now holds (two reads, one write)."""
    ids = sorted(set(request_ids))
    if not ids:
        return
    requests = connection.execute(
        select(
            ServiceRequest.id,
            ServiceRequest.enterprise_id,
            ServiceRequest.station_id,
            ServiceRequest.title,
            ServiceRequest.description,
            ServiceRequest.product_name,
            Enterprise.name.label("enterprise_name"),
            Enterprise.credit_code,
        )
        .join(Enterprise, Enterprise.id == ServiceRequest.enterprise_id)
        .where(ServiceRequest.id.in_(ids))
    ).all()
    messages: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for request_id, body, internal in connection.execute(
        select(Message.request_id, Message.body, Message.internal)
        .where(Message.request_id.in_(ids))
        .order_by(Message.id)
    ):
        messages[request_id].append((body, internal))
    write_documents(connection, [_document_of(r, r.enterprise_name, r.credit_code, messages[r.id]) for r in requests])
    delete_documents(connection, set(ids) - {r.id for r in requests})


def _refresh_where(connection: Connection, condition: ColumnElement[bool], batch: int = 2000) -> int:
    """Rebuild the documents of the requests meeting ``condition``, ``batch`` at a time; returns the count."""
    done, last_id = 0, 0
    while True:
        ids = list(
            connection.scalars(
                select(ServiceRequest.id)
                .where(condition, ServiceRequest.id > last_id)
                .order_by(ServiceRequest.id)
                .limit(batch)
            )
        )
        if not ids:
            return done
        refresh_documents(connection, ids)
        done, last_id = done + len(ids), ids[-1]


def rebuild(connection: Connection, batch: int = 2000) -> int:
    """Rebuild every document (after a restore or an import that bypassed the ORM); returns the count."""
    table = "search_index" if connection.dialect.name == "sqlite" else "search_documents"
    connection.execute(text(f"DELETE FROM {table}"))
    return _refresh_where(connection, true(), batch)


# What a document is made of: a change to any of these rewrites it (a transfer moves its scope token; an
# enterprise's name and credit code stand in every one of its requests' documents).
_INDEXED_COLUMNS: dict[type[ServiceRequest | Message | Enterprise], tuple[str, ...]] = {
    ServiceRequest: ("title", "description", "product_name", "station_id", "enterprise_id"),
    Message: ("body", "internal", "request_id"),
    Enterprise: ("name", "credit_code"),
}


def _changed(obj: ServiceRequest | Message | Enterprise) -> bool:
    state = instance_state(obj)
    return any(state.attrs[name].history.has_changes() for name in _INDEXED_COLUMNS[type(obj)])


def _request_id(obj: ServiceRequest | Message) -> int | None:
    return obj.id if isinstance(obj, ServiceRequest) else obj.request_id


def touched_request_ids(session: Session) -> set[int]:
    """Requests whose indexed text the flush that just ran inserted, changed or deleted."""
    ids: set[int | None] = set()
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, (ServiceRequest, Message)):
            ids.add(_request_id(obj))
    for obj in session.dirty:
        if isinstance(obj, (ServiceRequest, Message)) and _changed(obj):
            ids.add(_request_id(obj))
            if isinstance(obj, Message):
                ids.update(i for i in inspect(obj).attrs.request_id.history.deleted if i is not None)
    return {i for i in ids if i is not None}


def renamed_enterprise_ids(session: Session) -> set[int]:
    """Enterprises whose name or credit code the flush that just ran changed."""
    return {obj.id for obj in session.dirty if isinstance(obj, Enterprise) and _changed(obj)}


def _new_documents(session: Session) -> list[Document]:
    """Documents of the requests this flush inserted, from the objects themselves (their enterprises' names
    and credit codes in one read)."""
    messages: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for obj in session.new:
        if isinstance(obj, Message):
            messages[obj.request_id].append((obj.body, obj.internal))
    requests = [r for r in session.new if isinstance(r, ServiceRequest)]
    if not requests:
        return []
    enterprises = {
        row.id: row
        for row in session.connection().execute(
            select(Enterprise.id, Enterprise.name, Enterprise.credit_code).where(
                Enterprise.id.in_({r.enterprise_id for r in requests})
            )
        )
    }
    return [
        _document_of(r, enterprises[r.enterprise_id].name, enterprises[r.enterprise_id].credit_code, messages[r.id])
        for r in requests
    ]


def _after_flush(session: Session, _flush_context: object) -> None:
    ids = touched_request_ids(session)
    if ids:
        fresh = _new_documents(session)
        write_documents(session.connection(), fresh)
        refresh_documents(session.connection(), ids - {d.request_id for d in fresh})
    renamed = renamed_enterprise_ids(session)
    if renamed:
        _refresh_where(session.connection(), ServiceRequest.enterprise_id.in_(renamed))


def install(sessions: sessionmaker[Session]) -> None:
    """Keep the index in step with every ORM flush of the sessions this factory makes (idempotent)."""
    if not event.contains(sessions, "after_flush", _after_flush):
        event.listen(sessions, "after_flush", _after_flush)
