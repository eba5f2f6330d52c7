"""The administrator's log of inbound mail: each mail, what became of it and why."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from service.models import InboundOutcome
from service.queries.inbound_mail import inbound_log, outcome_counts
from service.rules.policy import PolicyAction
from service.web.common.helpers import require
from service.web.database import db

bp = Blueprint("inbound_mail", __name__, url_prefix="/admin")


@bp.route("/inbound-mail")
@require(PolicyAction.ADMIN_USE)
def index() -> ResponseReturnValue:
    chosen = request.args.get("outcome", "")
    outcome = InboundOutcome(chosen) if chosen in {o.value for o in InboundOutcome} else None
    return render_template(
        "admin/inbound_mail.html",
        mails=inbound_log(db(), outcome),
        counts=outcome_counts(db()),
        outcome=outcome,
    )
