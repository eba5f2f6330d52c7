"""Fixed-window counters of the rate limits (API calls, sign-in failures, recovery requests) when they are kept in
the database, shared by every worker (service/infrastructure/counters.py; Redis keeps them instead when set)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from service.models.base import Base


class RateLimitCounter(Base):
    """One row per limited key ("token:12", "ip:10.0.0.1", "signin-ip:10.0.0.1"): the current window and its count."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    window_started_at: Mapped[datetime]
    count: Mapped[int] = mapped_column(default=0)
