"""Full-text search of requests, and saved views of any filtered list.

Enterprises search their own requests' public text; desk users their scope's
requests, internal notes included (service.queries.search). A saved view is
the query string of a list page kept under a name; any list template can
offer one with the ``saved_views_panel()`` template global and the macro in
templates/search/_saved_views.html.
"""

from __future__ import annotations

from enum import Enum
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from service.errors import ValidationError
from service.models import Category, LifecycleStage, PlanStatus, Priority, Role, SavedView, Status
from service.operations import saved_views as saved_view_operations
from service.queries.saved_views import saved_view, saved_views
from service.queries.search import search_requests, sees_internal
from service.rules import policy
from service.rules.policy import PolicyAction
from service.web.common.helpers import actor, flash_domain_error
from service.web.database import db
from service.web.forms.search import SaveViewForm, SearchForm
from service.web.labels import label

bp = Blueprint("search", __name__, url_prefix="/search")

# Pages whose filters can be kept as a view (lists and searches reached by GET without path arguments), by name.
SAVEABLE_ENDPOINTS: dict[str, object] = {
    "search.index": _l("Search"),
    "desk.index": _l("Desk"),
    "portal.index": _l("My requests"),
    "director.cases": _l("Cases"),
    "director.escalated": _l("Escalated"),
    "director.dashboard_page": _l("Dashboard"),
    "plans.index": _l("Service plans"),
    "hotline.index": _l("Hotline"),
}
# The filters a saved view is listed by: words searched for, and values of the vocabularies the lists share.
# Other settings (a tab, an order, a station, dates) show when the view is opened.
TYPED_FILTERS = ("q", "text")
VOCABULARY_FILTERS: dict[str, type[Enum]] = {
    "category": Category,
    "priority": Priority,
    "lifecycle_stage": LifecycleStage,
}


def _may_search() -> bool:
    user = actor()
    return policy.may(user, PolicyAction.DESK_USE) or policy.may(user, PolicyAction.REQUEST_SUBMIT)


def _detail_endpoint() -> str:
    return "portal.request_detail" if actor().role == Role.ENTERPRISE else "desk.request_detail"


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    if not _may_search():
        abort(403)
    form = SearchForm(formdata=request.args)
    page = request.args.get("page", 1, type=int)
    valid = form.validate()
    results = search_requests(db(), actor(), form.q.data or "", page) if valid else None
    return render_template(
        "search/index.html",
        form=form,
        results=results,
        internal=sees_internal(actor()),
        detail_endpoint=_detail_endpoint(),
    ), 200 if valid else 400


def view_url(view: SavedView) -> str:
    base = url_for(view.endpoint)
    return f"{base}?{view.query}" if view.query else base


@bp.app_template_global()
def saved_views_panel() -> dict[str, object] | None:
    """The current page's saved views and a form to save its filters (None where views do not apply)."""
    endpoint = request.endpoint or ""
    if endpoint not in SAVEABLE_ENDPOINTS:
        return None
    query = saved_view_operations.clean_query(request.query_string.decode("utf-8", "replace"))
    return {
        "form": SaveViewForm(formdata=None, endpoint=endpoint, query=query),
        "views": saved_views(db(), actor(), endpoint),
        "filtered": bool(query),
    }


def _filter_words(endpoint: str, key: str, value: str) -> str | None:
    if key in TYPED_FILTERS:
        return gettext("“%(words)s”", words=value)
    vocabulary = (
        (PlanStatus if endpoint == "plans.index" else Status) if key == "status" else VOCABULARY_FILTERS.get(key)
    )
    if vocabulary is None or value not in {member.value for member in vocabulary}:
        return None
    return label(vocabulary(value))


def describe_view(view: SavedView) -> str:
    """The page a saved view opens and its main filters, in the reader's language (never the raw query)."""
    words = [_filter_words(view.endpoint, key, value) for key, value in parse_qsl(view.query)]
    return " · ".join([str(SAVEABLE_ENDPOINTS.get(view.endpoint, "")), *(w for w in words if w)])


@bp.route("/views")
@login_required
def views() -> ResponseReturnValue:
    kept = [view for view in saved_views(db(), actor()) if view.endpoint in current_app.view_functions]
    return render_template("search/views.html", views=kept, view_url=view_url, describe=describe_view)


@bp.route("/views", methods=["POST"])
@login_required
def save_view() -> ResponseReturnValue:
    form = SaveViewForm()
    endpoint = form.endpoint.data or ""
    if endpoint not in SAVEABLE_ENDPOINTS or endpoint not in current_app.view_functions:
        abort(400)
    back = url_for(endpoint) + (f"?{form.query.data}" if form.query.data else "")
    if not form.validate_on_submit():
        flash(gettext("Give the view a name (up to 120 characters)."), "error")
        return redirect(back)
    try:
        view = saved_view_operations.save_view(db(), actor(), form.name.data, endpoint, form.query.data or "")
    except ValidationError as error:
        flash_domain_error(error)
        return redirect(back)
    flash(gettext("Saved as “%(name)s”.", name=view.name), "success")
    return redirect(view_url(view))


@bp.route("/views/<int:view_id>")
@login_required
def open_view(view_id: int) -> ResponseReturnValue:
    view = saved_view(db(), actor(), view_id)
    if view.endpoint not in current_app.view_functions:
        abort(404)
    return redirect(view_url(view))


@bp.route("/views/<int:view_id>/delete", methods=["POST"])
@login_required
def delete_view(view_id: int) -> ResponseReturnValue:
    saved_view_operations.delete_view(db(), actor(), view_id)
    flash(gettext("The saved view is deleted."), "success")
    return redirect(url_for("search.views"))


def page_url(results_text: str, page: int) -> str:
    return url_for("search.index") + "?" + urlencode({"q": results_text, "page": page})


bp.add_app_template_global(page_url, "search_page_url")
