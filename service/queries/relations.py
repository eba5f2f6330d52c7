"""A request's relations as its page shows them: its parent, its children, the requests linked to it and the
duplicates merged into it, read in one statement, and only for a request that has any."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, String, literal, select, union_all
from sqlalchemy.orm import Session

from service.models import OPEN_STATUSES, EventKind, RequestLink, ServiceRequest, Status

Relation = Literal["parent", "child", "linked", "merged"]
# The timeline events that say a request has (or had) relations: without one, nothing is read.
RELATION_EVENTS = frozenset({EventKind.CHILD_CREATED, EventKind.MERGED_IN, EventKind.LINKED, EventKind.UNLINKED})


@dataclass(frozen=True)
class RelatedRequest:
    relation: Relation
    id: int
    reference: str
    title: str
    status: Status
    station_id: int
    enterprise_id: int
    version: int


@dataclass(frozen=True)
class Relations:
    parent: RelatedRequest | None = None
    children: list[RelatedRequest] = field(default_factory=list)
    linked: list[RelatedRequest] = field(default_factory=list)
    merged: list[RelatedRequest] = field(default_factory=list)

    def open_children(self) -> tuple[str, ...]:
        return tuple(c.reference for c in self.children if c.status in OPEN_STATUSES)

    def __bool__(self) -> bool:
        return bool(self.parent or self.children or self.linked or self.merged)


def _rows(relation: Relation, condition: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    return select(
        literal(relation, String).label("relation"),
        ServiceRequest.id,
        ServiceRequest.reference,
        ServiceRequest.title,
        ServiceRequest.status,
        ServiceRequest.station_id,
        ServiceRequest.enterprise_id,
        ServiceRequest.version,
    ).where(condition)


def relations_of(session: Session, request: ServiceRequest) -> Relations:
    """The request's parent, children, linked requests and merged duplicates, each list oldest first."""
    linked_ids = union_all(
        select(RequestLink.related_id).where(RequestLink.request_id == request.id),
        select(RequestLink.request_id).where(RequestLink.related_id == request.id),
    )
    parts = [
        _rows("child", ServiceRequest.parent_id == request.id),
        _rows("merged", ServiceRequest.merged_into_id == request.id),
        _rows("linked", ServiceRequest.id.in_(linked_ids)),
    ]
    if request.parent_id is not None:
        parts.append(_rows("parent", ServiceRequest.id == request.parent_id))
    found: dict[str, list[RelatedRequest]] = {"parent": [], "child": [], "linked": [], "merged": []}
    for row in session.execute(union_all(*parts).order_by("id")):
        found[row.relation].append(RelatedRequest(*row))
    parent = found["parent"][0] if found["parent"] else None
    return Relations(parent, found["child"], found["linked"], found["merged"])


def has_relations(request: ServiceRequest, kinds: set[EventKind]) -> bool:
    """Whether ``request``'s page must read its relations: it is a child, or its timeline says it has some."""
    return request.parent_id is not None or bool(kinds & RELATION_EVENTS)
