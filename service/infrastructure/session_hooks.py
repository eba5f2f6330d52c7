"""What every session of the app keeps in step with its writes: the search index and the attachment files.

The app factory registers these on its own session factory (service.web.database); code that makes its
sessions elsewhere (tests, scripts) and writes requests or files registers them on its factory the same way.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from service.infrastructure import attachment_files, search_index


def register(sessions: sessionmaker[Session]) -> None:
    search_index.install(sessions)
    attachment_files.install(sessions)
