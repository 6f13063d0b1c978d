"""How money moves balances: a payment settles the documents it links, a refund cheque uses up the
credit it links, and a customer's or vendor's balance is what stays open."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgerlink.sandbox.quickbooks import errors
from ledgerlink.sandbox.quickbooks.amounts import money, number
from ledgerlink.sandbox.quickbooks.records import Company

LINKABLE = {"Payment": ("Invoice", "CreditMemo"), "BillPayment": ("Bill", "VendorCredit")}


def apply_links(company: Company, entity: str, body: dict[str, Any], sign: int) -> None:
    """Move the linked documents' balances by each line of a payment (sign 1) or undo it (-1)."""
    party_ref = "CustomerRef" if entity == "Payment" else "VendorRef"
    allowed = LINKABLE[entity]
    applied = Decimal(0)
    for position, line in enumerate(body.get("Line", []), start=1):
        amount = money(line.get("Amount", 0))
        for linked in line.get("LinkedTxn", []):
            kind = linked.get("TxnType")
            if kind not in allowed:
                raise errors.invalid_value(
                    "LinkedTxn.TxnType", f"line {position}: a {entity} links only {' or '.join(allowed)}"
                )
            target = company.get(kind, str(linked.get("TxnId", "")))
            if target.get(party_ref, {}).get("value") != body[party_ref]["value"]:
                raise errors.invalid_value(
                    "LinkedTxn",
                    f"line {position}: {kind} {target['Id']} belongs to another {party_ref[:-3].lower()}",
                )
            field_name = "RemainingCredit" if kind == "CreditMemo" else "Balance"
            open_amount = money(target.get(field_name, 0))
            if sign > 0 and amount > open_amount:
                raise errors.business_rule(
                    f"line {position}: {amount} is more than the {open_amount} open on {kind} {target['Id']}",
                    "Line.Amount",
                )
            target[field_name] = number(open_amount - sign * amount)
            if kind in ("CreditMemo", "VendorCredit"):
                target["Balance"] = target[field_name]
                applied -= amount
            else:
                applied += amount
            links = [
                t
                for t in target.get("LinkedTxn", [])
                if not (t.get("TxnType") == entity and t.get("TxnId") == body.get("Id"))
            ]
            if sign > 0:
                links.append({"TxnId": body.get("Id", ""), "TxnType": entity})
            target["LinkedTxn"] = links
    if sign > 0:
        total = money(body["TotalAmt"])
        if total < 0:
            raise errors.invalid_value("TotalAmt", "TotalAmt may not be negative")
        if applied > total:
            raise errors.business_rule(f"the lines apply {applied}, more than TotalAmt {total}", "TotalAmt")
        body["UnappliedAmt"] = number(total - applied)


def refund(company: Company, body: dict[str, Any]) -> None:
    """A cheque to a customer that refunds credit memos (`LinkedTxn`): money leaves the bank account and
    the credit it refunds is used up."""
    company.live("Account", body["AccountRef"])
    total = Decimal(0)
    for position, line in enumerate(body.get("Line", []), start=1):
        detail = line.get("AccountBasedExpenseLineDetail") or {}
        company.live("Account", detail.get("AccountRef", {}))
        total += money(line.get("Amount", 0))
        line["Amount"] = number(money(line.get("Amount", 0)))
        line["LineNum"] = position
    body["TotalAmt"] = number(total)
    entity = body.get("EntityRef") or {}
    if entity.get("type") != "Customer":
        return
    company.live("Customer", entity)
    remaining, uses = total, []
    for linked in body.get("LinkedTxn", []):
        memo = company.get("CreditMemo", str(linked.get("TxnId", "")))
        if memo["CustomerRef"]["value"] != entity["value"]:
            raise errors.invalid_value("LinkedTxn", f"CreditMemo {memo['Id']} belongs to another customer")
        used = min(remaining, money(memo["RemainingCredit"]))
        uses.append((memo, used))
        remaining -= used
    for memo, used in uses if not remaining else []:  # nothing changes unless all of it is refunded
        memo["RemainingCredit"] = memo["Balance"] = number(money(memo["RemainingCredit"]) - used)
    if remaining:
        raise errors.business_rule(f"the refund of {total} is more than the credit it links", "TotalAmt")


def party_balance(company: Company, entity: str, key: str) -> Decimal:
    """What a customer owes (or a vendor is owed): open documents less credit and unapplied money."""
    ref = "CustomerRef" if entity == "Customer" else "VendorRef"
    docs, credits, payments = (
        ("Invoice", "CreditMemo", "Payment")
        if entity == "Customer"
        else ("Bill", "VendorCredit", "BillPayment")
    )
    total = Decimal(0)
    for kind, sign, element in (
        (docs, 1, "Balance"),
        (credits, -1, "Balance"),
        (payments, -1, "UnappliedAmt"),
    ):
        for record in company.table(kind).values():
            if record.get(ref, {}).get("value") == key:
                total += sign * money(record.get(element, 0))
    return total
