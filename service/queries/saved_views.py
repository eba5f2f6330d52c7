"""The views a user saved (see service.operations.saved_views)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import NotFound
from service.models import SavedView, User


def saved_views(session: Session, user: User, endpoint: str | None = None) -> list[SavedView]:
    """The user's own views, by name; only those of one page when ``endpoint`` is given."""
    query = select(SavedView).where(SavedView.user_id == user.id)
    if endpoint is not None:
        query = query.where(SavedView.endpoint == endpoint)
    return list(session.scalars(query.order_by(SavedView.name, SavedView.id)))


def saved_view(session: Session, user: User, view_id: int) -> SavedView:
    """One of the user's views. Raises NotFound for anyone else's."""
    view = session.get(SavedView, view_id)
    if view is None or view.user_id != user.id:
        raise NotFound()
    return view
