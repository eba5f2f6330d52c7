"""The API's one error shape: {"error": {"code", "status", "message", "fields"}}, in the caller's language."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_babel import gettext
from pydantic import ValidationError as PydanticError
from werkzeug.http import HTTP_STATUS_CODES

from service.errors import (
    CORRECT_FIELDS,
    N_,
    REQUIRED,
    TOO_LONG,
    Conflict,
    DomainError,
    Forbidden,
    InvalidTransition,
    NeedsConfirmation,
    NotFound,
    ValidationError,
)
from service.store import open_work
from service.web.labels import domain_message

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    428: "precondition_required",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}
DOMAIN_CODES: dict[type[DomainError], str] = {
    NotFound: "not_found",
    Forbidden: "forbidden",
    InvalidTransition: "invalid_transition",
    Conflict: "conflict",
    NeedsConfirmation: "confirmation_required",
    ValidationError: "validation_error",
}

UNAUTHORIZED = N_("Send a valid personal access token as 'Authorization: Bearer <token>'.")
READ_ONLY = N_("This token may only read; create a token with the write scope to make changes.")
RATE_LIMITED = N_("Too many requests; wait %(seconds)s seconds and try again.")
BAD_JSON = N_("The body must be a JSON object.")
BAD_VERSION = N_("If-Match must be the version number of the record you edited.")
VERSION_REQUIRED = N_(
    "Send the ETag of the record you read as If-Match (or its version in the body), so that "
    "no one else's change is overwritten."
)

# pydantic's error types -> our message ids (pydantic's own messages are English only).
FIELD_MESSAGES = {
    "missing": REQUIRED,
    "extra_forbidden": N_("This field is not known."),
    "string_too_short": N_("This field must not be empty."),
    "string_too_long": TOO_LONG,
    "string_pattern_mismatch": N_("This text contains characters that are not allowed."),
    "enum": N_("Choose one of the allowed values."),
    "literal_error": N_("Choose one of the allowed values."),
    "greater_than_equal": N_("This number is too small."),
    "less_than_equal": N_("This number is too large."),
    "too_long": N_("This list has too many items."),
    "timezone_aware": N_("Give the time with its UTC offset, e.g. 2026-05-01T09:30:00+08:00."),
}
WRONG_TYPE = N_("This value has the wrong type or format.")


def error_response(
    status: int,
    message: str,
    fields: dict[str, str] | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
    problem: bool = False,
    detail: dict[str, Any] | None = None,
) -> Response:
    """A translated JSON error answer; ``message`` and ``fields`` are already in the caller's language.

    ``detail`` adds members to the error object (e.g. the open work a refused resolve lists).
    ``problem`` also makes it an RFC 9457 problem document (application/problem+json) for clients that
    handle those generically; the ``error`` member stays, so the API keeps one error shape.
    """
    body: dict[str, Any] = {
        "error": {
            "code": code or CODES.get(status, "error"),
            "status": status,
            "message": message,
            "fields": fields or {},
            **(detail or {}),
        }
    }
    if problem:
        body.update(type="about:blank", title=HTTP_STATUS_CODES[status], status=status, detail=message)
    response = jsonify(body)
    response.status_code = status
    if problem:
        response.mimetype = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def domain_error_response(error: DomainError, status: int | None = None) -> Response:
    """``status`` overrides the error's own, with its code (a stale If-Match answers 412, not 409)."""
    fields = error.fields if isinstance(error, ValidationError) else {}
    code = None if status else next((c for kind, c in DOMAIN_CODES.items() if isinstance(error, kind)), None)
    params = {k: v for k, v in error.params.items() if isinstance(v, (str, int, float))}
    detail = {"open_items": error.items} if isinstance(error, NeedsConfirmation) else None
    return error_response(
        status or error.status_code,
        domain_message(error),
        {name: gettext(text, **params) for name, text in fields.items()},
        code,
        detail=detail,
    )


def invalid_input_response(error: PydanticError, prefix: str = "") -> Response:
    """422 naming each offending field (dotted paths into the JSON body or the query string)."""
    fields: dict[str, str] = {}
    for item in error.errors():
        name = prefix + ".".join(str(part) for part in item["loc"]) if item["loc"] else prefix.rstrip(".") or "body"
        fields.setdefault(name, gettext(FIELD_MESSAGES.get(item["type"], WRONG_TYPE)))
    return error_response(422, gettext(CORRECT_FIELDS), fields)


def error_schema() -> dict[str, Any]:
    """JSON Schema of the error body, for the OpenAPI document."""
    error = {
        "type": "object",
        "required": ["code", "status", "message", "fields"],
        "properties": {
            "code": {"type": "string", "examples": ["not_found"]},
            "status": {"type": "integer"},
            "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            "open_items": {
                "description": "Work still open that a resolve without `confirmed` was refused for.",
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["kind", "id", "title"],
                    "properties": {
                        "kind": {"enum": list(open_work.KINDS)},
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                    },
                },
            },
        },
    }
    # The RFC 9457 members are there in application/problem+json answers (428) only.
    problem = {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
    }
    return {"type": "object", "required": ["error"], "properties": {"error": error, **problem}}
