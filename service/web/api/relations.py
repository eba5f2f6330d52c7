"""Relations between requests: merge a duplicate into another request of its enterprise, link and unlink related
requests, make a child request, and list a request's relations (with the desk's possible duplicates)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from service.models import ServiceRequest, Status
from service.models.base import utcnow
from service.operations.relations import (
    ChildDraft,
    create_child_request,
    link_requests,
    merge_request,
    unlink_requests,
)
from service.operations.requests import get_request
from service.queries.duplicates import possible_duplicates
from service.queries.relations import RelatedRequest, relations_of
from service.rules import policy
from service.rules.policy import PolicyAction
from service.store import reference
from service.web.api import schemas as s
from service.web.api.registry import caller, endpoint, expected_version
from service.web.app_settings import desk_settings
from service.web.database import db

TAG = "relations"
REFERENCE = Field(description="The other request's reference number, e.g. JL-2026-000123.")


class MergeIn(s.Input):
    target: Annotated[str, s.text(40, 1)] = REFERENCE
    target_version: s.Id | None = Field(None, description="The target's version you saw (checked when given).")
    reason: Annotated[str, s.text(5000)] = ""
    version: s.Id | None = Field(None, description="The duplicate's version you saw (or send If-Match).")


class LinkIn(s.Input):
    other: Annotated[str, s.text(40, 1)] = REFERENCE
    other_version: s.Id | None = Field(None, description="The other request's version you saw (checked when given).")
    version: s.Id | None = Field(None, description="The request's version you saw (or send If-Match).")


class ChildIn(s.Input):
    title: Annotated[str, s.text(200, 1)]
    description: Annotated[str, s.text(20000, 1)]
    station_code: Annotated[str, s.text(20)] = Field(
        "", description="The station that works the child (e.g. JL-TH); the parent's when left out."
    )
    version: s.Id | None = Field(None, description="The parent's version you saw (or send If-Match).")


class RelatedOut(s.Output):
    id: int
    reference: str
    title: str
    status: Status
    station_code: str
    version: int


class DuplicateOut(s.Output):
    id: int
    reference: str
    title: str
    status: Status
    version: int
    score: int = Field(description="How alike the two requests read, 0 to 100.")
    same_enterprise: bool


class RelationsOut(s.Output):
    id: int
    reference: str
    version: int
    merged_into_id: int | None = Field(description="Set once the request was merged: its target.")
    parent: RelatedOut | None
    children: list[RelatedOut]
    linked: list[RelatedOut] = Field(description="Related requests (the desk's; empty for enterprises).")
    merged: list[RelatedOut] = Field(description="Duplicates merged into this request.")
    possible_duplicates: list[DuplicateOut] = Field(
        description="The desk's: recent requests of the same enterprise or product that read alike, best first."
    )


def _station_code(station_id: int) -> str:
    return next((st.code for st in reference.stations(db()) if st.id == station_id), "")


def _related(found: RelatedRequest) -> RelatedOut:
    return RelatedOut(
        id=found.id,
        reference=found.reference,
        title=found.title,
        status=found.status,
        station_code=_station_code(found.station_id),
        version=found.version,
    )


def _relations(request: ServiceRequest) -> RelationsOut:
    user = caller()
    desk = policy.may(user, PolicyAction.REQUEST_VIEW_INTERNAL, request) and policy.is_desk(user)
    found = relations_of(db(), request)
    own = [r for r in (found.parent, *found.children, *found.merged) if r is not None]
    shown = {r.id for r in own if desk or r.enterprise_id == request.enterprise_id}
    duplicates = possible_duplicates(db(), user, request, utcnow()) if desk else []
    return RelationsOut(
        id=request.id,
        reference=request.reference,
        version=request.version,
        merged_into_id=request.merged_into_id,
        parent=_related(found.parent) if found.parent and found.parent.id in shown else None,
        children=[_related(c) for c in found.children if c.id in shown],
        linked=[_related(r) for r in found.linked] if desk else [],
        merged=[_related(m) for m in found.merged],
        possible_duplicates=[
            DuplicateOut(
                id=c.id,
                reference=c.reference,
                title=c.title,
                status=c.status,
                version=c.version,
                score=c.score,
                same_enterprise=c.enterprise_id == request.enterprise_id,
            )
            for c in duplicates
        ],
    )


@endpoint(
    "/requests/<int:request_id>/relations",
    summary="A request's relations: the request it was merged into, its parent, children, linked requests, the "
    "duplicates merged into it, and (for the desk) its possible duplicates with their scores.",
    tag=TAG,
    response=RelationsOut,
)
def list_relations(request_id: int) -> RelationsOut:
    return _relations(get_request(db(), caller(), request_id))


@endpoint(
    "/requests/<int:request_id>/merge",
    "POST",
    summary="Merge a duplicate into another request of the same enterprise (the desk in scope of both).",
    description="The duplicate becomes merged: its timeline shows on the target's, its files, child requests, links "
    "and task forces move there, and the enterprise is told. A merged request cannot be merged again or reopened. "
    "Answers the target's relations.",
    tag=TAG,
    body=MergeIn,
    response=RelationsOut,
    headers=("If-Match",),
)
def merge(request_id: int, body: MergeIn) -> RelationsOut:
    target = merge_request(
        db(),
        caller(),
        request_id,
        expected_version(body.version),
        body.target,
        target_version=body.target_version,
        reason=body.reason,
        settings=desk_settings(),
    )
    return _relations(get_request(db(), caller(), target.id))


@endpoint(
    "/requests/<int:request_id>/links",
    "POST",
    summary="Link a related request (shown on both requests, inside the desk).",
    tag=TAG,
    body=LinkIn,
    response=RelationsOut,
    status=201,
    headers=("If-Match",),
)
def link(request_id: int, body: LinkIn) -> RelationsOut:
    link_requests(
        db(), caller(), request_id, expected_version(body.version), body.other, other_version=body.other_version
    )
    return _relations(get_request(db(), caller(), request_id))


@endpoint(
    "/requests/<int:request_id>/links/<int:other_id>",
    "DELETE",
    summary="Remove the link between two requests (send the request's version as If-Match).",
    tag=TAG,
    response=RelationsOut,
    headers=("If-Match",),
)
def unlink(request_id: int, other_id: int) -> RelationsOut:
    unlink_requests(db(), caller(), request_id, expected_version(), other_id)
    return _relations(get_request(db(), caller(), request_id))


@endpoint(
    "/requests/<int:request_id>/children",
    "POST",
    summary="Make a child request under an open request, for its enterprise, at a station of your choice.",
    description="The parent cannot be resolved while a child is open (409, naming the open children).",
    tag=TAG,
    body=ChildIn,
    response=s.RequestOut,
    status=201,
    headers=("If-Match",),
)
def create_child(request_id: int, body: ChildIn) -> s.RequestOut:
    # A code no station has is refused by the operation once the policy has answered (no station has the id 0).
    codes = {st.code: st.id for st in reference.stations(db())}
    station_id = codes.get(body.station_code, 0) if body.station_code else None
    child = create_child_request(
        db(),
        caller(),
        request_id,
        expected_version(body.version),
        ChildDraft(body.title, body.description, station_id),
        settings=desk_settings(),
    )
    return s.request_out(child, caller())
