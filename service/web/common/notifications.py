"""The reader's in-app notifications: a list, open one (marking it read), mark all read."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required
from sqlalchemy import Select

from service.models import EventKind, Notification, OutboundMail, ReturnReason, Role, Status
from service.operations import notifications
from service.queries.hotline import sessions_by_id
from service.web.common.helpers import actor
from service.web.common.navigation import BADGE_CAP
from service.web.common.request_display import install_template_helpers, reason_text, tier_raised, when
from service.web.database import db
from service.web.labels import label

STATUS_VALUES = frozenset(status.value for status in Status)
RETURN_REASONS = frozenset(reason.value for reason in ReturnReason)

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
install_template_helpers(bp)


def request_endpoint(role: Role) -> str | None:
    """Where a notification's request opens for this reader (admins have no request pages)."""
    return {
        Role.ENTERPRISE: "portal.request_detail",
        Role.STAFF: "desk.request_detail",
        Role.DIRECTOR: "desk.request_detail",
    }.get(role)


def unread_badge() -> Select[int]:
    """The badge beside "Notifications" in the menu."""
    return notifications.unread_count_query(actor(), cap=BADGE_CAP)


@bp.record_once
def _register(state: BlueprintSetupState) -> None:
    state.app.extensions.setdefault("nav_badges", {})["notifications.index"] = unread_badge


def what_changed(notification: Notification | OutboundMail) -> str:
    """What a notification's (or its email's) change did, in the reader's language ("" when its kind says it all)."""
    data = notification.data or {}
    if data.get("comment"):
        return gettext("comment: %(comment)s", comment=data["comment"])
    # A head's reminder (催办) is read for its message: what the officer is asked to do.
    if data.get("message"):
        return gettext("reminder: %(message)s", message=data["message"])
    if data.get("reason"):
        return gettext("reason: %(reason)s", reason=reason_text(data["reason"]))
    if data.get("return_reason") in RETURN_REASONS:
        return gettext("reason: %(reason)s", reason=label(ReturnReason(data["return_reason"])))
    if data.get("new_due_at"):
        return gettext("New completion date: %(date)s", date=when(datetime.fromisoformat(data["new_due_at"])))
    if notification.kind == EventKind.SUPERVISION_TIER_RAISED:
        return tier_raised(data)
    if data.get("into"):
        return gettext("merged into %(reference)s", reference=data["into"])
    if data.get("status") not in STATUS_VALUES:
        return ""
    return gettext("now: %(status)s", status=label(Status(data["status"])))


def who_changed(notification: Notification | OutboundMail) -> str:
    if notification.actor is None:
        # Only the sweep changes a request with nobody signed in; older notifications named nobody.
        swept = notification.kind == EventKind.SLA_BREACHED or notification.data is not None
        return gettext("by the desk's scheduled check") if swept else ""
    return gettext("by %(name)s", name=notification.actor.name)


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    items = notifications.list_notifications(db(), actor())
    hotlines = sessions_by_id(db(), [n.data["hotline_id"] for n in items if n.data and "hotline_id" in n.data])
    return render_template(
        "notifications/index.html", items=items, hotlines=hotlines, what_changed=what_changed, who_changed=who_changed
    )


@bp.route("/<int:notification_id>/open", methods=["POST"])
@login_required
def open_one(notification_id: int) -> ResponseReturnValue:
    user = actor()
    found = notifications.mark_read(db(), user, notification_id)
    if found.plan_id is not None:
        return redirect(url_for("plans.show", plan_id=found.plan_id))
    endpoint = request_endpoint(user.role)
    if found.request_id is None or endpoint is None:
        return redirect(url_for(".index"))
    return redirect(url_for(endpoint, request_id=found.request_id))


@bp.route("/read", methods=["POST"])
@login_required
def read_all() -> ResponseReturnValue:
    notifications.mark_all_read(db(), actor())
    flash(gettext("All notifications are marked as read."), "success")
    return redirect(url_for(".index"))
