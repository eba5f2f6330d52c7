"""Saved views: a user keeps the filters of a list or search page under a name.

A view stores the page (its endpoint) and the query string of its filters,
cleaned of anything tied to one moment (the keyset cursor, the page number, a
CSRF token). Views are private to their owner; saving under a name the owner
already used for that page replaces it.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.errors import CORRECT_FIELDS, N_, NotFound, ValidationError
from service.models import SavedView, User
from service.store.db import unit_of_work

MAX_VIEWS_PER_USER = 50
MAX_NAME = 120
MAX_QUERY = 2000
# Parameters that place a reader inside one moment's results, not part of what they filter on.
TRANSIENT_PARAMETERS = frozenset({"cursor", "page", "csrf_token"})
_ENDPOINT = re.compile(r"^[a-z_]+\.[a-z_]+$")


def clean_query(query: str) -> str:
    """The query string without empty or transient parameters, in a stable encoding."""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=False) if k not in TRANSIENT_PARAMETERS]
    return urlencode(pairs)


def save_view(session: Session, actor: User, name: str, endpoint: str, query: str) -> SavedView:
    """Save the filters ``query`` of the page ``endpoint`` under ``name`` (replacing that page's view of that name).

    Raises ValidationError for an empty or long name, an unknown page, a query
    too long to keep, or when the user already keeps MAX_VIEWS_PER_USER views.
    """
    name = " ".join(name.split())
    query = clean_query(query)
    problems = {}
    if not name:
        problems["name"] = N_("Give the view a name.")
    elif len(name) > MAX_NAME:
        problems["name"] = N_("Keep the name under 120 characters.")
    if not _ENDPOINT.match(endpoint) or len(query) > MAX_QUERY:
        problems["query"] = N_("This page cannot be saved as a view.")
    if problems:
        raise ValidationError(CORRECT_FIELDS, fields=problems)
    with unit_of_work(session):
        view = session.scalars(
            select(SavedView).where(
                SavedView.user_id == actor.id, SavedView.endpoint == endpoint, SavedView.name == name
            )
        ).first()
        if view is not None:
            view.query = query
            return view
        kept = session.scalar(select(func.count()).select_from(SavedView).where(SavedView.user_id == actor.id))
        if (kept or 0) >= MAX_VIEWS_PER_USER:
            raise ValidationError(
                N_("You keep %(count)s saved views already; delete one first."), count=MAX_VIEWS_PER_USER
            )
        view = SavedView(user_id=actor.id, name=name, endpoint=endpoint, query=query)
        session.add(view)
    return view


def delete_view(session: Session, actor: User, view_id: int) -> None:
    """Delete one of the actor's views. Raises NotFound for anyone else's (or no such view)."""
    with unit_of_work(session):
        view = session.get(SavedView, view_id)
        if view is None or view.user_id != actor.id:
            raise NotFound()
        session.delete(view)
