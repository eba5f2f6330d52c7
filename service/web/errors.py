"""Every failure answers with a page in the reader's language, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from service.errors import DomainError, NotFound
from service.web.api.errors import error_response
from service.web.labels import MESSAGES, domain_message

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(Exception, _unexpected_error)


def _render(status: int, title: str, detail: str) -> ResponseReturnValue:
    if request.path.startswith("/api/"):
        return error_response(status, detail)
    return render_template("error.html", status=status, title=title, detail=detail), status


def _titles(status: int) -> tuple[str, str]:
    title, detail = MESSAGES.get(status, MESSAGES[400])
    return gettext(title), gettext(detail)


def _csrf_error(_error: CSRFError) -> ResponseReturnValue:
    return _render(
        400,
        gettext("Form expired"),
        gettext("The form was missing its security token or it expired. Go back, reload the page and try again."),
    )


def _http_error(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    title, detail = _titles(status)
    return _render(status, title, detail)


def _domain_error(error: DomainError) -> ResponseReturnValue:
    if isinstance(error, NotFound):
        # The one not-found page, whether a route or an operation found nothing (never saying which).
        return _render(404, *_titles(404))
    title, _ = _titles(error.status_code)
    return _render(error.status_code, title, domain_message(error))


def _database_unavailable(error: OperationalError) -> ResponseReturnValue:
    # The database is down, restarting or was dropped mid-request (or, on SQLite, stayed locked past the busy
    # timeout): a passing state, so the reader is asked to try again. A form sent again is harmless: a new
    # request carries its idempotency key, and edits their version.
    log.warning("database unavailable on %s %s", request.method, request.path, exc_info=error)
    response = make_response(_render(503, *_titles(503)))
    response.headers["Retry-After"] = "5"
    return response


def _unexpected_error(error: Exception) -> ResponseReturnValue:
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=error)
    title, detail = _titles(500)
    return _render(500, title, detail)
