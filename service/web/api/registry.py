"""The API blueprint and its endpoint decorator.

Every endpoint is declared once, with the pydantic models of its input and
output; the decorator both wires the Flask route and records the declaration,
and the OpenAPI document is built from those records (see openapi.py), so the
document cannot drift from the code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from flask_babel import gettext
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from service.errors import StaleVersion
from service.models import User
from service.web.api.errors import BAD_JSON, READ_ONLY, error_response, invalid_input_response

bp = Blueprint("api", __name__, url_prefix="/api/v1")

READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Endpoint:
    rule: str
    method: str
    name: str
    summary: str
    tag: str
    description: str = ""
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    multipart: dict[str, Any] | None = None  # JSON Schema of a multipart/form-data body
    response: type[BaseModel] | None = None
    status: int = 200
    binary: bool = False  # the answer is a file download
    media_type: str = "application/octet-stream"  # of a binary answer
    headers: tuple[str, ...] = ()
    errors: frozenset[int] = field(default_factory=frozenset)

    @property
    def writes(self) -> bool:
        return self.method not in READ_METHODS


ENDPOINTS: list[Endpoint] = []


def endpoint(
    rule: str, method: str = "GET", *, summary: str, tag: str, **details: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare and route one API operation.

    The view receives its path values plus ``body``/``query`` (validated
    models) when declared, and returns a pydantic model (sent as JSON with the
    declared status) or a finished Response.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        spec = Endpoint(rule=rule, method=method, name=view.__name__, summary=summary, tag=tag, **details)

        @wraps(view)
        def wrapped(**path: Any) -> Any:
            if spec.writes and not g.api_auth.allows("write"):
                return error_response(403, gettext(READ_ONLY))
            kwargs = dict(path)
            try:
                if spec.query is not None:
                    kwargs["query"] = spec.query.model_validate(request.args.to_dict())
                if spec.body is not None:
                    kwargs["body"] = _json_body(spec.body)
            except _BadJson:
                return error_response(400, gettext(BAD_JSON))
            except PydanticError as error:
                return invalid_input_response(error)
            result = view(**kwargs)
            if isinstance(result, Response):
                return result
            response = jsonify(result.model_dump(mode="json"))
            response.status_code = spec.status
            if isinstance(getattr(result, "version", None), int):
                # The version is the record's ETag: the next write sends it back as If-Match.
                response.set_etag(str(result.version))
            return response

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapped, methods=[method])
        ENDPOINTS.append(spec)
        return wrapped

    return decorate


class _BadJson(Exception):
    pass


def _json_body(model: type[BaseModel]) -> BaseModel:
    if not request.is_json:
        raise _BadJson()
    try:
        return model.model_validate_json(request.get_data(), strict=True)
    except PydanticError as error:
        if any(item["type"] == "json_invalid" for item in error.errors()):
            raise _BadJson() from None
        raise


def caller() -> User:
    """The user behind the bearer token of this API call (never the session cookie)."""
    user: User = g.api_auth.user
    return user


class BadVersion(Exception):
    """An If-Match header that is empty or not one version ETag (answered 400)."""


class VersionRequired(Exception):
    """A write to a versioned record that names no version (answered 428 Precondition Required)."""


def expected_version(body_version: int | None = None) -> int:
    """The version the caller edited: the body's ``version`` field, else the If-Match header (the ETag of a GET).

    A present If-Match must be well-formed even when the body names the version.
    """
    header = _if_match()
    if body_version is not None:
        return body_version
    if header is None:
        raise VersionRequired()
    return header


def _if_match() -> int | None:
    if "If-Match" not in request.headers:
        return None
    raw = request.headers["If-Match"].strip().removeprefix("W/")
    if raw.startswith('"') and raw.endswith('"') and len(raw) > 1:
        raw = raw[1:-1]
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise BadVersion()
    return int(raw)


def answers_if_match_failed(error: Exception) -> bool:
    """A stale version sent as If-Match fails the HTTP precondition (412); one sent in the body is a conflict (409)."""
    return isinstance(error, StaleVersion) and "If-Match" in request.headers
