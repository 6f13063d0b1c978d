"""Reads: one entity by Id, the query language (the subset `query.py` accepts), the company's info
and its preferences. A customer or vendor is shown with its balance, as QuickBooks works it out."""

from __future__ import annotations

from typing import Any

from ledgerlink.sandbox.kit import Reply
from ledgerlink.sandbox.quickbooks import query
from ledgerlink.sandbox.quickbooks.gate import Call, entity_named
from ledgerlink.sandbox.quickbooks.payments import party_balance


async def read(call: Call) -> Reply:
    entity = entity_named(call.params["entity"])
    record = call.company.get(entity, call.params["key"])
    return Reply(200, {entity: shown(call, entity, record)})


def shown(call: Call, entity: str, record: dict[str, Any]) -> dict[str, Any]:
    if entity in ("Customer", "Vendor"):
        return {
            **record,
            "Balance": float(party_balance(call.company, entity, record["Id"])),
        }
    return record


def query_records(call: Call, text: str) -> dict[str, Any]:
    parsed = query.parse(text)
    entity = entity_named(parsed.entity)
    parsed = query.Query(
        entity,
        parsed.count,
        parsed.conditions,
        parsed.order,
        parsed.descending,
        parsed.start,
        parsed.max_results,
    )
    records = [shown(call, entity, r) for r in call.company.table(entity).values()]
    return query.run(parsed, records)


async def run_query(call: Call) -> Reply:
    if call.request.method == "POST":
        text = (await call.request.body()).decode("utf-8")
    else:
        text = call.request.query_params.get("query", "")
    return Reply(200, {"QueryResponse": query_records(call, text)})


async def company_info(call: Call) -> Reply:
    company = call.company
    return Reply(
        200,
        {
            "CompanyInfo": {
                "Id": company.id,
                "CompanyName": company.name,
                "Country": company.country,
                "SyncToken": "0",
            }
        },
    )


async def preferences(call: Call) -> Reply:
    company = call.company
    return Reply(
        200,
        {
            "Preferences": {
                "TaxPrefs": {
                    "UsingSalesTax": company.country != "US",
                    "PartnerTaxEnabled": company.country == "US",
                },
                "SalesFormsPrefs": {
                    "CustomTxnNumbers": True,
                    "AutoApplyCredit": False,
                    "AutoApplyPayments": False,
                },
                "CurrencyPrefs": {
                    "MultiCurrencyEnabled": False,
                    "HomeCurrency": {"value": "GBP" if company.country == "GB" else "USD"},
                },
            }
        },
    )
