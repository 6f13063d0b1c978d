"""QuickBooks' published XML Schema, read from the shared folder, used to check the JSON bodies the
connector sends: every element name must be one the schema gives that type, and every value of the
schema's kind (a number for a decimal, text for a string or date, true/false for a boolean)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx

from tests.support.shared_folder import shared_dir

XS = "{http://www.w3.org/2001/XMLSchema}"
FILES = (
    "IntuitBaseTypes.xsd",
    "IntuitNamesTypes.xsd",
    "Finance.xsd",
    "IntuitRestServiceDef.xsd",
    "SalesTax.xsd",
)
NUMBERS = {
    "decimal",
    "int",
    "integer",
    "long",
    "double",
    "float",
    "positiveInteger",
    "nonNegativeInteger",
    "short",
}
TEXT = {"string", "date", "dateTime", "time", "ID", "anyURI", "token", "normalizedString", "NCName"}


def xsd_dir() -> Path:
    return shared_dir() / "specs" / "quickbooks" / "xsd"


@dataclass
class ComplexType:
    elements: dict[str, str] = field(default_factory=dict)  # element name -> type name
    attributes: dict[str, str] = field(default_factory=dict)
    base: str = ""
    simple_content: bool = False


def _local(name: str) -> str:
    return name.split(":")[-1]


@dataclass
class Schema:
    complex_types: dict[str, ComplexType]
    simple_types: dict[str, str]  # name -> xs primitive it restricts
    elements: dict[str, str]  # global element -> type

    def members(self, type_name: str) -> ComplexType:
        merged = ComplexType()
        seen = type_name
        while seen in self.complex_types:
            current = self.complex_types[seen]
            merged.elements = {**current.elements, **merged.elements}
            merged.attributes = {**current.attributes, **merged.attributes}
            merged.simple_content = merged.simple_content or current.simple_content
            seen = current.base
        return merged

    def primitive(self, type_name: str) -> str:
        while type_name in self.simple_types:
            type_name = self.simple_types[type_name]
        return type_name

    def check(self, type_name: str, value: Any, path: str = "") -> list[str]:
        """What in `value` the schema's `type_name` does not have, or has of another kind."""
        problems: list[str] = []
        if type_name in self.complex_types:
            members = self.members(type_name)
            if not isinstance(value, dict):
                return [f"{path}: {type_name} must be an object, not {value!r}"]
            for key, item in value.items():
                where = f"{path}.{key}" if path else key
                if members.simple_content and key == "value":
                    continue
                if key in members.attributes:
                    problems += self.check(members.attributes[key], item, where)
                elif key in members.elements:
                    child = members.elements[key]
                    for element in item if isinstance(item, list) else [item]:
                        problems += self.check(child, element, where)
                else:
                    problems.append(f"{where}: {type_name} has no element {key!r}")
            return problems
        primitive = self.primitive(type_name)
        if primitive in NUMBERS and (isinstance(value, bool) or not isinstance(value, int | float)):
            problems.append(f"{path}: {primitive} must be a number, not {value!r}")
        elif primitive in TEXT and not isinstance(value, str):
            problems.append(f"{path}: {primitive} must be text, not {value!r}")
        elif primitive == "boolean" and not isinstance(value, bool):
            problems.append(f"{path}: boolean must be true or false, not {value!r}")
        return problems


def _collect(node: ET.Element, into: ComplexType) -> None:
    for child in node:
        tag = child.tag.removeprefix(XS)
        if tag == "element" and child.get("name"):
            into.elements[str(child.get("name"))] = _local(child.get("type", "string"))
        elif tag == "element" and child.get("ref"):
            into.elements[_local(str(child.get("ref")))] = _local(str(child.get("ref")))
        elif tag == "attribute" and child.get("name"):
            into.attributes[str(child.get("name"))] = _local(child.get("type", "string"))
        elif tag in ("extension", "restriction") and child.get("base"):
            into.base = _local(str(child.get("base")))
            _collect(child, into)
        elif tag == "simpleContent":
            into.simple_content = True
            _collect(child, into)
        elif tag in ("sequence", "choice", "all", "complexContent"):
            _collect(child, into)


@cache
def schema() -> Schema:
    complex_types: dict[str, ComplexType] = {}
    simple_types: dict[str, str] = {}
    elements: dict[str, str] = {}
    for name in FILES:
        root = ET.parse(xsd_dir() / name).getroot()
        for node in root:
            tag = node.tag.removeprefix(XS)
            if tag == "complexType":
                found = ComplexType()
                _collect(node, found)
                complex_types[str(node.get("name"))] = found
            elif tag == "simpleType":
                restriction = node.find(f"{XS}restriction")
                simple_types[str(node.get("name"))] = (
                    _local(restriction.get("base", "string")) if restriction is not None else "string"
                )
            elif tag == "element" and node.get("name"):
                elements[str(node.get("name"))] = _local(node.get("type", str(node.get("name"))))
    for type_name, primitive in list(simple_types.items()):
        if primitive == type_name.removeprefix("xs:"):
            simple_types.pop(type_name)
    return Schema(complex_types, simple_types, elements)


def check_entity(entity: str, body: Any) -> list[str]:
    return schema().check(schema().elements.get(entity, entity), body, entity)


class SchemaCheckingTransport(httpx.AsyncBaseTransport):
    """The in-process sandbox, with every call's minorversion, every write's requestid and every body's
    element names and kinds held against QuickBooks' published schema."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.failures: list[str] = []
        self.calls: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        if "/v3/company/" in request.url.path:
            self._check(request)
        return await self.inner.handle_async_request(request)

    def _check(self, request: httpx.Request) -> None:
        where = f"{request.method} {request.url.path}"
        if request.url.params.get("minorversion") != "75":
            self.failures.append(f"{where}: no minorversion=75")
        if request.method != "POST" or request.url.path.endswith("/query"):
            return
        if not request.url.params.get("requestid"):
            self.failures.append(f"{where}: a write without a requestid")
        body = json.loads(request.content)
        entity = request.url.path.rsplit("/", 1)[-1]
        if entity == "batch":
            for item in body["BatchItemRequest"]:
                for key, value in item.items():
                    if key not in ("bId", "operation", "Query"):
                        self.failures += check_entity(key, value)
            return
        named = {
            "customer": "Customer",
            "vendor": "Vendor",
            "item": "Item",
            "invoice": "Invoice",
            "bill": "Bill",
        }
        self.failures += check_entity(named.get(entity, entity.capitalize()), body)
