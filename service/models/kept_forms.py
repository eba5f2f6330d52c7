"""Forms sent back to the page they came from (post/redirect/get), each waiting to be drawn there once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from service.models.base import Base


class KeptForm(Base):
    """What a user typed in a form the server did not take, and the messages to show beside it.

    In the database rather than the session cookie: a form's text runs to 20,000 characters, and a
    cookie holds 4 KB. The cookie carries only the token.
    """

    __tablename__ = "kept_forms"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
