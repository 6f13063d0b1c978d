"""QuickBooks' companies and every write to them: create, update (full or sparse, under the SyncToken),
delete and void, each answering the stored entity as QuickBooks would show it.

The rules each write passes live beside this: unique names and numbers (`names.py`), lines, tax and
totals (`lines.py`), and the balances money moves (`payments.py`).
"""

from __future__ import annotations

import copy
import datetime as dt
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ledgerlink.sandbox.kit import Clock
from ledgerlink.sandbox.quickbooks import errors
from ledgerlink.sandbox.quickbooks.amounts import money, number
from ledgerlink.sandbox.quickbooks.lines import work_lines
from ledgerlink.sandbox.quickbooks.names import check_doc_number, check_name
from ledgerlink.sandbox.quickbooks.payments import apply_links, refund
from ledgerlink.sandbox.quickbooks.records import NAME_LISTS, PURCHASES, SALES, Company
from ledgerlink.sandbox.quickbooks.seed import UK_CHART, UK_TAX_CODES, tax_code

PAYMENTS = ("Payment", "BillPayment")


@dataclass
class QuickBooksState:
    clock: Clock = time.time
    companies: dict[str, Company] = field(default_factory=dict)
    _next_realm: int = 9130350000000001

    def now(self) -> str:
        moment = dt.datetime.fromtimestamp(self.clock(), dt.UTC)
        return moment.isoformat(timespec="seconds").replace("+00:00", "-00:00")

    def reset(self) -> None:
        self.companies.clear()

    def seed(self, payload: dict[str, Any]) -> Company:
        realm = str(payload.get("id") or self._next_realm)
        self._next_realm += 1
        if realm in self.companies:
            raise ValueError(f"company {realm} exists already")
        company = Company(
            id=realm,
            name=str(payload.get("name") or f"Sandbox Company {len(self.companies) + 1}"),
            country=str(payload.get("country", "GB")).upper(),
            refuse_duplicate_doc_numbers=bool(payload.get("refuse_duplicate_doc_numbers", True)),
        )
        for code, name, kind, sub_kind in UK_CHART:
            account = {"Name": name, "AcctNum": code, "AccountType": kind, "AccountSubType": sub_kind}
            self._store(company, "Account", {**account, "FullyQualifiedName": name, "CurrentBalance": 0})
        if company.country != "US":
            for name, description, rate, taxable in UK_TAX_CODES:
                sales, purchase = (
                    self._store(company, "TaxRate", {"Name": f"{name} ({side})", "RateValue": float(rate)})
                    for side in ("sales", "purchases")
                )
                self._store(company, "TaxCode", tax_code(name, description, taxable, sales, purchase))
        for held in payload.get("contacts", []):  # {"type": "customer"|"supplier", **Customer or Vendor}
            entity = "Vendor" if str(held.get("type", "customer")) == "supplier" else "Customer"
            self.create(company, entity, {k: v for k, v in held.items() if k != "type"})
        self.companies[company.id] = company
        return company

    def _store(self, company: Company, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        stamp = self.now()
        record = {
            **copy.deepcopy(body),
            "Id": company.new_id(),
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
        }
        if entity in NAME_LISTS or entity in ("TaxCode", "TaxRate"):
            record.setdefault("Active", True)
        company.table(entity)[record["Id"]] = record
        return record

    def _derive(self, company: Company, entity: str, body: dict[str, Any]) -> None:
        """Resolve references to their names and work out what QuickBooks works out itself."""
        for element, target in (("CustomerRef", "Customer"), ("VendorRef", "Vendor")):
            if element in body:
                found = company.live(target, body[element])
                body[element] = {"value": found["Id"], "name": found["DisplayName"]}
        if entity == "Item":
            if body.get("Type", "Service") in ("Service", "NonInventory", "Inventory"):
                if "IncomeAccountRef" not in body:
                    raise errors.invalid_value("IncomeAccountRef", "An item needs an income account")
                company.live("Account", body["IncomeAccountRef"])
                if company.country in ("GB", "CA") and "ExpenseAccountRef" not in body:
                    raise errors.invalid_value(
                        "ExpenseAccountRef", "An item in this company needs an expense account"
                    )
            body.setdefault("Type", "Service")
            body["FullyQualifiedName"] = body["Name"]
        if entity in SALES or entity in PURCHASES:
            work_lines(company, entity, body)
        if entity == "BillPayment":
            detail = {
                "Check": ("CheckPayment", "BankAccountRef"),
                "CreditCard": ("CreditCardPayment", "CCAccountRef"),
            }.get(str(body.get("PayType")))
            if detail is None:
                raise errors.invalid_value("PayType", "PayType must be Check or CreditCard")
            if money(body.get("TotalAmt", 0)) > 0:  # money leaves an account; a credit applied does not
                company.live("Account", body.get(detail[0], {}).get(detail[1], {}))

    def create(self, company: Company, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        body = copy.deepcopy(body)
        if entity == "Purchase":
            refund(company, body)
        body.pop("sparse", None)
        check_name(company, entity, body, None)
        check_doc_number(company, entity, body, None)
        self._derive(company, entity, body)
        record = self._store(company, entity, body)
        if entity in PAYMENTS:
            try:
                apply_links(company, entity, record, 1)
            except errors.QuickBooksFault:
                del company.table(entity)[record["Id"]]
                raise
        return record

    def update(self, company: Company, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        """A sparse update merges the elements sent; a full one replaces the entity. A stale SyncToken is
        5010, and a payment's links are undone and done again."""
        held = company.get(entity, str(body["Id"]))
        if str(body["SyncToken"]) != held["SyncToken"]:
            raise errors.stale_object(entity, held["Id"])
        keep = {k: held[k] for k in ("Id", "MetaData", "domain")}
        changes = {k: v for k, v in copy.deepcopy(body).items() if k not in ("sparse", "SyncToken", "Id")}
        merged = {**copy.deepcopy(held), **changes} if body.get("sparse") else changes
        for derived in ("TxnTaxDetail", "RemainingCredit", "Balance", "UnappliedAmt"):
            merged.pop(derived, None)  # QuickBooks works these out again
        if entity not in PAYMENTS:
            merged.pop("TotalAmt", None)
        check_name(company, entity, merged, held["Id"])
        check_doc_number(company, entity, merged, held["Id"])
        paid = (
            money(held["TotalAmt"]) - money(held["Balance"]) if entity in ("Invoice", "Bill") else Decimal(0)
        )
        if entity in PAYMENTS:
            apply_links(company, entity, held, -1)
        self._derive(company, entity, merged)
        if paid:
            merged["Balance"] = number(money(merged["TotalAmt"]) - paid)
            merged["LinkedTxn"] = held.get("LinkedTxn", [])
        record = {**merged, **keep, "SyncToken": str(int(held["SyncToken"]) + 1), "sparse": False}
        record["MetaData"] = {**keep["MetaData"], "LastUpdatedTime": self.now()}
        if entity in PAYMENTS:
            try:
                apply_links(company, entity, record, 1)
            except errors.QuickBooksFault:
                apply_links(company, entity, held, 1)
                raise
        company.table(entity)[held["Id"]] = record
        return record

    def delete(
        self, company: Company, entity: str, body: dict[str, Any], *, void: bool = False
    ) -> dict[str, Any]:
        """Delete (or void) a transaction; name lists are made inactive instead, never deleted."""
        if entity in NAME_LISTS:
            raise errors.business_rule(f"{entity} cannot be deleted: make it inactive", "Id")
        held = company.get(entity, str(body.get("Id", "")))
        if str(body.get("SyncToken")) != held["SyncToken"]:
            raise errors.stale_object(entity, held["Id"])
        if entity in PAYMENTS:
            apply_links(company, entity, held, -1)
        elif held.get("LinkedTxn"):
            raise errors.business_rule(
                f"{entity} {held['Id']} has payments linked: unlink them first", "LinkedTxn"
            )
        if void:
            for line in held.get("Line", []):
                if "Amount" in line:
                    line["Amount"] = 0
            held.update(
                {
                    "TotalAmt": 0,
                    "Balance": 0,
                    "PrivateNote": f"Voided {held.get('PrivateNote', '')}".strip(),
                    "SyncToken": str(int(held["SyncToken"]) + 1),
                }
            )
            if "RemainingCredit" in held:
                held["RemainingCredit"] = 0
            return held
        del company.table(entity)[held["Id"]]
        return {"Id": held["Id"], "status": "Deleted", "domain": "QBO"}
