"""A document's lines, its tax and its totals, worked as QuickBooks works them.

A sales line without an `ItemRef` is a description and counts for nothing; a non-US company needs
`GlobalTaxCalculation` and a `TaxCodeRef` on every line; tax is worked per rate over the summed net of
the lines at that rate, unless the caller supplies its own figure for a rate.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgerlink.sandbox.quickbooks import errors
from ledgerlink.sandbox.quickbooks.amounts import money, number, times
from ledgerlink.sandbox.quickbooks.records import PURCHASES, SALES, Company

TAX_CALCULATIONS = ("TaxExcluded", "TaxInclusive", "NotApplicable")


def _description_only(line: dict[str, Any]) -> None:
    line["DetailType"] = "DescriptionOnly"  # no item: a description, its amount ignored
    line.pop("Amount", None)


def _net_by_code(company: Company, entity: str, body: dict[str, Any]) -> tuple[Decimal, dict[str, Decimal]]:
    """Check each line and number it; answer the net of the lines and the net at each tax code."""
    non_us = company.country != "US"
    net_by_code: dict[str, Decimal] = {}
    net = Decimal(0)
    for position, line in enumerate(body.get("Line", []), start=1):
        line["LineNum"] = position
        line.setdefault("Id", str(position))
        kind = line.get("DetailType")
        if kind == "DescriptionOnly" or (entity in SALES and kind != "SalesItemLineDetail"):
            _description_only(line)
            continue
        detail = line.get(kind) if isinstance(kind, str) else None
        if not isinstance(detail, dict):
            raise errors.invalid_value(
                "Line.DetailType", f"line {position}: DetailType must name the detail the line carries"
            )
        if kind == "SalesItemLineDetail":
            if "ItemRef" not in detail:
                _description_only(line)
                continue
            company.live("Item", detail["ItemRef"])
            priced = "Qty" in detail and "UnitPrice" in detail
            if priced and times(detail["Qty"], detail["UnitPrice"]) != money(line.get("Amount", 0)):
                raise errors.validation(
                    "6070",
                    "Amount is not equal to UnitPrice * Qty",
                    f"line {position}: Amount {line.get('Amount')} is not Qty x UnitPrice",
                    "Amount",
                )
        elif kind == "AccountBasedExpenseLineDetail":
            company.live("Account", detail.get("AccountRef", {}))
        else:
            raise errors.invalid_value("Line.DetailType", f"line {position}: {kind} is not supported here")
        amount = money(line.get("Amount", 0))
        line["Amount"] = number(amount)
        net += amount
        code = detail.get("TaxCodeRef")
        if non_us:
            if not code:
                raise errors.business_rule(
                    f"line {position}: Make sure all your transactions have a VAT rate before you save.",
                    "TaxCodeRef",
                )
            tax_code = company.live("TaxCode", code)
            net_by_code[tax_code["Id"]] = net_by_code.get(tax_code["Id"], Decimal(0)) + amount
    return net, net_by_code


def work_lines(company: Company, entity: str, body: dict[str, Any]) -> None:
    """Work each line, the tax per rate and the document's totals; refuse what QuickBooks refuses."""
    calculation = body.get("GlobalTaxCalculation")
    if company.country != "US" and calculation not in TAX_CALCULATIONS:
        raise errors.business_rule(
            "GlobalTaxCalculation is required for this company: TaxExcluded, TaxInclusive or NotApplicable",
            "GlobalTaxCalculation",
        )
    net, net_by_code = _net_by_code(company, entity, body)
    tax_lines, total_tax = [], Decimal(0)
    supplied = {  # the caller's own tax per rate replaces QuickBooks' figure for that rate
        str(((line.get("TaxLineDetail") or {}).get("TaxRateRef") or {}).get("value")): money(line["Amount"])
        for line in (body.get("TxnTaxDetail") or {}).get("TaxLine", [])
        if isinstance(line, dict) and "Amount" in line
    }
    list_name = "PurchaseTaxRateList" if entity in PURCHASES else "SalesTaxRateList"
    for code_id, taxable in net_by_code.items():
        code = company.table("TaxCode")[code_id]
        for rate_detail in code.get(list_name, {}).get("TaxRateDetail", []):
            rate = company.table("TaxRate")[rate_detail["TaxRateRef"]["value"]]
            percent = Decimal(str(rate["RateValue"]))
            if calculation == "TaxInclusive":
                tax = money(taxable - taxable / (1 + percent / 100))
            elif calculation == "NotApplicable":
                tax = Decimal(0)
            else:
                tax = money(taxable * percent / 100)
            tax = supplied.get(str(rate["Id"]), tax)
            total_tax += tax
            tax_lines.append(
                {
                    "Amount": number(tax),
                    "DetailType": "TaxLineDetail",
                    "TaxLineDetail": {
                        "TaxRateRef": {"value": rate["Id"]},
                        "PercentBased": True,
                        "TaxPercent": number(percent),
                        "NetAmountTaxable": number(taxable),
                    },
                }
            )
    body["TxnTaxDetail"] = {"TotalTax": number(total_tax), "TaxLine": tax_lines}
    total = net if calculation == "TaxInclusive" else net + total_tax
    body["TotalAmt"] = number(total)
    body["Balance"] = number(total)
    if entity == "CreditMemo":
        body["RemainingCredit"] = number(total)
