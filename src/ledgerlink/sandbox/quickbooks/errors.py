"""QuickBooks' refusals: a `Fault` with its errors and type, and the HTTP status it travels with.

QuickBooks can put a Fault inside an HTTP 200 (and always does per item in a batch reply), so the
status is part of the error rather than of its type.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FaultError:
    message: str
    detail: str
    code: str
    element: str = ""


class QuickBooksFault(Exception):
    """A refusal rendered as `{"Fault": {"Error": [...], "type": ...}, "time": ...}`."""

    def __init__(self, status: int, fault_type: str, errors: list[FaultError]) -> None:
        super().__init__("; ".join(f"{e.code} {e.message}: {e.detail}" for e in errors))
        self.status = status
        self.fault_type = fault_type
        self.errors = errors


def validation(code: str, message: str, detail: str, element: str = "") -> QuickBooksFault:
    return QuickBooksFault(400, "ValidationFault", [FaultError(message, detail, code, element)])


def duplicate_name(name: str) -> QuickBooksFault:
    return validation(
        "6240",
        "Duplicate Name Exists Error",
        f"The name supplied already exists. : Another customer, vendor or employee is already using this name ({name}).",
    )


def duplicate_doc_number(number: str) -> QuickBooksFault:
    return validation(
        "6140",
        "Duplicate Document Number Error",
        f"Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber={number}",
    )


def stale_object(entity: str, key: str) -> QuickBooksFault:
    return validation(
        "5010",
        "Stale Object Error",
        f"Stale Object Error : You and another user were working on the same thing. {entity} Id={key}",
    )


def not_found(entity: str, key: str) -> QuickBooksFault:
    return validation(
        "610",
        "Object Not Found",
        f"Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees. {entity} Id={key}",
    )


def invalid_value(element: str, detail: str) -> QuickBooksFault:
    return validation(
        "2020", "Required param missing, need to supply the required value for the API", detail, element
    )


def query_error(detail: str) -> QuickBooksFault:
    return validation("4000", "Error parsing query", f"QueryParserError: {detail}")


def business_rule(detail: str, element: str = "") -> QuickBooksFault:
    """QuickBooks' catch-all 6000: the body is well formed but breaks one of its bookkeeping rules."""
    return validation(
        "6000", "A business validation error has occurred while processing your request", detail, element
    )
