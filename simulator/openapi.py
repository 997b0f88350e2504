"""The API's error contract, written into the OpenAPI schema once for every operation.

Every error the API sends is `{error, detail}` (simulator.api.exception_handler); a validation error
adds `fields`, the per-field messages. Which errors an operation can return follows from how it is
built, so this postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]) documents them
where a view did not: 401 and 403 where the operation needs credentials, 404 where the path names an
object, 400 where it reads a body or query parameters, 413 where it reads a body (bodies over
API_MAX_BODY_BYTES), 429 where the view is throttled, 503 everywhere (the database away for a
moment: simulator.middleware.DatabaseUnavailable). tests/test_schemathesis.py holds every response
to it.
"""

MAX_INT64 = 2**63 - 1
ERROR_REF = {"$ref": "#/components/schemas/Error"}
VALIDATION_REF = {"$ref": "#/components/schemas/ValidationError"}

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
    "required": ["error", "detail"],
}
VALIDATION_SCHEMA = {
    "type": "object",
    "description": "An error; a validation error names each field it refused in `fields`.",
    "properties": {
        "error": {"type": "string"},
        "detail": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": True},
    },
    "required": ["error", "detail"],
}
DESCRIPTIONS = {
    "400": "The request was refused: `detail` says what was wrong (validation errors name each field in `fields`)",
    "401": "No valid credentials",
    "403": "These credentials may not do this",
    "404": "No such object in the caller's scope",
    "413": "The request body is larger than API_MAX_BODY_BYTES",
    "429": "Too many requests: try again after the Retry-After header's seconds",
    "503": "The database is unavailable for a moment (`database_unavailable`): try again after Retry-After",
}


def _error(status: str, ref: dict) -> dict:
    return {"description": DESCRIPTIONS[status], "content": {"application/json": {"schema": ref}}}


def _throttled(generator) -> set[tuple[str, str]]:
    """(path, METHOD) of every throttled operation."""
    throttled = set()
    for path, _regex, method, view in getattr(generator, "endpoints", None) or []:
        cls = getattr(view, "cls", None)
        if cls is None:
            continue
        if getattr(cls, "throttle_classes", None) or (
            method == "POST" and getattr(cls, "post_throttle_classes", None)
        ):
            throttled.add((path, method))
    return throttled


def document_errors(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas["ValidationError"] = VALIDATION_SCHEMA
    throttled = _throttled(generator)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("type") == "integer":
                    # Django's <int:...> matches digits only: a negative id never reaches the view.
                    schema.setdefault("minimum", 0)
                    schema.setdefault("maximum", MAX_INT64)
            responses = operation["responses"]
            secured = any(requirement for requirement in operation.get("security", [{}]))
            reads_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
            wanted = {
                "401": secured,
                "403": secured,
                "404": "{" in path,
                "400": reads_query or "requestBody" in operation,
                "413": "requestBody" in operation,
                "429": (path, method.upper()) in throttled,
                "503": True,
            }
            for status, needed in wanted.items():
                if needed and status not in responses:
                    responses[status] = _error(status, VALIDATION_REF if status == "400" else ERROR_REF)
            if "400" in responses:
                # Validation errors carry `fields` on every endpoint, whatever the view declared.
                responses["400"] = _error("400", VALIDATION_REF)
    return result
