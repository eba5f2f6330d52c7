"""The desk's page of one enterprise: who it is, who speaks for it, and everything the desk has done with it."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from service.models import Enterprise, EnterpriseSize, ProductArea
from service.models.base import utcnow
from service.queries.enterprises import Cursors, enterprise_page
from service.rules import policy
from service.rules.policy import PolicyAction
from service.web.common.helpers import actor, require
from service.web.common.request_display import install_template_helpers
from service.web.common.request_pages import cursor_arg
from service.web.database import db

bp = Blueprint("enterprises", __name__, url_prefix="/desk/enterprises")
install_template_helpers(bp)


@bp.app_template_global()
def may_open_enterprise(enterprise: Enterprise) -> bool:
    """For a request page: whether its enterprise's page opens for the reader (not for a task force's guest)."""
    return policy.may(actor(), PolicyAction.ENTERPRISE_VIEW, enterprise)


@bp.route("/<int:enterprise_id>")
@require(PolicyAction.ENTERPRISE_VERIFY)
def show(enterprise_id: int) -> ResponseReturnValue:
    cursors = Cursors(cursor_arg("requests"), cursor_arg("plans"), cursor_arg("hotlines"))
    page = enterprise_page(db(), actor(), enterprise_id, cursors, utcnow())
    areas = [ProductArea(area) for area in page.enterprise.product_areas if area in set(ProductArea)]
    return render_template(
        "desk/enterprise.html",
        page=page,
        cursors=cursors,
        areas=areas,
        size=EnterpriseSize(page.enterprise.size),
    )
