"""Calling every route as every role, each call undone afterwards, answers reduced to one letter.

Letters: L login redirect, U 401, F 403, N 404, M 405, R 429, E 5xx, V refused input (400, 409, 422:
allowed in, but the empty form the call sends is not acceptable), K anything else (the page, a redirect
elsewhere, a file).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection
from werkzeug.test import TestResponse

from tests.security.world import ROLES, World, sign_in


def letter(response: TestResponse) -> str:
    status = response.status_code
    if status >= 500:
        return "E"
    if status in (301, 302, 303, 307) and urlsplit(response.headers.get("Location", "")).path == "/login":
        return "L"
    return {400: "V", 401: "U", 403: "F", 404: "N", 405: "M", 409: "V", 412: "V", 422: "V", 428: "V", 429: "R"}.get(
        status, "K"
    )


class Prober:
    """One signed-in test client per role; every call runs in a savepoint that is rolled back."""

    def __init__(self, app: Flask, connection: Connection, world: World) -> None:
        self.connection, self.world = connection, world
        self.clients: dict[str, FlaskClient] = {}
        self.tokens: dict[str, str] = {}
        self.cookies: dict[str, str] = {}
        for role in ROLES:
            client = app.test_client()
            self.tokens[role] = sign_in(client, world, role)
            self.clients[role] = client
            self.cookies[role] = client.get_cookie("session").value  # type: ignore[union-attr]

    @contextmanager
    def undone(self, role: str) -> Iterator[None]:
        """Run a call, then undo it: its database changes, and its changes to the role's session cookie."""
        self.clients[role].set_cookie("session", self.cookies[role])
        savepoint = self.connection.begin_nested()
        try:
            yield
        finally:
            savepoint.rollback()

    def call(
        self,
        role: str,
        method: str,
        path: str,
        data: dict | None = None,
        csrf: bool = True,
        inspect: Callable[[TestResponse], None] | None = None,
        **kwargs: object,
    ) -> TestResponse:
        """Call ``path`` as ``role``; ``inspect`` sees the response before the call's changes are undone."""
        client = self.clients[role]
        headers = dict(kwargs.pop("headers", {}) or {})  # type: ignore[arg-type]
        if path.startswith("/api/") and role != "anonymous":
            headers["Authorization"] = f"Bearer {self.world.bearer[role]}"
        with self.undone(role):
            if method == "GET":
                response = client.get(path, headers=headers, **kwargs)
            elif not path.startswith("/api/"):
                form = {**({"csrf_token": self.tokens[role]} if csrf else {}), **(data or {})}
                response = client.post(path, headers=headers, data=form, **kwargs)
            elif any(isinstance(value, tuple) for value in (data or {}).values()):  # files: multipart
                response = client.post(path, headers=headers, data=data, **kwargs)
            else:
                response = client.post(path, headers=headers, json=data or {}, **kwargs)
            # A streamed answer (the CSV export) reads the database while it is consumed: inside the savepoint.
            response.get_data()
            response.close()
            if inspect is not None:
                inspect(response)
            return response
