"""Sage's published Swagger 2.0 spec, turned into request-body validators for the tests.

The spec stays in `../shared/specs/sage/` (or `$LEDGERLINK_SHARED_DIR/specs/sage/`); it never ships with
the project. Each POST and PUT has one `in: body` parameter whose schema refers into the top-level
`definitions`; wrapping it with those definitions gives a JSON Schema draft 4 validator as it is.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft4Validator

REPOSITORY = Path(__file__).resolve().parents[2]
BASE_PATH = "/v3.1"


def shared_dir() -> Path:
    configured = os.environ.get("LEDGERLINK_SHARED_DIR")
    return Path(configured) if configured else REPOSITORY.parent / "shared"


def spec_path() -> Path:
    return shared_dir() / "specs" / "sage" / "sage-accounting-v3.1-swagger.json"


SPEC_MISSING_REASON = (
    f"Sage's published spec is not at {spec_path()}: set LEDGERLINK_SHARED_DIR to the folder holding "
    "specs/sage/sage-accounting-v3.1-swagger.json to run the spec conformance checks"
)

requires_spec = pytest.mark.skipif(not spec_path().is_file(), reason=SPEC_MISSING_REASON)


@cache
def spec() -> dict[str, Any]:
    """The main spec, plus the paths only the split files hold (/businesses and /user)."""
    with spec_path().open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    businesses = spec_path().parent / "split" / "swagger.user_businesses.json"
    if businesses.is_file():
        with businesses.open(encoding="utf-8") as handle:
            extra = json.load(handle)
        for path, operations in extra.get("paths", {}).items():
            loaded["paths"].setdefault(path, operations)
        for name, definition in extra.get("definitions", {}).items():
            loaded["definitions"].setdefault(name, definition)
    return loaded


def _template_pattern(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


@cache
def _templates() -> tuple[tuple[re.Pattern[str], str], ...]:
    # literal paths before templated ones, so /businesses/lead is not read as /businesses/{key}
    paths = sorted(spec()["paths"], key=lambda p: ("{" in p, p))
    return tuple((_template_pattern(path), path) for path in paths)


def path_template(path: str) -> str | None:
    """The spec's path template for a request path (with or without the /v3.1 prefix)."""
    relative = path.removeprefix(BASE_PATH) or "/"
    for pattern, template in _templates():
        if pattern.match(relative):
            return template
    return None


@cache
def body_validator(method: str, template: str) -> Draft4Validator | None:
    """The draft 4 validator for an operation's body, or None when it takes no body."""
    operation = spec()["paths"].get(template, {}).get(method.lower())
    if operation is None:
        raise KeyError(f"{method.upper()} {template} is not in Sage's spec")
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "body":
            schema = {**parameter["schema"], "definitions": spec()["definitions"]}
            return Draft4Validator(schema)
    return None


def body_errors(method: str, path: str, body: Any) -> list[str]:
    """Why the spec refuses this request (an empty list: it accepts it)."""
    template = path_template(path)
    if template is None:
        return [f"{path} matches no path in Sage's spec"]
    if method.lower() not in spec()["paths"][template]:
        return [f"{method.upper()} is not an operation of {template} in Sage's spec"]
    validator = body_validator(method, template)
    if validator is None:
        return [] if body is None else [f"{method.upper()} {template} takes no body"]
    return [
        f"{'.'.join(str(part) for part in error.absolute_path) or '(root)'}: {error.message}"
        for error in validator.iter_errors(body)
    ]


@dataclass
class SpecCheckingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport and checks every API request against the spec before it goes on."""

    inner: httpx.AsyncBaseTransport
    checked: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.startswith(BASE_PATH):
            content = request.read()
            body = json.loads(content) if content else None
            problems = body_errors(request.method, path, body)
            self.checked.append(f"{request.method} {path}")
            self.failures.extend(f"{request.method} {path}: {problem}" for problem in problems)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
