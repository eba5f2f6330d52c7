"""The new-request form's early warning: while the enterprise types, its own recent requests that read alike
(static/js/duplicates.js asks; the form warns again on submission without JavaScript)."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from service.models.base import utcnow
from service.queries.duplicates import similar_own_requests
from service.rules.policy import PolicyAction
from service.web.common.helpers import actor, require
from service.web.database import db
from service.web.portal.views import bp

# What is compared: the title and the start of the description (a longer query string is cut).
_TITLE_CHARS = 200
_TEXT_CHARS = 2000


@bp.route("/requests/similar")
@require(PolicyAction.REQUEST_SUBMIT)
def similar_requests() -> ResponseReturnValue:
    title = request.args.get("title", "")[:_TITLE_CHARS]
    description = request.args.get("description", "")[:_TEXT_CHARS]
    found = similar_own_requests(db(), actor(), title, description, utcnow())
    return render_template("portal/_duplicate_list.html", duplicates=found)
