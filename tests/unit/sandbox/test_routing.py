"""The kit's router finds a route the same way for every sandbox."""

from __future__ import annotations

import pytest

from ledgerlink.sandbox.kit import ApiRouter, NoRoute, route

ROUTER = ApiRouter(
    [
        route("GET", "/contacts", "list"),
        route("PUT POST", "/contacts", "save"),
        route("GET", "/contacts/{key}", "one"),
        route("DELETE", "/notes/{id}/allocations/{allocation}", "unallocate"),
    ]
)


def test_a_route_is_found_by_method_and_path_with_its_parameters() -> None:
    assert ROUTER.resolve("POST", "/contacts").handler == "save"
    found = ROUTER.resolve("DELETE", "/notes/n1/allocations/a2/")

    assert (found.handler, found.params) == ("unallocate", {"id": "n1", "allocation": "a2"})


def test_an_unknown_path_is_404_and_a_known_path_with_another_method_405() -> None:
    with pytest.raises(NoRoute) as unknown:
        ROUTER.resolve("GET", "/invoices")
    with pytest.raises(NoRoute) as wrong_method:
        ROUTER.resolve("DELETE", "/contacts")

    assert (unknown.value.status, wrong_method.value.status) == (404, 405)


def test_paths_match_whatever_their_case_when_the_package_ignores_case() -> None:
    router = ApiRouter([route("GET", "/Invoices/{id}", "one")], case_sensitive=False)

    assert router.resolve("GET", "/INVOICES/x").params == {"id": "x"}
    with pytest.raises(NoRoute):
        ROUTER.resolve("GET", "/CONTACTS")
