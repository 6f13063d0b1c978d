"""Each change feed a plugin reads is one its package's published spec offers, with the filter it uses:
Sage's `updated_or_created_since` and `deleted_since` on each list, Xero's `If-Modified-Since` header."""

from __future__ import annotations

from typing import Any

import pytest

from ledgerlink.packages.sage.changes import DELETED
from ledgerlink.packages.sage.changes import FEEDS as SAGE_FEEDS
from ledgerlink.packages.xero.changes import FEEDS as XERO_FEEDS
from tests.support import sage_spec, xero_spec

pytestmark = pytest.mark.spec


def _resolved(parameter: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """A parameter, or the one its `$ref` ("#/components/parameters/ifModifiedSince") points at."""
    node: dict[str, Any] = spec
    if "$ref" not in parameter:
        return parameter
    for part in parameter["$ref"].lstrip("#/").split("/"):
        node = node[part]
    return node


def _parameter_names(operation: dict[str, Any], spec: dict[str, Any]) -> set[str]:
    return {str(_resolved(p, spec)["name"]).lower() for p in operation.get("parameters", [])}


@sage_spec.requires_spec
@pytest.mark.parametrize("feed", sorted(SAGE_FEEDS))
def test_each_sage_feed_is_a_list_with_the_filter_it_reads_by(feed: str) -> None:
    spec = sage_spec.spec()
    resource, deleted, _ = feed.partition(DELETED)
    operation = spec["paths"][f"/{resource}"]["get"]
    wanted = "deleted_since" if deleted else "updated_or_created_since"
    assert wanted in _parameter_names(operation, spec)


@xero_spec.requires_spec
@pytest.mark.parametrize("feed", sorted(XERO_FEEDS))
def test_each_xero_feed_takes_if_modified_since(feed: str) -> None:
    spec = xero_spec.load_spec()
    operation = spec["paths"][f"/{feed}"]["get"]
    assert "if-modified-since" in _parameter_names(operation, spec)
