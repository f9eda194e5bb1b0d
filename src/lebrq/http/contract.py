"""The API contract as the OpenAPI document states it: who may call each route, every
status code it can answer (with its body), and the standard request shapes.

One mechanism for every route, so a new route cannot forget half of it:
- `apply_contract(app)` runs once when the app is built. For each route handler it works
  out what the route is (public, signed-in, admin; has path ids; takes a body; uploads;
  downloads) and gives the handler an OpenAPI operation class that completes the
  operation Litestar generates: security, the standard error answers (400, 401, 403, 404,
  413, 415, 503 as they apply), multipart bodies, file answers (206, 304, 412, 416).
- What only the route knows it declares with `declare(...)` in its `opt`: extra error
  answers (`errors=(409, 429)`), an upload (`upload=Upload("file")`), a download, a
  token that is optional. Everything else is derived.
- Every operation needs an explicit, stable `operation_id` (`listBookings`): the schema
  refuses to build without one (`require_operation_id`), so renaming a Python function
  never changes the client API.

Error bodies are Litestar's shape (`{status_code, detail, extra}`), referenced from
`components/responses`, so client generators get one named type per answer.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from litestar import Response
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.config.app import AppConfig
from litestar.exceptions import ImproperlyConfiguredException
from litestar.openapi.spec import (
    Components,
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    RequestBody,
    Schema,
    SecurityScheme,
)
from litestar.params import KwargDefinition, PathParameter, QueryParameter
from litestar.routes import HTTPRoute
from litestar.types import Scope
from litestar.typing import FieldDefinition

from lebrq.domain.model.errors import InvalidInput
from lebrq.http.downloads import DOWNLOAD_ROUTE_OPT
from lebrq.http.security import PUBLIC_PATHS, admin_only
from lebrq.http.uploads import UPLOAD_ROUTE_OPT

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.handlers.http_handlers import HTTPRouteHandler
    from litestar.types import Method

# Ids are signed 64-bit integers in the database; anything larger cannot exist.
MAX_ID = 2**63 - 1
# Litestar writes bounds as floats (2^63-1 would round up), hence the exact schema_extra.
_ID_BOUNDS = {"minimum": 1, "maximum": MAX_ID}
ResourceId = Annotated[
    int, PathParameter(ge=1, le=MAX_ID, description=f"a resource id, 1 to {MAX_ID}", schema_extra=_ID_BOUNDS)
]
"""A path id: `booking_id: ResourceId`. Outside 1..2^63-1 it is a 400 naming the parameter."""


IdFilter = Annotated[
    int | None, QueryParameter(ge=1, le=MAX_ID, description=f"an id, 1 to {MAX_ID}", schema_extra=_ID_BOUNDS)
]
"""An optional id filter in the query string (`venue_id: IdFilter = None`), bounded like every id."""


BodyId = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID, description=f"an id, 1 to {MAX_ID}")]
"""An id inside a JSON body (`venue_id: BodyId`): a number that cannot be an id is a 400."""

BEARER_SCHEME = "BearerToken"
CONTRACT_OPT_KEY = "lebrq_contract"
# Answers every route can give, by status: what the client should make of them.
ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Invalid input; `detail` or `extra` names the parameter or field",
    401: "No valid bearer token",
    403: "Signed in, but the route is for administrators only",
    404: "Not found (also another user's resource: no existence leak)",
    409: "Conflict with the current state of the resource",
    412: "A precondition (If-Match, If-Unmodified-Since) failed",
    413: "The request body is larger than the limit",
    415: "The uploaded file's type (checked from its bytes) is not accepted here",
    416: "The requested range starts at or past the end of the file",
    429: "Too many requests; retry after `Retry-After` seconds",
    503: "Temporarily unavailable (low memory, or a dependency such as the database is down); "
    "retry after `Retry-After` seconds",
}
# Names of the shared responses in components/responses (fixed here: Python renames some phrases).
_RESPONSE_NAMES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    412: "PreconditionFailed",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    416: "RangeNotSatisfiable",
    429: "TooManyRequests",
    503: "ServiceUnavailable",
}
_RETRY_AFTER: dict[str, OpenAPIHeader | Reference] = {
    "Retry-After": OpenAPIHeader(
        schema=Schema(type=OpenAPIType.INTEGER, minimum=0), description="seconds to wait before retrying"
    )
}


class Access(enum.Enum):
    PUBLIC = "public"
    OPTIONAL = "optional"  # public, but a token (when sent) must be valid and shows more
    SIGNED_IN = "signed_in"
    ADMIN = "admin"


@dataclass(frozen=True)
class Upload:
    """A multipart/form-data upload: one binary part `field`, or 1..max_files parts."""

    field: str = "file"
    max_files: int = 1


@dataclass(frozen=True)
class Declared:
    """What a route states about itself beyond what its handler's signature shows."""

    errors: tuple[int, ...] = ()
    upload: Upload | None = None
    download: bool = False
    optional_token: bool = False
    # False for routes that neither touch a dependency nor pass the memory guard.
    can_be_unavailable: bool = True


def declare(
    *,
    errors: Iterable[int] = (),
    upload: Upload | None = None,
    download: bool = False,
    optional_token: bool = False,
    can_be_unavailable: bool = True,
    **opt: Any,
) -> dict[str, Any]:
    """The `opt` of a route handler: `@post(..., opt=declare(errors=(409,)))`. Upload and
    download routes also get the markers the body-limit and compression middleware read."""
    declared = Declared(tuple(errors), upload, download, optional_token, can_be_unavailable)
    markers = {**(UPLOAD_ROUTE_OPT if upload else {}), **(DOWNLOAD_ROUTE_OPT if download else {})}
    return {**markers, **opt, CONTRACT_OPT_KEY: declared}


@dataclass(frozen=True)
class RouteFacts:
    access: Access
    method: str
    has_path_parameters: bool
    declared: Declared
    success_status: int
    handler_responses: frozenset[int] = field(default_factory=frozenset)


def require_operation_id(handler: HTTPRouteHandler, method: Method, _components: list[Any]) -> str:
    """OpenAPIConfig.operation_id_creator: only called for a handler without an explicit
    operation_id, and that is a mistake: the id would change with the function's name."""
    raise ImproperlyConfiguredException(
        f"{method} route {handler.handler_name!r} has no operation_id: give it a short, stable one "
        "such as operation_id='listBookings' (see README, 'Declaring a route')"
    )


def openapi_components() -> Components:
    """The bearer scheme and one shared response per error status."""
    return Components(
        security_schemes={
            BEARER_SCHEME: SecurityScheme(
                type="http",
                scheme="bearer",
                bearer_format="JWT",
                description="`Authorization: Bearer <access_token>` from POST /api/auth/login",
            )
        },
        responses={_response_name(status): _error_response(status) for status in ERROR_DESCRIPTIONS},
    )


def per_operation_security(app_config: AppConfig) -> AppConfig:
    """on_app_init hook (after the auth backend's): the document declares security on each
    operation, never globally, so public routes say they need no token."""
    if app_config.openapi_config is not None:
        app_config.openapi_config.security = None
    return app_config


def apply_contract(app: Litestar) -> None:
    """Gives every registered route handler the operation class that completes its
    OpenAPI operation. Nothing runs per request; the schema stays built on first use."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if handler.http_methods == {"OPTIONS"} and not handler.include_in_schema:
                handler._fn = _options_answer(route)
                continue
            facts = _facts(route, handler)
            handler.operation_class = _operation_class(facts)


def _options_answer(route: HTTPRoute) -> Any:
    """Litestar's automatic OPTIONS answer lists the methods of the route it was created
    for, which for a path with several handlers (GET and POST /api/bookings) is only the
    first; this one lists every method of the final route (`Allow`)."""
    allow = ", ".join(sorted(route.methods))

    def options_handler(scope: Scope) -> Response[None]:
        return Response(content=None, status_code=204, headers={"Allow": allow}, media_type="text/plain")

    return options_handler


def _facts(route: HTTPRoute, handler: HTTPRouteHandler) -> RouteFacts:
    opt = handler.opt
    declared = opt.get(CONTRACT_OPT_KEY) or Declared()
    if declared.optional_token:
        access = Access.OPTIONAL
    elif opt.get("exclude_from_auth") or any(re.search(pattern, route.path) for pattern in PUBLIC_PATHS):
        access = Access.PUBLIC
    elif any(getattr(guard, "func", guard) is admin_only for guard in handler.resolve_guards()):
        access = Access.ADMIN
    else:
        access = Access.SIGNED_IN
    return RouteFacts(
        access=access,
        method=next(iter(handler.http_methods)),
        has_path_parameters=bool(route.path_parameters),
        declared=declared,
        success_status=handler.status_code,
        handler_responses=frozenset((handler.responses or {}).keys()),
    )


def _operation_class(facts: RouteFacts) -> type[Operation]:
    class ContractOperation(Operation):
        def __init__(self, **fields: Any) -> None:
            super().__init__(**fields)
            complete_operation(self, facts)

    return ContractOperation


def complete_operation(operation: Operation, facts: RouteFacts) -> None:
    responses: dict[str, Any] = dict(operation.responses or {})
    takes_input = bool(operation.parameters) or operation.request_body is not None
    has_body = operation.request_body is not None or facts.declared.upload is not None
    statuses: set[int] = set(facts.declared.errors)
    if takes_input or has_body:
        statuses.add(400)
    if facts.access is not Access.PUBLIC:
        statuses.add(401)
    if facts.access is Access.ADMIN:
        statuses.add(403)
    if facts.has_path_parameters:
        statuses.add(404)
    if has_body:
        statuses.add(413)
    if facts.declared.upload:
        statuses.add(415)
    if facts.declared.can_be_unavailable:
        statuses.add(503)
    if facts.declared.download:
        statuses |= {412, 416}
        _describe_download(responses, facts)
    else:
        _state_text_content(responses.get(str(facts.success_status)))
    for status in sorted(statuses):
        if status not in facts.handler_responses:
            responses[str(status)] = Reference(ref=f"#/components/responses/{_response_name(status)}")
    operation.responses = dict(sorted(responses.items()))

    if facts.declared.upload:
        operation.request_body = _multipart_body(facts.declared.upload)
    for parameter in operation.parameters or ():
        if isinstance(parameter, Parameter) and isinstance(parameter.schema, Schema):
            parameter.schema = _absent_not_null(parameter.schema)
    operation.security = _security(facts.access)
    if facts.access is Access.ADMIN:
        note = "Administrators only (401 without a token, 403 for a non-admin)."
        operation.description = f"{operation.description}\n\n{note}" if operation.description else note


def _absent_not_null(schema: Schema) -> Schema | Reference:
    """An optional parameter is left out, never sent as null: Litestar's `oneOf [T, null]`
    for `T | None` becomes T, keeping the bounds and format stated beside the `oneOf`."""
    branches = [branch for branch in schema.one_of or () if not (isinstance(branch, Schema) and branch.type == "null")]
    if schema.one_of and len(branches) == 1:
        (kept,) = branches
        if isinstance(kept, Reference):
            return kept
        outer = {name: value for name, value in vars(schema).items() if value is not None and name != "one_of"}
        schema = dataclasses.replace(kept, **outer)
    if schema.type == "integer":
        for bound in ("minimum", "maximum"):
            value = getattr(schema, bound)
            if isinstance(value, float) and value.is_integer():
                setattr(schema, bound, int(value))
    return schema


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Struct schemas exactly as msgspec decodes them:
    - Litestar drops the bounds of `Annotated[int, Meta(ge=0)] | UnsetType` (PATCH bodies);
      each field's schema is taken from msgspec's own JSON schema instead, which states
      what the decoder enforces (nested Structs and enums keep Litestar's `$ref`s).
    - A Struct that refuses unknown fields says so (`additionalProperties: false`)."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(_stably_named(field_definition), schema_creator)
        target = (
            schema_creator.schema_registry.from_reference(schema).schema if isinstance(schema, Reference) else schema
        )
        struct_type = field_definition.type_
        for name, decoded in _msgspec_properties(struct_type).items():
            if target.properties and name in target.properties and "$ref" not in repr(decoded):
                kept = target.properties[name]
                replacement = _schema_from_json(decoded)
                if isinstance(kept, Schema):
                    # msgspec states no format for datetime (it also decodes naive times);
                    # the domain refuses those, so the contract is RFC 3339 date-time.
                    replacement.format = replacement.format or kept.format
                    replacement.description = replacement.description or kept.description
                target.properties[name] = replacement
        for name, annotation in _generic_fields(field_definition.annotation).items():
            if target.properties and name in target.properties:
                target.properties[name] = schema_creator.for_field_definition(
                    FieldDefinition.from_annotation(annotation)
                )
        if getattr(struct_type, "__struct_config__", None) and struct_type.__struct_config__.forbid_unknown_fields:
            target.additional_properties = False
        return schema


def _stably_named(field_definition: FieldDefinition) -> FieldDefinition:
    """A generic Struct's component is named by its arguments' class names
    (`Paginated[BookingOut]` -> `PaginatedBookingOut`), not Litestar's default that embeds
    module paths (`Paginated_lebrq.http.bookings_schema.BookingOut_`), which would rename
    client types whenever a module moves."""
    args = typing.get_args(field_definition.annotation)
    if not args or field_definition.kwarg_definition is not None:
        return field_definition
    origin = typing.get_origin(field_definition.annotation)
    name = getattr(origin, "__name__", "") + "".join(getattr(arg, "__name__", "") for arg in args)
    return dataclasses.replace(field_definition, kwarg_definition=KwargDefinition(schema_component_key=name))


def _generic_fields(annotation: Any) -> dict[str, Any]:
    """The fields of `Paginated[BookingOut]` that use its type parameters, with the
    parameters filled in (`items: list[BookingOut]`): Litestar leaves them untyped."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is None or not args:
        return {}
    substitution = dict(zip(getattr(origin, "__parameters__", ()), args, strict=False))
    fields = {}
    for name, hint in typing.get_type_hints(origin).items():
        parameters = getattr(hint, "__parameters__", ())
        if parameters:
            fields[name] = hint[tuple(substitution[parameter] for parameter in parameters)]
    return fields


def _msgspec_properties(struct_type: Any) -> dict[str, Any]:
    (reference,), components = msgspec.json.schema_components([struct_type])
    return components[reference["$ref"].rsplit("/", 1)[-1]].get("properties", {})  # type: ignore[no-any-return]


_JSON_SCHEMA_KEYS = {
    "minLength": "min_length",
    "maxLength": "max_length",
    "minItems": "min_items",
    "maxItems": "max_items",
    "exclusiveMinimum": "exclusive_minimum",
    "exclusiveMaximum": "exclusive_maximum",
    "multipleOf": "multiple_of",
    "uniqueItems": "unique_items",
}


def _schema_from_json(value: dict[str, Any]) -> Schema:
    """A msgspec JSON schema (without `$ref`s) as Litestar's Schema object."""
    fields: dict[str, Any] = {}
    for key, item in value.items():
        name = _JSON_SCHEMA_KEYS.get(key, key)
        if key == "items":
            item = _schema_from_json(item)
        elif key in ("anyOf", "oneOf", "allOf"):
            name = {"anyOf": "any_of", "oneOf": "one_of", "allOf": "all_of"}[key]
            item = [_schema_from_json(branch) for branch in item]
        fields[name] = item
    return Schema(**fields)


def _security(access: Access) -> list[dict[str, list[str]]] | None:
    if access is Access.PUBLIC:
        return None
    if access is Access.OPTIONAL:
        return [{}, {BEARER_SCHEME: []}]
    return [{BEARER_SCHEME: []}]


def _state_text_content(response: Any) -> None:
    """A streamed text answer (CSV) has no Struct behind it: its body is a string."""
    for media_type, content in ((response.content or {}) if isinstance(response, OpenAPIResponse) else {}).items():
        if media_type != "application/json" and content.schema in (None, Schema()):
            content.schema = Schema(type=OpenAPIType.STRING)


def _describe_download(responses: dict[str, Any], facts: RouteFacts) -> None:
    """The 200/206/304 answers of a file route (lebrq.http.downloads), with their headers."""
    ok = responses.get(str(facts.success_status))
    media_types: Mapping[str, Any] = (ok.content if isinstance(ok, OpenAPIResponse) and ok.content else {}) or {}
    media_type = next(iter(media_types), "application/json")
    if media_type == "application/json":  # the route did not say: any stored type
        media_type = "*/*"
    if facts.method == "HEAD":
        content = None
    else:
        content = {media_type: OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY))}
    headers: dict[str, OpenAPIHeader | Reference] = {
        "ETag": OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING), description="strong validator of the bytes"),
        "Last-Modified": OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING), description="HTTP date"),
        "Accept-Ranges": OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING, enum=["bytes"])),
        "Content-Length": OpenAPIHeader(schema=Schema(type=OpenAPIType.INTEGER, minimum=0)),
    }
    range_headers: dict[str, OpenAPIHeader | Reference] = {
        **headers,
        "Content-Range": OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING), description="bytes FIRST-LAST/SIZE"),
    }
    responses["200"] = OpenAPIResponse(description="The whole file", content=content, headers=headers)
    responses["206"] = OpenAPIResponse(
        description="The one byte range asked for with `Range: bytes=a-b`, `a-` or `-n`",
        content=content,
        headers=range_headers,
    )
    responses["304"] = OpenAPIResponse(
        description="Not modified (If-None-Match / If-Modified-Since matched)", headers=headers
    )


def _multipart_body(upload: Upload) -> RequestBody:
    # An empty file is a 400, so the document asks for at least one byte.
    binary = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY, min_length=1)
    if upload.max_files == 1:
        part = binary
    else:
        part = Schema(type=OpenAPIType.ARRAY, items=binary, min_items=1, max_items=upload.max_files)
    return RequestBody(
        required=True,
        content={
            "multipart/form-data": OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.OBJECT, required=[upload.field], properties={upload.field: part})
            )
        },
        description=f"multipart/form-data with the file{'s' if upload.max_files > 1 else ''} "
        f"in part{'s' if upload.max_files > 1 else ''} `{upload.field}`",
    )


def _response_name(status: int) -> str:
    return _RESPONSE_NAMES[status]


def _error_response(status: int) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=ERROR_DESCRIPTIONS[status],
        content={"application/json": OpenAPIMediaType(schema=_error_schema())},
        headers=_RETRY_AFTER if status in (429, 503) else None,
    )


def _error_schema() -> Schema:
    """Litestar's error shape; for a 400, `extra.field` names the offending parameter or
    field, and `extra.errors` lists every validation problem (`{message, key, source}`)."""
    return Schema(
        type=OpenAPIType.OBJECT,
        title="Error",
        required=["status_code", "detail", "extra"],
        properties={
            "status_code": Schema(type=OpenAPIType.INTEGER, minimum=400, maximum=599),
            "detail": Schema(type=OpenAPIType.STRING),
            "extra": Schema(
                one_of=[
                    Schema(type=OpenAPIType.NULL),
                    Schema(
                        type=OpenAPIType.OBJECT,
                        properties={
                            "field": Schema(type=OpenAPIType.STRING, description="the offending parameter or field"),
                            "errors": Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.OBJECT)),
                        },
                    ),
                ]
            ),
        },
    )


DATE_TIME = {"format": "date-time"}
"""`schema_extra` of a query parameter that is a time: `Annotated[str | None,
QueryParameter(name="from", schema_extra=DATE_TIME)]`, read with `parse_time`. The
parameter is a string on purpose: Litestar would turn a number into a Unix time."""


def parse_time(value: str | None, name: str) -> datetime | None:
    """An RFC 3339 date-time from the query string, or a 400 naming the parameter."""
    if value is None:
        return None
    try:
        return msgspec.convert(value, datetime)
    except msgspec.ValidationError:
        raise InvalidInput(
            f"{name} must be a date-time in ISO 8601 with an offset, e.g. 2026-12-01T10:00:00Z", field=name
        ) from None
