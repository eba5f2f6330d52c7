"""Schemathesis generates calls from the OpenAPI document and checks the answers against it.

Seeded and bounded (derandomized, a few examples per operation and role) so the
run is repeatable and fast; every call goes through the real app and database.
"""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from service.models import Role
from tests.api_support import Caller, caller, new_request
from tests.suite import change_settings

pytestmark = pytest.mark.slow  # Schemathesis calls every API operation with generated input

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
# Every operation for every role is ~50 operations x 3 roles: fewer examples each keeps the run bounded.
BROAD = settings(EXAMPLES, max_examples=5)


def _run(operation, who: Caller, **fixed: object) -> None:  # type: ignore[no-untyped-def]
    @given(case=operation.as_strategy(**fixed))
    @BROAD
    def check(case) -> None:  # type: ignore[no-untyped-def]
        case.call_and_validate(headers=who.headers, checks=CHECKS)

    check()


def test_every_operation_conforms_to_the_document_for_each_role(
    app: Flask, client: FlaskClient, session: Session, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    change_settings(monkeypatch, app, api_rate_limit_per_minute=100_000, api_rate_limit_per_ip_per_minute=100_000)
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    staff = caller(session, Role.STAFF, station_code="JL-CCND")
    director = caller(session, Role.DIRECTOR, station_code="JL-CCND")
    own = new_request(client, enterprise)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    for who in (enterprise, staff, director):
        for operation in operations:
            _run(operation, who)
            if any(p.name == "request_id" for p in operation.path_parameters):
                _run(operation, who, path_parameters={"request_id": own["id"]})


def test_nothing_outside_the_callers_scope_is_reachable(
    app: Flask, client: FlaskClient, session: Session, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    change_settings(monkeypatch, app, api_rate_limit_per_minute=100_000, api_rate_limit_per_ip_per_minute=100_000)
    enterprise = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    other_station_staff = caller(session, Role.STAFF, station_code="JL-TH")
    foreign_owner = caller(session, Role.ENTERPRISE, station_code="JL-CCND")
    foreign = new_request(client, foreign_owner)
    foreign_ids = {"request_id": foreign["id"], **_plan_and_hotline_session(client, session, foreign_owner)}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    scoped = [
        result.ok()
        for result in schema.get_all_operations()
        if any(p.name in foreign_ids for p in result.ok().path_parameters)
    ]
    assert scoped
    for who in (enterprise, other_station_staff):
        for operation in scoped:
            fixed = {p.name: foreign_ids[p.name] for p in operation.path_parameters if p.name in foreign_ids}
            _run_unreachable(operation, who, fixed)


def _run_unreachable(operation, who: Caller, fixed: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    @given(case=operation.as_strategy(path_parameters=fixed))
    @EXAMPLES
    def check(case) -> None:  # type: ignore[no-untyped-def]
        response = case.call(headers=who.headers)
        # Refused before the lookup (malformed input, no If-Match, a step no one may take) or not found:
        # never a success, and never a 403 that would confirm the object exists.
        assert response.status_code in (400, 404, 409, 422, 428), (case.path, response.status_code)
        if response.status_code == 409:
            assert response.json()["error"]["code"] == "invalid_transition"

    check()


def _plan_and_hotline_session(client: FlaskClient, session: Session, owner: Caller) -> dict[str, int]:
    """A draft plan for ``owner``'s enterprise and a hotline session asked on its request."""
    staff = caller(session, Role.STAFF, station_code="JL-CCND")
    plan = client.post(
        "/api/v1/plans",
        json={
            "enterprise_id": owner.user.enterprise_id,
            "title": "一企一策",
            "goals": "注册申报",
            "liaison_id": staff.user.id,
        },
        headers=staff.headers,
    )
    request = new_request(client, owner)
    hotline = client.post(
        f"/api/v1/requests/{request['id']}/hotline-sessions", json={"reason": "请局长指导"}, headers=owner.headers
    )
    assert plan.status_code == hotline.status_code == 201
    return {"plan_id": plan.get_json()["id"], "hotline_id": hotline.get_json()["id"]}
