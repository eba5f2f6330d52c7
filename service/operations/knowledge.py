"""The knowledge base (知识库): the desk writes articles, a station's head or the provincial station publishes
them (service.rules.policy), every change is a revision; a typical case (典型案例) is drafted from a request's result
with what names the enterprise replaced by neutral words; an enterprise's "this answered my question" is counted.

The full-text index (service.infrastructure.knowledge_index) holds the published articles only: each operation
that publishes, edits a published article or withdraws one writes its document in the same transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import (
    CORRECT_FIELDS,
    N_,
    REQUIRED,
    TOO_LONG,
    Forbidden,
    InvalidTransition,
    NotFound,
    ValidationError,
)
from service.infrastructure import knowledge_index
from service.models import (
    Category,
    EventKind,
    KnowledgeArticle,
    KnowledgeAudience,
    KnowledgeChange,
    KnowledgeDeflection,
    KnowledgeKind,
    KnowledgeLanguage,
    KnowledgeRevision,
    KnowledgeStatus,
    Message,
    ProductArea,
    Role,
    ServiceRequest,
    User,
)
from service.models.base import utcnow
from service.models.knowledge import TAGS_CHARS, TITLE_CHARS
from service.operations.request_support import record
from service.rules import policy
from service.rules.anonymise import Identifiers, anonymise
from service.rules.policy import PolicyAction
from service.store.db import unit_of_work
from service.store.loading import load
from service.store.versioning import check_version, stale_is_conflict

MAX_BODY = 50_000
ARTICLE_CHANGED = N_(
    "Someone else changed this article while you were editing it. What you typed has been kept; "
    "compare it with the current text before saving again."
)


@dataclass(frozen=True)
class ArticleText:
    """What a writer types: everything of an article but its state."""

    title: str
    body: str
    category: Category
    language: KnowledgeLanguage
    audience: KnowledgeAudience = KnowledgeAudience.PUBLIC
    product_area: ProductArea | None = None
    tags: str = ""


def clean_tags(tags: str) -> str:
    """Tags as stored: split on commas (and their full-width form), trimmed, each once, in the order typed."""
    words = (" ".join(tag.split()) for tag in tags.replace("，", ",").replace("、", ",").split(","))
    return ",".join(dict.fromkeys(word for word in words if word))


def _checked(text: ArticleText) -> ArticleText:
    title, body, tags = " ".join(text.title.split()), text.body.strip(), clean_tags(text.tags)
    problems = {}
    if not title:
        problems["title"] = REQUIRED
    elif len(title) > TITLE_CHARS:
        problems["title"] = TOO_LONG
    if not body:
        problems["body"] = REQUIRED
    elif len(body) > MAX_BODY:
        problems["body"] = TOO_LONG
    if len(tags) > TAGS_CHARS:
        problems["tags"] = TOO_LONG
    if problems:
        raise ValidationError(CORRECT_FIELDS, fields=problems)
    return ArticleText(title, body, text.category, text.language, text.audience, text.product_area, tags)


def _revise(session: Session, article: KnowledgeArticle, actor: User, change: KnowledgeChange, now: datetime) -> None:
    if change != KnowledgeChange.CREATED:
        article.revision += 1
    article.updated_by_id, article.updated_at = actor.id, now
    session.add(
        KnowledgeRevision(
            article_id=article.id,
            number=article.revision,
            change=change,
            title=article.title,
            body=article.body,
            changed_by_id=actor.id,
            changed_at=now,
        )
    )


def create_article(
    session: Session,
    actor: User,
    text: ArticleText,
    *,
    kind: KnowledgeKind = KnowledgeKind.ARTICLE,
    source_request_id: int | None = None,
    station_id: int | None = None,
    now: datetime | None = None,
) -> KnowledgeArticle:
    """A draft owned by the actor's station (or ``station_id``, a station the actor covers), as revision 1.

    Raises Forbidden (not on the desk), ValidationError.
    """
    policy.authorize(actor, PolicyAction.KNOWLEDGE_WRITE, None)
    text, now = _checked(text), now or utcnow()
    owner = station_id if station_id is not None else actor.station_id
    if owner is None or not policy.covers_station(actor, owner):
        raise Forbidden()
    with unit_of_work(session):
        return _new_article(session, actor, text, kind, source_request_id, owner, now)


def _new_article(
    session: Session,
    actor: User,
    text: ArticleText,
    kind: KnowledgeKind,
    source_request_id: int | None,
    station_id: int,
    now: datetime,
) -> KnowledgeArticle:
    article = KnowledgeArticle(
        kind=kind,
        title=text.title,
        body=text.body,
        category=text.category,
        product_area=text.product_area,
        tags=text.tags,
        language=text.language,
        audience=text.audience,
        station_id=station_id,
        source_request_id=source_request_id,
        created_by_id=actor.id,
        created_at=now,
        updated_by_id=actor.id,
        updated_at=now,
    )
    session.add(article)
    session.flush()
    _revise(session, article, actor, KnowledgeChange.CREATED, now)
    return article


@contextmanager
def _editing(
    session: Session, actor: User, article_id: int, expected_version: int, action: PolicyAction
) -> Iterator[KnowledgeArticle]:
    with stale_is_conflict(ARTICLE_CHANGED), unit_of_work(session):
        article = load(session, actor, KnowledgeArticle, article_id, PolicyAction.KNOWLEDGE_VIEW, lock=True)
        check_version(article.version, expected_version, ARTICLE_CHANGED)
        policy.authorize(actor, action, article)
        yield article


def _index(session: Session, article: KnowledgeArticle) -> None:
    session.flush()
    connection = session.connection()
    if article.published:
        knowledge_index.write_documents(connection, [knowledge_index.article_document(article)])
    else:
        knowledge_index.delete_documents(connection, [article.id])


def edit_article(
    session: Session,
    actor: User,
    article_id: int,
    expected_version: int,
    text: ArticleText,
    *,
    publish: bool = False,
    now: datetime | None = None,
) -> KnowledgeArticle:
    """Change an article's text and filing (a new revision; a published one's search document follows), and with
    ``publish`` publish the draft in the same step (a head's or the provincial station's "Save and publish").

    Raises NotFound, Forbidden (not the owning station's desk; publishing, not a head or the provincial station),
    Conflict (changed meanwhile), ValidationError, InvalidTransition (nothing changed, or already published).
    """
    text, now = _checked(text), now or utcnow()
    action = PolicyAction.KNOWLEDGE_PUBLISH if publish else PolicyAction.KNOWLEDGE_EDIT
    with _editing(session, actor, article_id, expected_version, action) as article:
        fields = ("title", "body", "category", "product_area", "tags", "language", "audience")
        changed = any(getattr(article, name) != getattr(text, name) for name in fields)
        if publish and article.published:
            raise InvalidTransition(N_("This article is already published."))
        if not changed and not publish:
            raise InvalidTransition(N_("Nothing was changed."))
        if changed:
            for name in fields:
                setattr(article, name, getattr(text, name))
            _revise(session, article, actor, KnowledgeChange.EDITED, now)
        if publish:
            _publish(session, article, actor, now)
        _index(session, article)
    return article


def _publish(session: Session, article: KnowledgeArticle, actor: User, now: datetime) -> None:
    article.status, article.published_at = KnowledgeStatus.PUBLISHED, now
    _revise(session, article, actor, KnowledgeChange.PUBLISHED, now)


def publish_article(
    session: Session, actor: User, article_id: int, expected_version: int, *, now: datetime | None = None
) -> KnowledgeArticle:
    """Publish a draft: its readers find it from now on. Raises NotFound, Forbidden (an officer: a station's head or
    the provincial station publishes), Conflict, InvalidTransition (already published)."""
    now = now or utcnow()
    with _editing(session, actor, article_id, expected_version, PolicyAction.KNOWLEDGE_PUBLISH) as article:
        if article.published:
            raise InvalidTransition(N_("This article is already published."))
        _publish(session, article, actor, now)
        _index(session, article)
    return article


def withdraw_article(
    session: Session, actor: User, article_id: int, expected_version: int, *, now: datetime | None = None
) -> KnowledgeArticle:
    """Take a published article back to a draft (out of every search). Raises as publish_article."""
    now = now or utcnow()
    with _editing(session, actor, article_id, expected_version, PolicyAction.KNOWLEDGE_PUBLISH) as article:
        if not article.published:
            raise InvalidTransition(N_("This article is not published."))
        article.status = KnowledgeStatus.DRAFT
        _revise(session, article, actor, KnowledgeChange.WITHDRAWN, now)
        _index(session, article)
    return article


def _language_of(text: str) -> KnowledgeLanguage:
    return KnowledgeLanguage.ZH if any("\u4e00" <= char <= "\u9fff" for char in text) else KnowledgeLanguage.EN


CASE_HEADINGS = {
    KnowledgeLanguage.ZH: ("问题", "答复"),
    KnowledgeLanguage.EN: ("Question", "Answer"),
}


def draft_case(session: Session, actor: User, request_id: int, *, now: datetime | None = None) -> KnowledgeArticle:
    """Draft a typical case from a result: the request's title and description as the question, its result and the
    desk's public replies as the answer, with the enterprise's names, credit code, contacts and products replaced
    by neutral words in the request's language. A draft owned by the request's station, for the desk to edit and
    publish.

    Raises NotFound, Forbidden (not the desk, or the request has no result), InvalidTransition (a case was already
    drafted from it).
    """
    now = now or utcnow()
    with unit_of_work(session):
        request = load(session, actor, ServiceRequest, request_id, PolicyAction.REQUEST_VIEW_INTERNAL)
        policy.authorize(actor, PolicyAction.REQUEST_DRAFT_CASE, request)
        if session.scalar(select(KnowledgeArticle.id).where(KnowledgeArticle.source_request_id == request.id)):
            raise InvalidTransition(N_("A typical case has already been drafted from this request."))
        replies = list(
            session.scalars(
                select(Message.body)
                .join(User, User.id == Message.author_id)
                .where(Message.request_id == request.id, Message.internal.is_(False), User.role != Role.ENTERPRISE)
                .order_by(Message.id)
            )
        )
        contacts = list(session.scalars(select(User).where(User.enterprise_id == request.enterprise_id)))
        found = Identifiers(
            enterprise_names=(request.enterprise.name,),
            credit_codes=(request.enterprise.credit_code,),
            people=tuple(c.name for c in contacts),
            phones=tuple(c.phone for c in contacts if c.phone),
            emails=tuple(c.email for c in contacts),
            products=(request.product_name,) if request.product_name else (),
        )
        language = _language_of(request.title + request.description)
        question, answer = CASE_HEADINGS[language]
        answers = [text for text in (request.resolution_summary, *replies) if text]
        body = "\n\n".join([f"## {question}", request.description, f"## {answer}", *answers])
        text = ArticleText(
            title=anonymise(request.title, found, language)[:TITLE_CHARS],
            body=anonymise(body, found, language),
            category=request.category,
            language=language,
        )
        case = _new_article(session, actor, _checked(text), KnowledgeKind.CASE, request.id, request.station_id, now)
        # On the request's timeline for the desk only: the enterprise is not told its case became one.
        record(session, request, EventKind.CASE_DRAFTED, actor, now, article_id=case.id)
        return case


def record_deflection(
    session: Session, actor: User, article_id: int, *, now: datetime | None = None
) -> KnowledgeDeflection:
    """An enterprise's "this answered my question" on a published public article: counted for the article and on
    the dashboard of the enterprise's home station. Raises Forbidden (not an enterprise), NotFound."""
    policy.authorize(actor, PolicyAction.REQUEST_SUBMIT, None)
    if actor.enterprise is None:
        raise Forbidden()
    with unit_of_work(session):
        article = session.scalar(
            select(KnowledgeArticle).where(KnowledgeArticle.id == article_id, policy.visible_articles(actor))
        )
        if article is None:
            raise NotFound()
        deflection = KnowledgeDeflection(
            article_id=article.id,
            user_id=actor.id,
            enterprise_id=actor.enterprise.id,
            station_id=actor.enterprise.station_id,
            created_at=now or utcnow(),
        )
        session.add(deflection)
    return deflection
