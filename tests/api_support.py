"""Helpers shared by the API tests: people with tokens, and calls with a bearer token."""

from __future__ import annotations

from dataclasses import dataclass

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.models import Role, User
from service.operations import api_tokens
from tests import factories


@dataclass
class Caller:
    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept-Language": "en"}


def caller(session: Session, role: Role, scope: str = "write", **kwargs: object) -> Caller:
    user = factories.user(session, role, **kwargs)  # type: ignore[arg-type]
    return Caller(user, api_tokens.create_token(session, user, "tests", scope, 30, max_days=30).secret)


def new_request(client: FlaskClient, who: Caller, **changes: object) -> dict:
    body = {
        "title": "注册检验样品数量",
        "description": "型式检验需要送几台样机？",
        "category": "type_testing",
        "lifecycle_stage": "type_testing",
        **changes,
    }
    response = client.post("/api/v1/requests", json=body, headers=who.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def triaged_to(client: FlaskClient, dispatcher: Caller, request: dict, officer: Caller) -> dict:
    """Triage a request made over the API and assign it to ``officer``: the sign-for clock starts."""
    response = client.post(
        f"/api/v1/requests/{request['id']}/triage",
        json={
            "category": "type_testing",
            "priority": "P3",
            "lifecycle_stage": "type_testing",
            "assignee_id": officer.user.id,
            "version": request["version"],
        },
        headers=dispatcher.headers,
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]
