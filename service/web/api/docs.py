"""The OpenAPI document and a page that renders it on the server (no script, no remote assets)."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, render_template
from flask.typing import ResponseReturnValue

from service.web.api.openapi import build_document
from service.web.api.registry import ENDPOINTS, bp

TITLE = "Innovation Service Desk API"
VERSION = "1.0.0"


def document() -> dict[str, Any]:
    cached = current_app.extensions.get("api_openapi_document")
    if cached is None:
        cached = current_app.extensions["api_openapi_document"] = build_document(
            ENDPOINTS, title=TITLE, version=VERSION
        )
    return cached


@bp.route("/openapi.json")
def openapi_document() -> ResponseReturnValue:
    response = jsonify(document())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/docs")
def docs() -> ResponseReturnValue:
    doc = document()
    operations = [
        (path, method.upper(), operation)
        for path, methods in doc["paths"].items()
        for method, operation in methods.items()
    ]
    tags: dict[str, list[Any]] = {}
    for path, method, operation in operations:
        tags.setdefault(operation["tags"][0], []).append((path, method, operation))
    return render_template("api/docs.html", doc=doc, tags=tags, schemas=doc["components"]["schemas"])
