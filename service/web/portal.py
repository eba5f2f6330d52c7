"""The enterprise's own pages."""
from __future__ import annotations

from flask import Blueprint, render_template

from service.web.helpers import actor, require

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.route("/")
@require("request.submit")
def index():  # type: ignore[no-untyped-def]
    return render_template("portal/index.html", enterprise=actor().enterprise)
