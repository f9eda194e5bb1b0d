"""`lebrq openapi`: print the OpenAPI document the service publishes at /schema/openapi.json.

`./dev lebrq openapi > docs/openapi.json` regenerates the committed copy; a test fails
when the two differ. The document depends on the code only: the app is built with fixed
placeholder settings, never the environment, and nothing is started or written."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

# Only to build the app object: no token is ever signed with it.
_PLACEHOLDER_SECRET = "openapi-document-only-" + "0" * 32


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", "-o", help="write to this file instead of standard output")


def openapi_document() -> dict[str, Any]:
    from lebrq.bootstrap import create_app
    from lebrq.settings import settings_from_env

    app = create_app(settings_from_env({}, jwt_secret=_PLACEHOLDER_SECRET))
    return app.openapi_schema.to_schema()


def render(document: dict[str, Any]) -> str:
    """Stable text: sorted keys, two-space indent, one trailing newline (small diffs)."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def run(args: argparse.Namespace) -> int:
    text = render(openapi_document())
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    return 0
