"""Every POST route refuses a form without a valid CSRF token, enumerated from the URL map; the API,
which is exempt from CSRF, refuses the session cookie instead of trusting it."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.models.base import Base
from tests.security.probe import Prober
from tests.security.world import World, fill, rules

ROLES_TRIED = ("anonymous", "enterprise_a", "staff_x", "director_x", "admin")


def _row_counts(session: Session) -> dict[str, int]:
    return {t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


def _post_routes(app: Flask, world: World, api: bool) -> list[tuple[str, str]]:
    values = world.converter_values()
    return [
        (rule.endpoint, fill(rule, values))
        for rule in rules(app)
        if "POST" in (rule.methods or ()) and rule.rule.startswith("/api/") == api
    ]


def test_every_form_post_without_a_token_is_refused_and_changes_nothing(
    web: Flask, prober: Prober, world: World, session: Session
) -> None:
    before = _row_counts(session)
    accepted = []
    routes = _post_routes(web, world, api=False)
    assert len(routes) > 20, "the URL map should list the app's forms"
    for role in ROLES_TRIED:
        client = prober.clients[role]
        for endpoint, path in routes:
            for data in ({}, {"csrf_token": "forged-" + prober.tokens[role][7:]}):
                response = client.post(path, data=data, headers={"Accept-Language": "en"})
                if response.status_code != 400 or "security token" not in response.get_data(as_text=True):
                    accepted.append(f"{role} {endpoint} {path} {sorted(data)}: {response.status_code}")
    assert accepted == [], "POSTs that got past CSRF protection:\n" + "\n".join(accepted)
    session.expire_all()
    assert _row_counts(session) == before


def test_a_token_from_another_session_is_refused_everywhere(web: Flask, prober: Prober, world: World) -> None:
    stolen = prober.tokens["enterprise_b"]
    accepted = [
        f"{endpoint}: {code}"
        for endpoint, path in _post_routes(web, world, api=False)
        if (code := prober.clients["staff_x"].post(path, data={"csrf_token": stolen}).status_code) != 400
    ]
    assert accepted == []


def test_the_api_ignores_the_session_cookie(web: Flask, prober: Prober, world: World) -> None:
    """CSRF cannot work against bearer tokens; a signed-in browser without one gets 401 on every API POST."""
    routes = _post_routes(web, world, api=True)
    assert routes, "the API has POST routes"
    answered = [
        f"{endpoint}: {code}"
        for endpoint, path in routes
        if (code := prober.clients["staff_x"].post(path, json={}).status_code) != 401
    ]
    assert answered == []
