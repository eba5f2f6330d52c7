"""The knowledge base (知识库): anyone browses and searches the published public articles and typical cases, the
desk also its internal ones; the desk writes, a station's head or the provincial station publishes; the
new-request form asks for suggestions as the enterprise types, and "this answered my question" is counted."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user

from service.errors import Conflict, InvalidTransition, ValidationError
from service.infrastructure.markdown import render
from service.models import (
    Category,
    KnowledgeAudience,
    KnowledgeKind,
    KnowledgeLanguage,
    ProductArea,
    ServiceRequest,
    User,
)
from service.operations import knowledge as operations
from service.queries import knowledge as queries
from service.rules import policy
from service.rules.policy import PolicyAction
from service.web.common.helpers import actor, flash_domain_error, require
from service.web.database import db
from service.web.forms import show_error
from service.web.forms.knowledge import (
    ArticleForm,
    ArticleStepForm,
    EditArticleForm,
    KnowledgeActionForm,
    KnowledgeSearchForm,
)

bp = Blueprint("knowledge", __name__, url_prefix="/knowledge")
bp.add_app_template_filter(render, "markdown")


@bp.app_template_global()
def may_draft_case(request: ServiceRequest) -> bool:
    """For the desk's request page: may the signed-in user draft a typical case from this request now?"""
    return current_user.is_authenticated and policy.may(actor(), PolicyAction.REQUEST_DRAFT_CASE, request)


def viewer() -> User | None:
    """The signed-in user, or None for an anonymous visitor (who reads the published public articles)."""
    return actor() if current_user.is_authenticated else None


def _typed_request() -> str | None:
    """The title and description the new-request form sent here ("look for answers", without JavaScript), or None
    for the search box's own query."""
    if "q" in request.args or not ("title" in request.args or "description" in request.args):
        return None
    return " ".join((request.args.get("title", ""), request.args.get("description", ""))).strip()[:400]


@bp.route("/")
def index() -> ResponseReturnValue:
    typed = _typed_request()
    if typed is not None:
        # A sentence, not a query: the answers it may have, as the form's suggestions would show them.
        hits = queries.suggest_articles(db(), typed, limit=queries.PER_PAGE)
        form = KnowledgeSearchForm(formdata=None, q=request.args.get("title", "")[:100])
        results = queries.KnowledgeResults(text=typed, hits=hits, total=len(hits), pages=1)
        return render_template("knowledge/index.html", form=form, results=results, typed=True)
    form = KnowledgeSearchForm(formdata=request.args)
    valid = form.validate()
    found = None
    if valid:
        found = queries.search_articles(
            db(),
            viewer(),
            form.q.data or "",
            category=Category(form.category.data) if form.category.data else None,
            kind=KnowledgeKind(form.kind.data) if form.kind.data else None,
            page=request.args.get("page", 1, type=int),
        )
    return render_template("knowledge/index.html", form=form, results=found), 200 if valid else 400


@bp.route("/suggest")
def suggest() -> ResponseReturnValue:
    """The new-request form's suggestions as an HTML fragment (its script puts it beside the form)."""
    hits = queries.suggest_articles(db(), request.args.get("q", "")[:400])
    return render_template("knowledge/_suggestions.html", hits=hits)


@bp.route("/<int:article_id>")
def article(article_id: int) -> ResponseReturnValue:
    found = queries.get_article(db(), viewer(), article_id)
    reader = viewer()
    desk = reader is not None and policy.is_desk(reader)
    return render_template(
        "knowledge/article.html",
        article=found,
        desk=desk,
        step=ArticleStepForm(version=found.version) if desk else None,
        may_edit=desk and policy.may(reader, PolicyAction.KNOWLEDGE_EDIT, found),  # type: ignore[arg-type]
        may_publish=desk and policy.may(reader, PolicyAction.KNOWLEDGE_PUBLISH, found),  # type: ignore[arg-type]
    )


@bp.route("/<int:article_id>/answered", methods=["POST"])
@require(PolicyAction.REQUEST_SUBMIT)
def answered(article_id: int) -> ResponseReturnValue:
    """ "This answered my question": the new-request form ends without a request, and the article is credited."""
    if not KnowledgeActionForm().validate_on_submit():
        abort(400)
    operations.record_deflection(db(), actor(), article_id)
    flash(gettext("We are glad the knowledge base answered your question. No request was sent."), "success")
    return redirect(url_for("portal.index"))


@bp.route("/desk")
@require(PolicyAction.KNOWLEDGE_WRITE)
def desk() -> ResponseReturnValue:
    return render_template("knowledge/desk.html", rows=queries.desk_articles(db(), actor()))


def _text(form: ArticleForm) -> operations.ArticleText:
    return operations.ArticleText(
        title=form.title.data or "",
        body=form.body.data or "",
        category=Category(form.category.data),
        language=KnowledgeLanguage(form.language.data),
        audience=KnowledgeAudience(form.audience.data),
        product_area=ProductArea(form.product_area.data) if form.product_area.data else None,
        tags=form.tags.data or "",
    )


@bp.route("/new", methods=["GET", "POST"])
@require(PolicyAction.KNOWLEDGE_WRITE)
def new() -> ResponseReturnValue:
    form = ArticleForm()
    if request.method == "GET":
        form.language.data = "zh" if str(request.accept_languages.best or "zh").startswith("zh") else "en"
    if form.validate_on_submit():
        try:
            created = operations.create_article(db(), actor(), _text(form))
        except ValidationError as error:
            show_error(form, error)
        else:
            flash(gettext("The draft is saved."), "success")
            return redirect(url_for(".article", article_id=created.id))
    return render_template("knowledge/edit.html", form=form, article=None), 400 if form.errors else 200


@bp.route("/<int:article_id>/edit", methods=["GET", "POST"])
@require(PolicyAction.KNOWLEDGE_WRITE)
def edit(article_id: int) -> ResponseReturnValue:
    found = queries.get_article(db(), actor(), article_id)
    policy.authorize(actor(), PolicyAction.KNOWLEDGE_EDIT, found)
    form = EditArticleForm(obj=found if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        try:
            publish = "publish" in request.form
            operations.edit_article(db(), actor(), article_id, form.version.data, _text(form), publish=publish)
        except ValidationError as error:
            show_error(form, error)
        except InvalidTransition as error:
            flash_domain_error(error)
        except Conflict as error:
            # Someone saved first: their text is shown, what this user typed stays in the form.
            flash_domain_error(error)
            db().expire_all()
            found = queries.get_article(db(), actor(), article_id)
            form.version.data = found.version
            status = 409
        else:
            flash(gettext("The article is published.") if publish else gettext("The article is saved."), "success")
            return redirect(url_for(".article", article_id=article_id))
    if form.errors:
        status = 400
    may_publish = not found.published and policy.may(actor(), PolicyAction.KNOWLEDGE_PUBLISH, found)
    return render_template(
        "knowledge/edit.html", form=form, article=found, stale=status == 409, may_publish=may_publish
    ), status


def _step(article_id: int, publish: bool) -> ResponseReturnValue:
    form = ArticleStepForm()
    if not form.validate_on_submit():
        queries.get_article(db(), actor(), article_id)
        abort(400)
    step = operations.publish_article if publish else operations.withdraw_article
    try:
        step(db(), actor(), article_id, form.version.data)
    except (InvalidTransition, Conflict) as error:
        flash_domain_error(error)
    else:
        flash(gettext("The article is published.") if publish else gettext("The article is withdrawn."), "success")
    return redirect(url_for(".article", article_id=article_id))


@bp.route("/<int:article_id>/publish", methods=["POST"])
@require(PolicyAction.KNOWLEDGE_WRITE)
def publish(article_id: int) -> ResponseReturnValue:
    return _step(article_id, publish=True)


@bp.route("/<int:article_id>/withdraw", methods=["POST"])
@require(PolicyAction.KNOWLEDGE_WRITE)
def withdraw(article_id: int) -> ResponseReturnValue:
    return _step(article_id, publish=False)


@bp.route("/<int:article_id>/history")
@require(PolicyAction.KNOWLEDGE_WRITE)
def history(article_id: int) -> ResponseReturnValue:
    found = queries.get_article(db(), actor(), article_id)
    return render_template("knowledge/history.html", article=found, revisions=queries.revisions(db(), found))


@bp.route("/cases/from-request/<int:request_id>", methods=["POST"])
@require(PolicyAction.DESK_USE)
def draft_case(request_id: int) -> ResponseReturnValue:
    """A typical case drafted from a result: the first of two steps (the second: edit and publish)."""
    if not KnowledgeActionForm().validate_on_submit():
        abort(400)
    try:
        case = operations.draft_case(db(), actor(), request_id)
    except InvalidTransition as error:
        drafted = queries.case_of_request(db(), request_id)
        flash_domain_error(error)
        if drafted is None:
            return redirect(url_for("desk.request_detail", request_id=request_id))
        return redirect(url_for(".article", article_id=drafted.id))
    flash(
        gettext("A typical case is drafted from this request. Check the neutral wording, then publish it."), "success"
    )
    return redirect(url_for(".edit", article_id=case.id))
