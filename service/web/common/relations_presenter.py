"""The relations panel of a request page (templates/requests/_relations_panel.html): its parent, children, links
and merged duplicates, the desk's possible duplicates with their scores, and the forms to merge, link and make
a child, each as the policy and the lifecycle offer it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from service.models import OPEN_STATUSES, ServiceRequest, User
from service.models.base import utcnow
from service.queries.duplicates import Candidate, possible_duplicates
from service.queries.relations import Relations, has_relations, relations_of
from service.queries.timeline import TimelineEntry
from service.rules import lifecycle, policy, state_machine
from service.rules.policy import PolicyAction
from service.web.common.helpers import station_choices
from service.web.forms.relations import ChildForm, LinkForm, MergeForm, UnlinkForm

F = TypeVar("F", bound=FlaskForm)
# The slots of the panel's forms on the request page (kept forms, unsaved text).
SLOTS = ("merge", "link", "unlink", "child")


@dataclass(frozen=True)
class RelationsView:
    relations: Relations
    # The desk's possible duplicates (same enterprise or same product, alike), best first.
    duplicates: list[Candidate] = field(default_factory=list)
    merge: MergeForm | None = None
    link: LinkForm | None = None
    unlink: UnlinkForm | None = None
    child: ChildForm | None = None
    kept: frozenset[str] = frozenset()

    def offered(self) -> set[str]:
        return {slot for slot in SLOTS if getattr(self, slot) is not None}

    def shown(self) -> bool:
        return bool(self.relations or self.duplicates or self.offered())


def _form(kept: Mapping[str, FlaskForm], slot: str, form: type[F], version: int) -> F:
    sent = kept.get(slot)
    return sent if isinstance(sent, form) else form(prefix=slot, formdata=None, data={"version": version})


def relations_panel(
    session: Session,
    user: User,
    req: ServiceRequest,
    entries: Sequence[TimelineEntry],
    *,
    desk: bool,
    kept: Mapping[str, FlaskForm],
) -> RelationsView:
    """What the panel shows ``user``; relations are read only when the request is a child or its timeline says
    it has some, duplicates only for the desk."""
    kinds = {entry.event.kind for entry in entries if entry.event is not None}
    relations = relations_of(session, req) if has_relations(req, kinds) else Relations()
    if not desk:
        # The enterprise reads its own requests only; links are the desk's working notes.
        own = req.enterprise_id
        return RelationsView(
            Relations(
                relations.parent if relations.parent and relations.parent.enterprise_id == own else None,
                [c for c in relations.children if c.enterprise_id == own],
                [],
                relations.merged,
            )
        )
    version = req.version
    merge = link = unlink = child = None
    if state_machine.can(lifecycle.MACHINE, user, req, lifecycle.Action.MERGE):
        merge = _form(kept, "merge", MergeForm, version)
    if req.status in OPEN_STATUSES and policy.may(user, PolicyAction.REQUEST_LINK, req):
        link = _form(kept, "link", LinkForm, version)
    if relations.linked and policy.may(user, PolicyAction.REQUEST_LINK, req):
        unlink = UnlinkForm(prefix="unlink", formdata=None, data={"version": version})
    if req.status in OPEN_STATUSES and policy.may(user, PolicyAction.REQUEST_CREATE_CHILD, req):
        child = _form(kept, "child", ChildForm, version)
        child.station_id.choices = station_choices()
        if child.station_id.data is None:
            child.station_id.data = req.station_id
    duplicates = possible_duplicates(session, user, req, utcnow()) if req.status in OPEN_STATUSES else []
    return RelationsView(
        relations,
        duplicates,
        merge,
        link,
        unlink,
        child,
        frozenset(slot for slot in SLOTS if slot in kept),
    )
