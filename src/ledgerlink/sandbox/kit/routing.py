"""Routes of a package's API, declared the same way in every sandbox, and the reply a handler gives.

A sandbox serves its whole API through one endpoint: that endpoint finds the route (`ApiRouter`), lets
the request through the package's gate (token, business, limits, faults), runs the handler and renders
its `Reply` in the package's shapes. Handlers raise the package's own errors; the endpoint renders
those too, so there is one place per package where a refusal becomes a response.

    ROUTES = ApiRouter([
        route("GET", "/contacts", list_contacts),
        route("GET", "/contacts/{key}", get_contact),
    ])
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

H = TypeVar("H")

_PARAMETER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Reply:
    """What a handler answers, before the package renders it (None body: an empty reply)."""

    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


class NoRoute(Exception):
    """No route takes this request: 404 when no path matches, 405 when the path does but not the method."""

    def __init__(self, status: int, method: str, path: str) -> None:
        super().__init__(f"{method} {path}: {'method not allowed' if status == 405 else 'no such route'}")
        self.status = status
        self.method = method


@dataclass(frozen=True)
class ApiRoute(Generic[H]):
    methods: frozenset[str]
    template: str
    handler: H


def route(methods: str, template: str, handler: H) -> ApiRoute[H]:
    """One route: space-separated methods, a path under the API's prefix (`{name}`: one segment)."""
    return ApiRoute(frozenset(methods.split()), template, handler)


@dataclass(frozen=True)
class Match(Generic[H]):
    handler: H
    params: dict[str, str]


class ApiRouter(Generic[H]):
    """Finds the route for a method and a path, in the order the routes were declared.

    `case_sensitive=False` matches paths whatever their case, as some packages' APIs do.
    """

    def __init__(self, routes: Iterable[ApiRoute[H]], *, case_sensitive: bool = True) -> None:
        flags = 0 if case_sensitive else re.IGNORECASE
        self.routes = [
            (item, re.compile("^" + _PARAMETER.sub(r"(?P<\1>[^/]+)", item.template) + "$", flags))
            for item in routes
        ]

    def resolve(self, method: str, path: str) -> Match[H]:
        path = "/" + path.strip("/")
        path_known = False
        for candidate, pattern in self.routes:
            found = pattern.match(path)
            if found is None:
                continue
            if method in candidate.methods:
                return Match(candidate.handler, found.groupdict())
            path_known = True
        raise NoRoute(405 if path_known else 404, method, path)
