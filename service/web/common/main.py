"""Landing page by role, and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import text

from service.models import Role
from service.web.database import db

bp = Blueprint("main", __name__)

HOME_BY_ROLE = {
    Role.ENTERPRISE: "portal.index",
    Role.STAFF: "desk.index",
    Role.DIRECTOR: "desk.index",
    Role.ADMIN: "admin.users",
}


@bp.route("/")
def home() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOME_BY_ROLE[current_user.role]))


@bp.route("/healthz")
def healthz() -> ResponseReturnValue:
    try:
        db().execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - any database failure means "not healthy", reported, never raised
        database = "unavailable"
    body = {"status": "ok" if database == "ok" else "degraded", "database": database}
    return jsonify(body), 200 if database == "ok" else 503
