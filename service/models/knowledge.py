"""The knowledge base (知识库): articles and typical cases (典型案例), their revisions, and the questions they
answered before a request was written (deflections)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.models.accounts import Enterprise, Station, User
from service.models.base import Base, utcnow
from service.models.enums import (
    Category,
    KnowledgeAudience,
    KnowledgeChange,
    KnowledgeKind,
    KnowledgeLanguage,
    KnowledgeStatus,
    ProductArea,
)
from service.models.requests import ServiceRequest

TITLE_CHARS = 200
TAGS_CHARS = 200


class KnowledgeArticle(Base):
    __tablename__ = "knowledge_articles"
    __table_args__ = (
        # Browsing: the published ones of an audience by category, newest first; the desk's list by station.
        Index("ix_knowledge_articles_browse", "status", "audience", "category", "id"),
        Index("ix_knowledge_articles_station", "station_id", "status", "id"),
        Index("ix_knowledge_articles_source", "source_request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[KnowledgeKind] = mapped_column(default=KnowledgeKind.ARTICLE)
    title: Mapped[str] = mapped_column(String(TITLE_CHARS))
    # Markdown, rendered and sanitised for the page (service.rules.markdown).
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[Category]
    product_area: Mapped[ProductArea | None]
    # Comma-separated, as typed (trimmed, each once).
    tags: Mapped[str] = mapped_column(String(TAGS_CHARS), default="")
    language: Mapped[KnowledgeLanguage]
    audience: Mapped[KnowledgeAudience] = mapped_column(default=KnowledgeAudience.PUBLIC)
    status: Mapped[KnowledgeStatus] = mapped_column(default=KnowledgeStatus.DRAFT)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    # A typical case's request: shown to the desk only.
    source_request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    # The number of its latest revision.
    revision: Mapped[int] = mapped_column(default=1)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    station: Mapped[Station] = relationship()
    source_request: Mapped[ServiceRequest | None] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User] = relationship(foreign_keys=[updated_by_id])

    @property
    def published(self) -> bool:
        return self.status == KnowledgeStatus.PUBLISHED

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(",") if tag]


class KnowledgeRevision(Base):
    """An article's title and text as one change left them, with who made it and when."""

    __tablename__ = "knowledge_revisions"
    __table_args__ = (UniqueConstraint("article_id", "number", name="uq_knowledge_revisions_article_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("knowledge_articles.id", ondelete="CASCADE"))
    number: Mapped[int]
    change: Mapped[KnowledgeChange]
    title: Mapped[str] = mapped_column(String(TITLE_CHARS))
    body: Mapped[str] = mapped_column(Text)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    changed_by: Mapped[User] = relationship()


class KnowledgeDeflection(Base):
    """An enterprise's "this answered my question" on the new-request form: a request it did not need to write."""

    __tablename__ = "knowledge_deflections"
    __table_args__ = (
        # The dashboard's count of a period, of one station or all, from the index alone.
        Index("ix_knowledge_deflections_created", "created_at", "station_id"),
        Index("ix_knowledge_deflections_article", "article_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("knowledge_articles.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    # The enterprise's home station, whose director's dashboard counts it.
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    enterprise: Mapped[Enterprise] = relationship()
