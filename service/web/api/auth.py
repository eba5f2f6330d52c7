"""Bearer-token authentication and rate limits for every API call.

The API never looks at the session cookie: a browser that is signed in to the
pages but sends no token gets 401, which is also why the blueprint can be
exempt from CSRF (a cross-site form cannot set an Authorization header).
"""

from __future__ import annotations

from flask import Response, g, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from pydantic import ValidationError as PydanticError
from werkzeug.exceptions import HTTPException

from service.errors import DomainError
from service.operations import api_tokens, rate_limits
from service.web.api.errors import (
    BAD_VERSION,
    RATE_LIMITED,
    UNAUTHORIZED,
    VERSION_REQUIRED,
    domain_error_response,
    error_response,
    invalid_input_response,
)
from service.web.api.registry import BadVersion, VersionRequired, answers_if_match_failed, bp
from service.web.app_settings import settings
from service.web.database import db
from service.web.labels import MESSAGES

# Reachable without a token: the document and its page describe the API, they hold no data.
PUBLIC_ENDPOINTS = frozenset({"api.openapi_document", "api.docs"})


@bp.before_request
def authenticate() -> Response | None:
    session = db()
    auth = None
    if request.endpoint not in PUBLIC_ENDPOINTS:
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and secret.strip():
            try:
                auth = api_tokens.authenticate(session, secret.strip())
            except api_tokens.TokenRejected:
                auth = None
    limits = [(f"ip:{request.remote_addr or 'unknown'}", settings().api_rate_limit_per_ip_per_minute)]
    if auth is not None:
        limits.append((f"token:{auth.token_id}", settings().api_rate_limit_per_minute))
    wait = rate_limits.hit(session, limits)
    if wait is not None:
        return error_response(429, gettext(RATE_LIMITED, seconds=wait), headers={"Retry-After": str(wait)})
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if auth is None:
        return error_response(401, gettext(UNAUTHORIZED))
    g.api_auth = auth
    return None


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> ResponseReturnValue:
    return domain_error_response(error, 412 if answers_if_match_failed(error) else None)


@bp.errorhandler(PydanticError)
def _invalid_input(error: PydanticError) -> ResponseReturnValue:
    return invalid_input_response(error)


@bp.errorhandler(BadVersion)
def _bad_version(_error: BadVersion) -> ResponseReturnValue:
    return error_response(400, gettext(BAD_VERSION))


@bp.errorhandler(VersionRequired)
def _version_required(_error: VersionRequired) -> ResponseReturnValue:
    return error_response(428, gettext(VERSION_REQUIRED), problem=True)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    _, detail = MESSAGES.get(status, MESSAGES[400])
    return error_response(status, gettext(detail))
