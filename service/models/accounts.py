"""Stations, enterprises, users and what sign-in needs to remember."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.models.base import Base, utcnow
from service.models.enums import EnterpriseRole, EnterpriseSize, Role


class Station(Base):
    __tablename__ = "stations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160))
    region: Mapped[str] = mapped_column(String(120), default="")
    is_hub: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # The station's head approves each result before the enterprise is told (办结审核); set by an administrator.
    review_closures: Mapped[bool] = mapped_column(default=False)

    def name_for(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh


class Enterprise(Base):
    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    city: Mapped[str] = mapped_column(String(120))
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    size: Mapped[EnterpriseSize]
    product_areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    verified: Mapped[bool] = mapped_column(default=False)
    verified_at: Mapped[datetime | None]
    # Who verified, for the record; no foreign key, which would make users and
    # enterprises depend on each other and need a deferred constraint.
    verified_by_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Moves on with every change to the enterprise's colleagues (an invitation, a role, a deactivation): a
    # form made from an older list of colleagues is refused rather than acting on what it did not show.
    roster_version: Mapped[int] = mapped_column(default=1, server_default="1")

    station: Mapped[Station] = relationship()


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role]
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    # An enterprise user's place in its enterprise (None for the desk and administrators).
    enterprise_role: Mapped[EnterpriseRole | None]
    locale: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Part of the session cookie: changing it ends every live session of the
    # user (logout, password change, deactivation).
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # Set when an administrator reset the password: the temporary one must be replaced before anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    # Two-step sign-in is on once the user confirmed a code; a secret without
    # this date is an enrolment in progress.
    totp_enabled_at: Mapped[datetime | None]
    # The last accepted TOTP time step: a code is good once, never replayed.
    totp_last_step: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    station: Mapped[Station | None] = relationship()
    enterprise: Mapped[Enterprise | None] = relationship(foreign_keys=[enterprise_id])

    # Flask-Login's user protocol, kept here so that every layer shares one User.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"


class RecoveryCode(Base):
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None]


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user", "user_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(64), default="read")
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class SavedView(Base):
    __tablename__ = "saved_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    endpoint: Mapped[str] = mapped_column(String(64))
    query: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invitation(Base):
    """An enterprise administrator's invitation of a colleague by mail; the link in it is good once, until it
    expires, and only while the invitation is neither accepted nor revoked (service.operations.colleagues)."""

    __tablename__ = "enterprise_invitations"
    __table_args__ = (Index("ix_enterprise_invitations_enterprise", "enterprise_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    enterprise_role: Mapped[EnterpriseRole]
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The last time it was mailed: the link of an earlier mail dies when it is sent again.
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]

    enterprise: Mapped[Enterprise] = relationship()
    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id])
