"""The OpenAPI 3.1 document, built from the endpoint declarations and their pydantic models."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from service.web.api.errors import error_schema
from service.web.api.registry import Endpoint
from service.web.converters import MAX_ID

REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")

HEADERS: dict[str, dict[str, Any]] = {
    "If-Match": {
        "description": "The ETag of the record you read (every answer carrying the record sends it), e.g. "
        '`"3"`. Required unless the body carries `version`: without either the write answers '
        "428; a record changed since answers 412; an empty or malformed If-Match answers 400.",
        "schema": {"type": "string", "pattern": r'^(W/)?"?[0-9]{1,9}"?$'},
    },
    "Idempotency-Key": {
        "description": "Any unique string of yours: repeating a submission with the same key and body returns "
        "the request created the first time instead of a duplicate; the same key with a "
        "different body answers 422.",
        "schema": {"type": "string", "pattern": r"^[\x21-\x7e]{1,64}$"},
    },
}
ERROR_TEXT = {
    400: "Malformed request (not JSON, bad header).",
    401: "Missing, unknown, expired or revoked token.",
    403: "Not allowed for this user or token scope.",
    404: "No such object within your scope.",
    409: "Version conflict (version sent in the body) or a step the lifecycle does not allow now.",
    412: "If-Match names a version the record no longer has: read it again.",
    413: "Upload too large.",
    422: "Input breaks a rule; see error.fields.",
    428: "A versioned record is written without If-Match (or a body `version`): send the ETag you read.",
    429: "Rate limit reached; see Retry-After.",
}


def build_document(endpoints: list[Endpoint], *, title: str, version: str) -> dict[str, Any]:
    keys, schemas = _component_schemas(endpoints)
    defs = schemas.setdefault("$defs", {})
    defs["Error"] = error_schema()
    paths: dict[str, dict[str, Any]] = {}
    for spec in endpoints:
        openapi_path = "/api/v1" + _PATH_PARAM.sub(lambda m: "{" + m.group(2) + "}", spec.rule)
        paths.setdefault(openapi_path, {})[spec.method.lower()] = _operation(spec, keys, defs)
    for spec in endpoints:
        if spec.query is not None:  # spelled out as parameters above
            defs.pop(spec.query.__name__, None)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "JSON API of the Innovation Service Desk. Authenticate with a personal access "
            "token: `Authorization: Bearer isd_…` (create one under Account → API tokens).",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "schemas": defs,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "A personal access token (isd_…)."}
            },
        },
    }


# Each (model, mode)'s JSON Schema, as pydantic's models_json_schema gives them.
SchemaKeys = dict[tuple[Any, JsonSchemaMode], dict[str, Any]]


def _component_schemas(endpoints: list[Endpoint]) -> tuple[SchemaKeys, dict[str, Any]]:
    wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {}
    for spec in endpoints:
        uses: tuple[tuple[type[BaseModel] | None, JsonSchemaMode], ...] = (
            (spec.body, "validation"),
            (spec.query, "validation"),
            (spec.response, "serialization"),
        )
        for model, mode in uses:
            if model is not None:
                wanted[(model, mode)] = None
    keys, schemas = models_json_schema(list(wanted), ref_template=REF)
    return keys, schemas


def _deref(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    return defs[ref.rsplit("/", 1)[-1]] if ref else schema


def _parameters(spec: Endpoint, keys: SchemaKeys, defs: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for converter, name in _PATH_PARAM.findall(spec.rule):
        schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID} if converter == "int" else {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    if spec.query is not None:
        model = _deref(keys[(spec.query, "validation")], defs)
        required = set(model.get("required", []))
        for name, schema in model.get("properties", {}).items():
            params.append({"name": name, "in": "query", "required": name in required, "schema": _not_null(schema)})
    for header in spec.headers:
        params.append({"name": header, "in": "header", "required": False, **HEADERS[header]})
    return params


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query string cannot carry JSON null: an optional parameter is simply left out."""
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if len(options) == 1:
        rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
        return {**options[0], **rest}
    return {k: v for k, v in schema.items() if k != "default" or v is not None}


def _operation(spec: Endpoint, keys: SchemaKeys, defs: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": spec.name,
        "summary": spec.summary,
        "tags": [spec.tag],
        "parameters": _parameters(spec, keys, defs),
        "responses": _responses(spec, keys),
    }
    if spec.description:
        operation["description"] = spec.description
    if spec.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": keys[(spec.body, "validation")]}},
        }
    elif spec.multipart is not None:
        operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": spec.multipart}}}
    return operation


def _responses(spec: Endpoint, keys: SchemaKeys) -> dict[str, Any]:
    if spec.binary:
        success: dict[str, Any] = {
            "description": "The file, as a download.",
            "content": {spec.media_type: {"schema": {"type": "string", "format": "binary"}}},
        }
    elif spec.response is not None:
        success = {
            "description": "OK",
            "content": {"application/json": {"schema": keys[(spec.response, "serialization")]}},
        }
        if "version" in spec.response.model_fields:
            success["headers"] = {
                "ETag": {"description": "The record's version, to send back as If-Match.", "schema": {"type": "string"}}
            }
    else:
        success = {"description": "Done"}
    statuses = {400, 401, 403, 404, 422, 429} | set(spec.errors)
    if spec.writes:
        statuses.add(409)
    if "If-Match" in spec.headers:
        statuses |= {412, 428}
    if spec.multipart is not None:
        statuses.add(413)
    responses: dict[str, Any] = {str(spec.status): success}
    for status in sorted(statuses):
        media_type = "application/problem+json" if status == 428 else "application/json"
        answer: dict[str, Any] = {
            "description": ERROR_TEXT[status],
            "content": {media_type: {"schema": {"$ref": REF.format(model="Error")}}},
        }
        if status == 429:
            answer["headers"] = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}
        responses[str(status)] = answer
    return responses
