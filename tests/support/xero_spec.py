"""Xero's published OpenAPI spec, turned into request-body validators for the tests.

The spec stays in `../shared/specs/xero/` (or `$LEDGERLINK_SHARED_DIR/specs/xero/`); it never ships with
the project. Schemas become JSON Schema draft 4: `#/components/schemas/` refs point at `#/definitions/`,
`nullable: true` adds a null type, and `example` and `x-` keys go. Most Xero schemas declare no
`required` list, so these validators catch wrong types and enum values; the sandbox's rules catch the rest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.shared_folder import shared_dir

API_PREFIX = "/api.xro/2.0"


def spec_path() -> Path:
    return shared_dir() / "specs" / "xero" / "xero_accounting.yaml"


SPEC_MISSING_REASON = (
    f"Xero's published spec is not at {spec_path()}: set LEDGERLINK_SHARED_DIR to the folder holding "
    "specs/xero/xero_accounting.yaml to run the spec conformance checks"
)

requires_spec = pytest.mark.skipif(not spec_path().is_file(), reason=SPEC_MISSING_REASON)


@cache
def load_spec() -> dict[str, Any]:
    import yaml

    if not spec_path().is_file():
        pytest.skip(SPEC_MISSING_REASON)
    with spec_path().open() as handle:
        loaded: dict[str, Any] = yaml.load(handle, Loader=yaml.CSafeLoader)
    return loaded


def _convert(node: Any, *, property_names: bool = False) -> Any:
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    if property_names:  # keys are the schema's field names, never keywords to drop
        return {name: _convert(schema) for name, schema in node.items()}
    converted: dict[str, Any] = {}
    for key, value in node.items():
        if key == "example" or key.startswith("x-") or key == "nullable":
            continue
        if key == "$ref" and isinstance(value, str):
            converted[key] = value.replace("#/components/schemas/", "#/definitions/")
        else:
            converted[key] = _convert(value, property_names=key == "properties")
    if node.get("nullable") is True:
        kind = converted.get("type")
        if isinstance(kind, str):
            converted["type"] = [kind, "null"]
        if "enum" in converted:
            converted["enum"] = [*converted["enum"], None]
    return converted


@cache
def definitions() -> dict[str, Any]:
    schemas = load_spec()["components"]["schemas"]
    converted: dict[str, Any] = _convert(schemas, property_names=True)
    return converted


def schema_validator(schema: dict[str, Any]) -> Any:
    from jsonschema import Draft4Validator

    return Draft4Validator({**_convert(schema), "definitions": definitions()})


@cache
def _operations() -> list[tuple[str, re.Pattern[str], str]]:
    """(method, compiled path template, template) for every operation that takes a body."""
    found: list[tuple[str, re.Pattern[str], str]] = []
    for template, item in load_spec()["paths"].items():
        pattern = re.compile(
            "^"
            + re.sub(r"\{[^}]+\}", "[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
            + "$",
            re.IGNORECASE,
        )
        for method, operation in item.items():
            if isinstance(operation, dict) and "requestBody" in operation:
                found.append((method.upper(), pattern, template))
    # literal paths before templated ones, so /Contacts beats /{Anything}
    found.sort(key=lambda entry: entry[2].count("{"))
    return found


def request_schema(method: str, template: str) -> dict[str, Any]:
    operation = load_spec()["paths"][template][method.lower()]
    body = operation["requestBody"]
    if "$ref" in body:
        body = load_spec()["components"]["requestBodies"][body["$ref"].rsplit("/", 1)[-1]]
    schema: dict[str, Any] = body["content"]["application/json"]["schema"]
    return schema


@cache
def operation_validator(method: str, template: str) -> Any:
    return schema_validator(request_schema(method, template))


def template_for(method: str, path: str) -> str | None:
    if path.startswith(API_PREFIX):
        path = path[len(API_PREFIX) :]
    for known_method, pattern, template in _operations():
        if known_method == method.upper() and pattern.match(path):
            return template
    return None


def body_errors(method: str, path: str, body: Any) -> list[str]:
    """What the spec finds wrong with a request body (empty: the spec accepts it)."""
    template = template_for(method, path)
    if template is None:
        return [f"the spec has no {method} {path} taking a body"]
    validator = operation_validator(method.upper(), template)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(body)
    ]


def query_parameters(method: str, template: str) -> set[str]:
    """The names of the query parameters the spec gives an operation."""
    spec = load_spec()
    names: set[str] = set()
    for parameter in spec["paths"][template][method.lower()].get("parameters", []):
        if "$ref" in parameter:
            parameter = spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[-1]]
        if parameter.get("in") == "query":
            names.add(str(parameter["name"]))
    return names


def request_errors(request: httpx.Request) -> list[str]:
    if request.method not in {"PUT", "POST"} or not request.url.path.startswith(API_PREFIX):
        return []
    problems: list[str] = []
    template = template_for(request.method, request.url.path)
    if template is not None:
        known = query_parameters(request.method, template)
        problems += [
            f"the query parameter {name} is not one the spec gives {request.method} {template}"
            for name in request.url.params
            if name not in known
        ]
    if not request.headers.get("xero-tenant-id"):
        problems.append("the xero-tenant-id header the spec requires is missing")
    key = request.headers.get("Idempotency-Key", "")
    if len(key) > 128:
        problems.append("Idempotency-Key is longer than 128 characters")
    return problems + body_errors(request.method, request.url.path, json.loads(request.content or b"null"))


def request_examples(method: str, template: str) -> Iterator[Any]:
    """The example bodies the spec gives for an operation (bodies it must accept)."""
    operation = load_spec()["paths"][template][method.lower()]
    content = operation["requestBody"].get("content", {}).get("application/json", {})
    if "example" in content:
        yield content["example"]


class SpecCheckingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport and holds every request body against the spec before passing it on."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.checked: list[tuple[str, str]] = []
        self.violations: list[tuple[str, str, list[str]]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        problems = request_errors(request)
        if request.method in {"PUT", "POST"} and request.url.path.startswith(API_PREFIX):
            self.checked.append((request.method, request.url.path))
        if problems:
            self.violations.append((request.method, request.url.path, problems))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
