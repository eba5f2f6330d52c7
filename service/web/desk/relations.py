"""The desk's relation forms on a request page: merge it into another request, link and unlink related requests,
make a child request. Routes of the desk's blueprint (its request page takes back what is not taken)."""

from __future__ import annotations

from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from service.operations.relations import (
    ChildDraft,
    create_child_request,
    link_requests,
    merge_request,
    unlink_requests,
)
from service.rules.policy import PolicyAction
from service.web.app_settings import desk_settings
from service.web.common.helpers import actor, require, station_choices
from service.web.common.request_pages import request_or_404, run_edit
from service.web.database import db
from service.web.desk.views import bp
from service.web.forms.relations import ChildForm, LinkForm, MergeForm, UnlinkForm


def _page(request_id: int) -> str:
    return url_for("desk.request_detail", request_id=request_id)


@bp.route("/requests/<int:request_id>/merge", methods=["POST"])
@require(PolicyAction.DESK_USE)
def merge(request_id: int) -> ResponseReturnValue:
    form = MergeForm(prefix="merge")

    def call() -> object:
        return merge_request(
            db(),
            actor(),
            request_id,
            form.expected_version(),
            form.target.data or "",
            target_version=form.target_version.data,
            reason=form.reason.data or "",
            settings=desk_settings(),
        )

    return run_edit(
        request_id,
        "merge",
        form,
        call,
        success=gettext("The request has been merged."),
        # The merged request's page leads to the target: go there at once.
        done_url=_page(request_id),
    )


@bp.route("/requests/<int:request_id>/links", methods=["POST"])
@require(PolicyAction.DESK_USE)
def link(request_id: int) -> ResponseReturnValue:
    form = LinkForm(prefix="link")
    return run_edit(
        request_id,
        "link",
        form,
        lambda: link_requests(
            db(),
            actor(),
            request_id,
            form.expected_version(),
            form.other.data or "",
            other_version=form.other_version.data,
        ),
        success=gettext("The requests are linked."),
        done_url=_page(request_id),
    )


@bp.route("/requests/<int:request_id>/links/remove", methods=["POST"])
@require(PolicyAction.DESK_USE)
def unlink(request_id: int) -> ResponseReturnValue:
    form = UnlinkForm(prefix="unlink")
    return run_edit(
        request_id,
        "unlink",
        form,
        lambda: unlink_requests(db(), actor(), request_id, form.expected_version(), form.other_id.data or 0),
        success=gettext("The link has been removed."),
        done_url=_page(request_id),
    )


@bp.route("/requests/<int:request_id>/children", methods=["POST"])
@require(PolicyAction.DESK_USE)
def create_child(request_id: int) -> ResponseReturnValue:
    form = ChildForm(prefix="child")
    request_or_404(request_id)
    form.station_id.choices = station_choices()

    def call() -> object:
        return create_child_request(
            db(),
            actor(),
            request_id,
            form.expected_version(),
            ChildDraft(form.title.data or "", form.description.data or "", form.station_id.data),
            settings=desk_settings(),
        )

    return run_edit(
        request_id,
        "child",
        form,
        call,
        success=gettext("The child request has been made."),
        done_url=_page(request_id),
    )
