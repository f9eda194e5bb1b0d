"""`?venue_id=null` is a 400, not "no filter".

Litestar converts query strings with msgspec's lax mode, in which the text `null` becomes
None for an optional parameter: a schema-violating request (the document says integer
or enum) would silently mean "no filter". This `before_request` hook refuses the literal
`null` for every optional query parameter that is not free text, before any parameter
is converted. Free-text parameters (a search for "null") are left alone.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import ValidationException


async def refuse_null_query_values(request: Request[Any, Any, Any]) -> None:
    if b"null" not in request.scope.get("query_string", b""):
        return None
    for name, value in request.query_params.items():
        if value == "null" and not _is_free_text(request, name):
            raise ValidationException(
                f"Validation failed for {request.method} {request.url.path}",
                extra=[{"message": "Expected a value, got `null`", "key": name, "source": "query"}],
            )
    return None


def _is_free_text(request: Request[Any, Any, Any], wire_name: str) -> bool:
    for field in request.route_handler.parsed_fn_signature.parameters.values():
        definition = getattr(field, "kwarg_definition", None)
        if (getattr(definition, "name", None) or field.name) == wire_name:
            return field.annotation in (str, str | None)
    return False
