"""Templates only render what their page's presenter built: no statement runs while a page's template renders."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask, before_render_template, template_rendered
from flask.testing import FlaskClient
from sqlalchemy import Connection, event

from service.models import ServiceRequest
from tests.conftest import login
from tests.request_helpers import People, people  # noqa: F401 - fixtures
from tests.test_request_page_statements import full  # noqa: F401 - fixture
from tests.web_requests_support import EN, settings  # noqa: F401 - fixtures


@contextmanager
def rendering_statements(app: Flask, connection: Connection) -> Iterator[list[str]]:
    """The statements run while a template renders (between Flask's before- and after-render signals)."""
    seen: list[str] = []
    rendering = [False]

    def started(*_args: object, **_kwargs: object) -> None:
        rendering[0] = True

    def finished(*_args: object, **_kwargs: object) -> None:
        rendering[0] = False

    def record(_conn, _cursor, statement, *_rest):  # type: ignore[no-untyped-def]
        if rendering[0]:
            seen.append(" ".join(statement.split()))

    before_render_template.connect(started, app)
    template_rendered.connect(finished, app)
    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)
        template_rendered.disconnect(finished, app)
        before_render_template.disconnect(started, app)


@pytest.mark.parametrize("audience", ["desk", "portal"])
def test_a_request_page_renders_without_sql(app: Flask, client: FlaskClient, connection: Connection, people: People,
                                            full: ServiceRequest, audience: str) -> None:
    login(client, people.staff if audience == "desk" else people.owner)
    with rendering_statements(app, connection) as seen:
        response = client.get(f"/{audience}/requests/{full.id}", headers=EN)
    assert response.status_code == 200
    assert seen == []
