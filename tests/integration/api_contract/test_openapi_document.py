"""The OpenAPI document is a checked artefact: the committed docs/openapi.json is exactly
what the service serves, and the document states what every route kind needs and answers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from lebrq.commands.openapi import openapi_document, render

DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
REGENERATE = "./dev lebrq openapi > docs/openapi.json"
METHODS = {"get", "head", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi_document()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_committed_document_is_the_served_one(client: TestClient) -> None:
    served = client.get("/schema/openapi.json")
    assert served.status_code == 200
    committed = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    assert served.json() == committed, f"docs/openapi.json is out of date: run `{REGENERATE}` and commit it"
    # The command writes exactly the committed text, so regenerating gives no noise diff.
    assert render(served.json()) == DOCUMENT.read_text(encoding="utf-8"), f"run `{REGENERATE}`"


def test_operation_ids_are_short_stable_and_unique(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) == len(set(ids))
    for operation_id in ids:
        assert re.fullmatch(r"[a-z][a-zA-Z]{2,30}", operation_id), operation_id


def test_security_is_declared_per_operation(document: dict[str, Any]) -> None:
    assert "security" not in document, "a global requirement would claim public routes need a token"
    public = {"/api/venues", "/api/items", "/api/programs", "/api/gallery", "/api/auth/login", "/api/auth/register"}
    # A refresh token is its own credential: these take no bearer token.
    public |= {"/api/auth/refresh", "/api/auth/logout"}
    for method, path, operation in _operations(document):
        responses = operation["responses"]
        if path.startswith("/api/health") or path in public or path.startswith("/api/auth/otp"):
            assert "security" not in operation, (method, path)
            assert "403" not in responses
        elif path.startswith(("/api/admin", "/api/uploads")):
            assert operation["security"] == [{"BearerToken": []}], (method, path)
            assert {"401", "403"} <= set(responses), (method, path)
            assert "Administrators only" in operation["description"]
        elif path.startswith("/api/files"):
            assert operation["security"] == [{}, {"BearerToken": []}], (method, path)  # a token is optional
        elif not path.startswith(("/api/venues/", "/api/items/", "/api/programs/")) or method == "POST":
            assert operation["security"] == [{"BearerToken": []}], (method, path)
            assert "401" in responses, (method, path)
            # 403 only where a signed-in user must prove more (the current password).
            assert ("403" in responses) == ((method, path) == ("POST", "/api/auth/password")), (method, path)


def test_every_error_answer_has_the_error_shape(document: dict[str, Any]) -> None:
    shared = document["components"]["responses"]
    for name, response in shared.items():
        schema = response["content"]["application/json"]["schema"]
        assert schema["required"] == ["status_code", "detail", "extra"], name
    assert set(shared["ServiceUnavailable"]["headers"]) == {"Retry-After"}
    for method, path, operation in _operations(document):
        for status, response in operation["responses"].items():
            if operation["operationId"] == "getReadiness" and status == "503":
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Readiness"}  # names the dependency that is down
            elif int(status) >= 400:
                assert response["$ref"].startswith("#/components/responses/"), (method, path, status)
        if not path.startswith("/api/health"):
            assert "503" in operation["responses"], (method, path)


def test_bounds_and_formats_are_stated(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            schema = parameter["schema"]
            if parameter["name"] == "page":
                assert (schema["minimum"], schema["type"]) == (1, "integer")
            elif parameter["name"] == "page_size":
                assert (schema["minimum"], schema["maximum"]) == (1, 100)
            elif parameter["name"].endswith("_id"):
                assert (schema["type"], schema["minimum"], schema["maximum"]) == ("integer", 1, 2**63 - 1), (
                    method,
                    path,
                    parameter["name"],
                )
            elif parameter["name"] in ("from", "to"):
                assert (schema["type"], schema["format"]) == ("string", "date-time")
            assert "oneOf" not in schema, "an optional parameter is absent, never null"
    create_booking = document["components"]["schemas"]["CreateBookingIn"]
    assert create_booking["additionalProperties"] is False
    assert create_booking["properties"]["start"]["format"] == "date-time"
    assert document["components"]["schemas"]["VenuePatch"]["properties"]["hourly_rate_paise"]["minimum"] == 0


def test_uploads_and_downloads_are_described(document: dict[str, Any]) -> None:
    paths = document["paths"]
    poster = paths["/api/uploads/poster"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert poster["properties"]["file"] == {"type": "string", "format": "binary", "minLength": 1}
    images = paths["/api/admin/programs/{program_id}/images"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert images["schema"]["properties"]["files"]["maxItems"] == 10
    invoice = paths["/api/bookings/{booking_id}/invoice"]["get"]["responses"]
    assert {"200", "206", "304", "404", "416"} <= set(invoice)
    assert "application/pdf" in invoice["200"]["content"]
    assert "Content-Range" in invoice["206"]["headers"]
    export = paths["/api/admin/bookings/export.csv"]["get"]["responses"]["200"]["content"]
    assert export == {"text/csv": {"schema": {"type": "string"}}}


def test_a_route_without_operation_id_cannot_build_a_schema() -> None:
    from litestar import Litestar, get
    from litestar.exceptions import ImproperlyConfiguredException
    from litestar.openapi import OpenAPIConfig

    from lebrq.http.contract import require_operation_id

    @get("/nameless")
    async def nameless() -> None:
        return None

    app = Litestar([nameless], openapi_config=OpenAPIConfig("t", "1", operation_id_creator=require_operation_id))
    with pytest.raises(ImproperlyConfiguredException, match="operation_id"):
        _ = app.openapi_schema
