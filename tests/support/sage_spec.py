"""Sage's published Swagger 2.0 spec, turned into request-body validators for the tests.

The spec stays in `../shared/specs/sage/` (or `$LEDGERLINK_SHARED_DIR/specs/sage/`); it never ships with
the project. Each POST and PUT has one `in: body` parameter whose schema refers into the top-level
`definitions`; wrapping it with those definitions gives a JSON Schema draft 4 validator as it is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft4Validator

from tests.support.shared_folder import shared_dir

BASE_PATH = "/v3.1"


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


# Sent in every create though neither published spec has it: the connector never relies on it.
UNPUBLISHED_REQUEST_FIELDS = frozenset({"idempotency_id"})


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec()["definitions"][schema["$ref"].split("/")[-1]]
    return schema


def unknown_fields(
    value: Any, schema: dict[str, Any], path: str = "", *, allowed: frozenset[str] = frozenset()
) -> list[str]:
    """Paths of the keys in `value` the spec's schema has no property for (the schemas do not forbid
    extra properties, so a validator alone lets them through); `allowed` names ones to pass anyway."""
    schema = _resolve(schema)
    found: list[str] = []
    if isinstance(value, dict) and "properties" in schema:
        properties = schema["properties"]
        for key, item in value.items():
            if key not in properties:
                if key not in allowed:
                    found.append(f"{path}{key}")
            elif item is not None:
                found += unknown_fields(item, properties[key], f"{path}{key}.", allowed=allowed)
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            found += unknown_fields(item, schema["items"], f"{path}{index}.", allowed=allowed)
    return found


def request_unknown_fields(method: str, path: str, body: Any) -> list[str]:
    """Fields a request body carries that the operation's body schema does not define."""
    template = path_template(path)
    operation = spec()["paths"].get(template or "", {}).get(method.lower(), {})
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "body":
            return unknown_fields(body, parameter["schema"], allowed=UNPUBLISHED_REQUEST_FIELDS)
    return []


def reply_problems(method: str, path: str, status: int, body: Any) -> list[str]:
    """Why a reply is not what the spec says this operation answers: an undocumented status, a body
    where there should be none, or fields its read model does not have (a list's items are checked
    against the spec's item schema, inside Sage's `$items` envelope)."""
    template = path_template(path)
    if template is None:
        return [f"{path} matches no path in Sage's spec"]
    responses = spec()["paths"][template].get(method.lower(), {}).get("responses", {})
    if str(status) not in responses:
        return [f"answered {status}; the spec has {sorted(responses)}"]
    schema: dict[str, Any] = responses[str(status)].get("schema", {})
    if body is None:
        return [] if not schema else ["answered no body; the spec has one"]
    if not schema:
        return ["answered a body; the spec has none"]
    if isinstance(body, dict) and "$items" in body:
        body = body["$items"]
    return [f"{name}: not in Sage's read model" for name in unknown_fields(body, schema)]


@dataclass
class SpecCheckingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport and checks every API request against the spec before it goes on, and every
    successful reply against the spec's response schema when it comes back."""

    inner: httpx.AsyncBaseTransport
    checked: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if not path.startswith(BASE_PATH):
            return await self.inner.handle_async_request(request)
        content = request.read()
        body = json.loads(content) if content else None
        problems = body_errors(request.method, path, body) + [
            f"{name}: not in the spec's body" for name in request_unknown_fields(request.method, path, body)
        ]
        self.checked.append(f"{request.method} {path}")
        response = await self.inner.handle_async_request(request)
        if response.status_code < 300 and path_template(path) is not None:
            reply = await response.aread()
            problems += [
                f"reply {problem}"
                for problem in reply_problems(
                    request.method, path, response.status_code, json.loads(reply) if reply else None
                )
            ]
        self.failures.extend(f"{request.method} {path}: {problem}" for problem in problems)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
