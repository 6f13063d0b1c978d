"""The Sage sandbox's state and Sage's rules, with no HTTP in sight.

Every business keeps its records in dicts keyed by id, with the indexes the rules need (contact by
reference, artefacts by contact), so a create or a look-up costs the same with ten records or fifty
thousand. Refusals are `SageError`s carrying Sage's diagnosis array; `responses.py` renders them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from ledgerlink.sandbox.kit.clock import Clock
from ledgerlink.sandbox.sage import bodies
from ledgerlink.sandbox.sage.errors import BodyError, Diagnosis, Problems, SageError, invalid, not_found
from ledgerlink.sandbox.sage.records import (
    PENNY,
    ZERO,
    Allocation,
    Artefact,
    ArtefactKind,
    BankAccount,
    Business,
    Contact,
    FinancialSettings,
    LedgerAccount,
    Line,
    Payment,
    TaxRate,
    Tier,
    new_id,
    pennies,
)
from ledgerlink.sandbox.sage.seed import (
    BANK_ACCOUNTS,
    CONTACT_TYPES,
    GB_TAX_RATES,
    LEDGER_ACCOUNT_TYPE_NAMES,
    PAYMENT_METHODS,
    UK_CHART,
    chart_from,
)


@dataclass(frozen=True)
class SandboxRules:
    """The behaviours the provider notes leave open, made switchable."""

    tax_tolerance: Decimal = ZERO  # how far a line's tax_amount may stray from net x rate
    refuse_void_with_allocations: bool = True
    default_credit_days: int = 30


# --- the state and its rules -----------------------------------------------------------------------


class SageState:
    """Every business in the sandbox, and the rules each write must pass."""

    def __init__(self, *, rules: SandboxRules | None = None, clock: Clock = time.time) -> None:
        self.rules = rules or SandboxRules()
        self.clock = clock
        self.businesses: dict[str, Business] = {}

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(int(self.clock()), dt.UTC)

    def reset(self) -> None:
        self.businesses.clear()

    def business(self, business_id: str) -> Business:
        return self.businesses[business_id]

    # --- seeding ----------------------------------------------------------------------------------

    def seed(self, payload: dict[str, Any]) -> Business:
        now = self.now()
        today = now.date()
        lockdown = payload.get("year_end_lockdown_date")
        business = Business(
            id=str(payload.get("id") or new_id()),
            name=str(payload.get("name") or f"Sandbox Business {len(self.businesses) + 1}"),
            country=str(payload.get("country", "GB")).upper(),
            tier=Tier(str(payload.get("tier", "plus")).lower()),
            settings=FinancialSettings(
                year_end_date=dt.date(today.year, 12, 31),
                accounts_start_date=dt.date.fromisoformat(
                    str(payload.get("accounts_start_date", today.isoformat()))  # a business starts today
                ),
                year_end_lockdown_date=dt.date.fromisoformat(str(lockdown)) if lockdown else None,
            ),
            created_at=now,
        )
        if business.id in self.businesses:
            raise ValueError(f"business {business.id} exists already")
        chart = chart_from(payload["chart"]) if payload.get("chart") else UK_CHART
        by_code: dict[int, str] = {}
        for code, name, type_id, default_rate in chart:
            account = LedgerAccount(new_id(), now, now, code, name, type_id, default_rate)
            business.ledger_accounts[account.id] = account
            by_code[code] = account.id
        # the default chart's banks carry Sage's own bank names; a given chart's are named as its accounts
        banks = {code: (name, kind) for code, name, kind in BANK_ACCOUNTS} if chart is UK_CHART else {}
        for code, name, type_id, _ in chart:
            if type_id in ("BANK", "CASH_IN_HAND"):
                bank_name, kind = banks.get(code, (name, "CHECKING" if type_id == "BANK" else "CASH_IN_HAND"))
                bank = BankAccount(new_id(), now, now, bank_name, kind, by_code[code], code)
                business.bank_accounts[bank.id] = bank
        for rate_id, name, percentage, taxable in GB_TAX_RATES:
            business.tax_rates[rate_id] = TaxRate(rate_id, name, percentage, taxable)
        business.payment_methods = dict(PAYMENT_METHODS)
        for index, item in enumerate(payload.get("contacts", []) or []):
            try:
                self._seed_contact(business, item)
            except SageError as error:  # named by its place in the seed; the business is not kept
                raise SageError(
                    error.status,
                    [replace(d, source=f"contacts.{index}.{d.source}".rstrip(".")) for d in error.diagnoses],
                ) from error
        self.businesses[business.id] = business  # only once every part of it was accepted
        return business

    def _seed_contact(self, business: Business, item: dict[str, Any]) -> Contact:
        if not isinstance(item, dict) or not str(item.get("name") or "").strip():
            raise invalid("name", "must be present")
        kind = str(item.get("type", item.get("role", "customer"))).lower()
        type_id = "VENDOR" if kind in ("supplier", "vendor") else "CUSTOMER"
        address = item.get("address") or {}
        body: dict[str, Any] = {
            "name": str(item["name"]),
            "contact_type_ids": [type_id],
            "reference": str(item.get("reference", "")),
            "main_address": {key: str(value) for key, value in address.items()} if address else None,
            "main_contact_person": {
                key: str(item[key]) for key in ("email", "telephone", "mobile") if item.get(key)
            }
            or None,
            "tax_number": item.get("tax_number"),
        }
        try:
            parsed = bodies.parse_body("contact", {"contact": {k: v for k, v in body.items() if v}})
        except BodyError as error:
            raise SageError(
                422, [Diagnosis(message, source) for source, message in error.problems]
            ) from error
        assert isinstance(parsed, bodies.ContactCreate)
        return self.create_contact(business, parsed)

    # --- contacts ---------------------------------------------------------------------------------

    def _check_contact_fields(self, business: Business, body: bodies.ContactUpdate, own_id: str = "") -> None:
        problems = Problems()
        if body.contact_type_ids is not None:
            if not body.contact_type_ids:
                problems.add("contact_type_ids", "must contain at least one contact type")
            for index, type_id in enumerate(body.contact_type_ids):
                if type_id not in CONTACT_TYPES:
                    problems.add(f"contact_type_ids.{index}", "is not a valid contact type")
        if body.name is not None and not body.name.strip():
            problems.add("name", "can't be blank")
        if body.reference:
            if len(body.reference) > 10:
                problems.add("reference", "is too long (maximum is 10 characters)")
            holder = business.contacts_by_reference.get(body.reference.lower())
            if holder is not None and holder != own_id:
                problems.add("reference", "has already been taken")
        if body.credit_days is not None and not 0 <= body.credit_days <= 365:
            problems.add("credit_days", "must be between 0 and 365")
        for source, value in (
            ("default_sales_ledger_account_id", body.default_sales_ledger_account_id),
            ("default_purchase_ledger_account_id", body.default_purchase_ledger_account_id),
        ):
            if value and value not in business.ledger_accounts:
                problems.add(source, "is not a valid ledger account")
        if body.default_sales_tax_rate_id and body.default_sales_tax_rate_id not in business.tax_rates:
            problems.add("default_sales_tax_rate_id", "is not a valid tax rate")
        if body.tax_number and not _plausible_vat_number(body.tax_number):
            problems.add("tax_number", "is not a valid VAT number")
        problems.raise_if_any()

    def create_contact(self, business: Business, body: bodies.ContactCreate) -> Contact:
        self._check_contact_fields(business, body)
        now = self.now()
        contact = Contact(new_id(), now, now, body.name, list(dict.fromkeys(body.contact_type_ids)))
        self._apply_contact(business, contact, body)
        business.contacts[contact.id] = contact
        return contact

    def create_ledger_account(self, business: Business, body: bodies.LedgerAccountCreate) -> LedgerAccount:
        """A new nominal code, as Sage's chart of accounts screen makes one: its code unique, its type
        one of Sage's, its default tax rate one the business has."""
        problems = Problems()
        if body.ledger_account_type_id not in LEDGER_ACCOUNT_TYPE_NAMES:
            problems.add("ledger_account_type_id", "is not a valid ledger account type")
        if not 1 <= body.nominal_code <= 99_999_999:
            problems.add("nominal_code", "must be between 1 and 99999999")
        elif any(a.nominal_code == body.nominal_code for a in business.ledger_accounts.values()):
            problems.add("nominal_code", "has already been taken")
        if not body.name.strip():
            problems.add("name", "can't be blank")
        if body.tax_rate_id and body.tax_rate_id not in business.tax_rates:
            problems.add("tax_rate_id", "is not a valid tax rate")
        problems.raise_if_any()
        now = self.now()
        account = LedgerAccount(
            new_id(),
            now,
            now,
            body.nominal_code,
            body.name.strip(),
            body.ledger_account_type_id,
            body.tax_rate_id or "",
            included_in_chart=body.included_in_chart,
        )
        business.ledger_accounts[account.id] = account
        return account

    def update_contact(self, business: Business, contact_id: str, body: bodies.ContactUpdate) -> Contact:
        contact = self.contact(business, contact_id)
        self._check_contact_fields(business, body, own_id=contact.id)
        if body.name is not None:
            contact.name = body.name
        if body.contact_type_ids is not None:
            contact.contact_type_ids = list(dict.fromkeys(body.contact_type_ids))
        self._apply_contact(business, contact, body)
        contact.updated_at = self.now()
        return contact

    @staticmethod
    def _apply_contact(business: Business, contact: Contact, body: bodies.ContactUpdate) -> None:
        if body.reference is not None and body.reference != contact.reference:
            business.contacts_by_reference.pop(contact.reference.lower(), None)
            contact.reference = body.reference
        if contact.reference:
            business.contacts_by_reference[contact.reference.lower()] = contact.id
        for name in (
            "tax_number",
            "notes",
            "source_guid",
            "default_sales_ledger_account_id",
            "default_purchase_ledger_account_id",
            "default_sales_tax_rate_id",
        ):
            value = getattr(body, name)
            if value is not None:
                setattr(contact, name, value)
        if body.credit_days is not None:
            contact.credit_days = body.credit_days
        if body.main_address is not None:
            contact.main_address = body.main_address.model_dump(exclude_none=True)
        if body.main_contact_person is not None:
            person = body.main_contact_person.model_dump(exclude_none=True)
            person.pop("contact_person_type_ids", None)
            contact.main_contact_person = person

    def delete_contact(self, business: Business, contact_id: str) -> None:
        contact = self.contact(business, contact_id)
        if contact.transactions:
            raise invalid("", "Contact cannot be deleted as it has transactions")
        business.contacts_by_reference.pop(contact.reference.lower(), None)
        del business.contacts[contact.id]
        business.record_deletion("contacts", contact.id, self.now())

    def contact(self, business: Business, contact_id: str) -> Contact:
        contact = business.contacts.get(contact_id)
        if contact is None:
            raise not_found("Contact")
        return contact

    # --- invoices and credit notes ----------------------------------------------------------------

    def _check_date(self, business: Business, value: dt.date | None, source: str, problems: Problems) -> None:
        lockdown = business.settings.year_end_lockdown_date
        if value is not None and lockdown is not None and value <= lockdown:
            problems.add(source, f"must be after the year end lockdown date ({lockdown.isoformat()})")

    def _lines(
        self,
        business: Business,
        kind: ArtefactKind,
        lines: Sequence[bodies.LineUpdate],
        problems: Problems,
    ) -> list[Line]:
        built: list[Line] = []
        prefix = kind.lines_key
        if not lines:
            problems.add(prefix, "must contain at least one line")
        for index, line in enumerate(lines):
            source = f"{prefix}.{index}"
            for name in ("description", "ledger_account_id", "unit_price"):
                if getattr(line, name) is None:
                    problems.add(f"{source}.{name}", "must be present")
            if not kind.is_sales and line.quantity is None:
                problems.add(f"{source}.quantity", "must be present")
            account = business.ledger_accounts.get(line.ledger_account_id or "")
            if line.ledger_account_id is not None and account is None:
                problems.add(f"{source}.ledger_account_id", "is not a valid ledger account")
            elif account is not None:
                suits = account.visible_in_sales if kind.is_sales else account.visible_in_expenses
                if not suits:
                    side = "sales" if kind.is_sales else "purchase"
                    problems.add(f"{source}.ledger_account_id", f"cannot be used on a {side} artefact")
            rate_id = line.tax_rate_id or (account.tax_rate_id if account else "") or "GB_NO_TAX"
            rate = business.tax_rates.get(rate_id)
            if rate is None:
                problems.add(f"{source}.tax_rate_id", "is not a valid tax rate")
            if line.unit_price is None or line.description is None or line.ledger_account_id is None:
                continue
            quantity = line.quantity if line.quantity is not None else Decimal(1)
            if quantity < 0 or line.unit_price < 0:
                problems.add(f"{source}.unit_price", "must not be negative")
            computed = pennies(quantity * line.unit_price) - pennies(line.discount_amount or ZERO)
            net = computed if line.net_amount is None else line.net_amount
            if abs(net - computed) > PENNY:
                problems.add(f"{source}.net_amount", f"does not equal quantity x unit_price ({computed})")
            tax = ZERO
            if rate is not None and rate.taxable and rate.percentage > 0:
                expected = pennies(net * rate.percentage / 100)
                if line.tax_amount is None:
                    problems.add(f"{source}.tax_amount", "must be present")
                else:
                    tax = line.tax_amount
                    if abs(tax - expected) > self.rules.tax_tolerance:
                        problems.add(
                            f"{source}.tax_amount",
                            f"does not match the tax rate {rate.id} (expected {expected})",
                        )
            elif line.tax_amount is not None and line.tax_amount != 0:
                problems.add(f"{source}.tax_amount", f"must be 0 for tax rate {rate_id}")
            total = net + tax
            if line.total_amount is not None and line.total_amount != total:
                problems.add(f"{source}.total_amount", f"does not equal net_amount + tax_amount ({total})")
            built.append(
                Line(
                    new_id(),
                    line.description,
                    line.ledger_account_id,
                    rate_id,
                    quantity,
                    line.unit_price,
                    pennies(net),
                    pennies(tax),
                    pennies(total),
                )
            )
        return built

    def _document_fields(
        self,
        business: Business,
        kind: ArtefactKind,
        *,
        contact_id: str,
        date: dt.date,
        due_date: dt.date | None,
        lines: Sequence[bodies.LineUpdate],
        header: bodies.DocumentUpdate,
    ) -> list[Line]:
        problems = Problems()
        contact = business.contacts.get(contact_id)
        if contact is None:
            problems.add("contact_id", "is not a valid contact")
        else:
            needed = "CUSTOMER" if kind.is_sales else "VENDOR"
            if needed not in contact.contact_type_ids:
                problems.add("contact_id", f"must be a {CONTACT_TYPES[needed].lower()}")
        self._check_date(business, date, "date", problems)
        if due_date is not None and due_date < date:
            problems.add("due_date", "must be on or after the date")
        built = self._lines(business, kind, lines, problems)
        if not problems.items:
            for name in ("net_amount", "tax_amount", "total_amount"):
                stated = getattr(header, name)
                summed = sum((getattr(line, name) for line in built), ZERO)
                if stated is not None and stated != summed:
                    problems.add(name, f"does not equal the sum of the lines ({summed})")
        problems.raise_if_any()
        return built

    def create_artefact(
        self, business: Business, kind: ArtefactKind, body: bodies.DocumentUpdate
    ) -> Artefact:
        lines: list[bodies.LineUpdate] = list(getattr(body, kind.lines_key) or [])
        assert body.contact_id is not None
        assert body.date is not None
        contact = business.contacts.get(body.contact_id)
        credit_days = (contact.credit_days if contact else None) or self.rules.default_credit_days
        due_date = body.due_date
        if due_date is None and not kind.is_credit:
            due_date = body.date + dt.timedelta(days=credit_days)
        built = self._document_fields(
            business,
            kind,
            contact_id=body.contact_id,
            date=body.date,
            due_date=due_date,
            lines=lines,
            header=body,
        )
        now = self.now()
        business.numbers[kind] += 1
        artefact = Artefact(
            new_id(),
            now,
            now,
            kind,
            f"{kind.number_prefix}{business.numbers[kind]}",
            body.contact_id,
            body.date,
            due_date,
            built,
            reference=body.reference or "",
            vendor_reference=str(getattr(body, "vendor_reference", None) or ""),
            notes=body.notes or "",
            original_invoice_date=getattr(body, "original_invoice_date", None),
        )
        business.artefacts[kind][artefact.id] = artefact
        business.artefacts_by_id[artefact.id] = artefact
        business.artefacts_by_contact.setdefault(artefact.contact_id, []).append(artefact.id)
        business.contacts[artefact.contact_id].transactions += 1
        return artefact

    def artefact(self, business: Business, kind: ArtefactKind, artefact_id: str) -> Artefact:
        artefact = business.artefacts[kind].get(artefact_id)
        if artefact is None or artefact.deleted_at is not None:
            raise not_found(kind.root.replace("_", " ").capitalize())
        return artefact

    def update_artefact(
        self, business: Business, kind: ArtefactKind, artefact_id: str, body: bodies.DocumentUpdate
    ) -> Artefact:
        artefact = self.artefact(business, kind, artefact_id)
        if artefact.tax_reconciled:
            raise invalid("", "cannot be edited as it has been included in a VAT return")
        if not artefact.editable:
            raise invalid("", f"cannot be edited as it is {artefact.status.lower().replace('_', ' ')}")
        if body.contact_id is not None and body.contact_id != artefact.contact_id:
            raise invalid("contact_id", "cannot be changed")
        problems = Problems()
        self._check_date(business, artefact.date, "date", problems)
        problems.raise_if_any()
        new_lines = getattr(body, kind.lines_key)
        lines: list[bodies.LineUpdate] = (
            list(new_lines) if new_lines is not None else [_line_body(line) for line in artefact.lines]
        )
        date = body.date or artefact.date
        due_date = body.due_date or artefact.due_date
        built = self._document_fields(
            business,
            kind,
            contact_id=artefact.contact_id,
            date=date,
            due_date=due_date,
            lines=lines,
            header=body,
        )
        artefact.lines = built
        artefact.date = date
        artefact.due_date = due_date
        for name in ("reference", "notes", "vendor_reference"):
            value = getattr(body, name, None)
            if value is not None:
                setattr(artefact, name, value)
        artefact.updated_at = self.now()
        return artefact

    def void_artefact(self, business: Business, kind: ArtefactKind, artefact_id: str, reason: str) -> None:
        artefact = self.artefact(business, kind, artefact_id)
        if artefact.voided:
            raise invalid("", "has already been voided")
        if artefact.tax_reconciled:
            raise invalid("", "cannot be voided as it has been included in a VAT return")
        problems = Problems()
        self._check_date(business, artefact.date, "date", problems)
        problems.raise_if_any()
        if self.rules.refuse_void_with_allocations and artefact.allocations:
            raise invalid("", "cannot be voided while payments or allocations are set against it")
        if kind.is_sales:
            if not reason.strip():
                raise invalid("void_reason", "must be present")
            artefact.void_reason = reason
        else:  # purchase artefacts are deleted rather than voided
            artefact.deleted_at = self.now()
            business.record_deletion(kind.value, artefact.id, artefact.deleted_at)
            artefact.void_reason = reason or "deleted"
        artefact.updated_at = self.now()

    # --- payments and allocations -----------------------------------------------------------------

    def create_payment(self, business: Business, body: bodies.ContactPaymentCreate) -> Payment:
        problems = Problems()
        type_id = body.transaction_type_id
        allowed_kinds = {
            "CUSTOMER_RECEIPT": {ArtefactKind.SALES_INVOICE},
            "CUSTOMER_REFUND": {ArtefactKind.SALES_CREDIT_NOTE},
            "VENDOR_PAYMENT": {ArtefactKind.PURCHASE_INVOICE},
            "VENDOR_REFUND": {ArtefactKind.PURCHASE_CREDIT_NOTE},
        }.get(type_id)
        if allowed_kinds is None:
            problems.add("transaction_type_id", "is not a valid transaction type for a contact payment")
        contact = business.contacts.get(body.contact_id)
        if contact is None:
            problems.add("contact_id", "is not a valid contact")
        elif allowed_kinds is not None:
            needed = "CUSTOMER" if type_id.startswith("CUSTOMER") else "VENDOR"
            if needed not in contact.contact_type_ids:
                problems.add("contact_id", f"must be a {CONTACT_TYPES[needed].lower()}")
        if body.bank_account_id not in business.bank_accounts:
            problems.add("bank_account_id", "is not a valid bank account")
        if body.payment_method_id and body.payment_method_id not in business.payment_methods:
            problems.add("payment_method_id", "is not a valid payment method")
        self._check_date(business, body.date, "date", problems)
        if body.total_amount <= 0:
            problems.add("total_amount", "must be greater than 0")
        allocated: list[tuple[str, Decimal, Decimal]] = []
        seen: set[str] = set()
        for index, item in enumerate(body.allocated_artefacts or []):
            source = f"allocated_artefacts.{index}"
            if item.artefact_id is None:
                problems.add(f"{source}.artefact_id", "must be present")
                continue
            if item.amount is None:
                problems.add(f"{source}.amount", "must be present")
                continue
            artefact = business.artefacts_by_id.get(item.artefact_id)
            if artefact is None or artefact.deleted_at is not None:
                problems.add(f"{source}.artefact_id", "is not a valid artefact")
                continue
            if item.artefact_id in seen:
                problems.add(f"{source}.artefact_id", "is allocated twice")
            seen.add(item.artefact_id)
            if allowed_kinds is not None and artefact.kind not in allowed_kinds:
                problems.add(f"{source}.artefact_id", f"cannot be allocated by a {type_id}")
            if artefact.contact_id != body.contact_id:
                problems.add(f"{source}.artefact_id", "belongs to another contact")
            if artefact.voided:
                problems.add(f"{source}.artefact_id", "is void")
            if item.amount <= 0:
                problems.add(f"{source}.amount", "must be greater than 0")
            elif item.amount > artefact.outstanding_amount:
                problems.add(
                    f"{source}.amount", f"is more than the outstanding amount ({artefact.outstanding_amount})"
                )
            allocated.append((item.artefact_id, item.amount, item.discount or ZERO))
        on_account = ZERO
        if body.payment_on_account is not None and body.payment_on_account.total_amount is not None:
            on_account = body.payment_on_account.total_amount
            if on_account < 0:
                problems.add("payment_on_account.total_amount", "must not be negative")
        allocated_sum = sum((amount for _, amount, _ in allocated), ZERO)
        if not problems.items and allocated_sum + on_account != body.total_amount:
            problems.add(
                "total_amount",
                f"must equal the allocated amounts plus the payment on account ({allocated_sum + on_account})",
            )
        problems.raise_if_any()
        now = self.now()
        payment = Payment(
            new_id(),
            now,
            now,
            type_id,
            body.contact_id,
            body.bank_account_id,
            body.date,
            body.total_amount,
            reference=body.reference or "",
            payment_method_id=body.payment_method_id or "",
            allocated=allocated,
            on_account=on_account,
        )
        for artefact_id, amount, discount in allocated:
            artefact = business.artefacts_by_id[artefact_id]
            artefact.paid += amount + discount
            artefact.allocations[payment.id] = amount + discount
            artefact.updated_at = now
        business.payments[payment.id] = payment
        business.payments_by_contact.setdefault(payment.contact_id, []).append(payment.id)
        business.contacts[payment.contact_id].transactions += 1
        bank = business.bank_accounts[payment.bank_account_id]
        inflow = type_id in ("CUSTOMER_RECEIPT", "VENDOR_REFUND")
        bank.balance += payment.total_amount if inflow else -payment.total_amount
        return payment

    def update_payment(
        self, business: Business, payment_id: str, body: bodies.ContactPaymentUpdate
    ) -> Payment:
        """A payment changed in place (its allocations, amount, date or bank account), checked by the
        rules a new one meets; refused, it stands as it was."""
        payment = self.payment(business, payment_id)
        given = body.model_dump(exclude_none=True)
        if "date" in given:
            given["date"] = given["date"].isoformat()
        kept = {
            "transaction_type_id": payment.transaction_type_id,
            "contact_id": payment.contact_id,
            "bank_account_id": payment.bank_account_id,
            "date": payment.date.isoformat(),
            "total_amount": payment.total_amount,
            "reference": payment.reference or None,
            "payment_method_id": payment.payment_method_id or None,
            "allocated_artefacts": [
                {"artefact_id": artefact_id, "amount": amount, "discount": discount}
                for artefact_id, amount, discount in payment.allocated
            ],
            "payment_on_account": {"total_amount": payment.on_account} if payment.on_account else None,
        }
        merged = bodies.ContactPaymentCreate.model_validate({**kept, **given})
        self._unpost(business, payment)
        try:
            made = self.create_payment(business, merged)
        except Exception:
            self._repost(business, payment)
            raise
        # the new one's effects stand under the old id
        del business.payments[made.id]
        business.payments_by_contact[made.contact_id].remove(made.id)
        business.contacts[made.contact_id].transactions -= 1
        for artefact_id, _amount, _discount in made.allocated:
            allocations = business.artefacts_by_id[artefact_id].allocations
            allocations[payment.id] = allocations.pop(made.id)
        payment.bank_account_id = made.bank_account_id
        payment.date = made.date
        payment.total_amount = made.total_amount
        payment.reference = made.reference
        payment.payment_method_id = made.payment_method_id
        payment.allocated = made.allocated
        payment.on_account = made.on_account
        payment.updated_at = made.updated_at
        return payment

    def _unpost(self, business: Business, payment: Payment) -> None:
        for artefact_id, _amount, _discount in payment.allocated:
            artefact = business.artefacts_by_id[artefact_id]
            artefact.paid -= artefact.allocations.pop(payment.id, ZERO)
        bank = business.bank_accounts[payment.bank_account_id]
        inflow = payment.transaction_type_id in ("CUSTOMER_RECEIPT", "VENDOR_REFUND")
        bank.balance -= payment.total_amount if inflow else -payment.total_amount

    def _repost(self, business: Business, payment: Payment) -> None:
        for artefact_id, amount, discount in payment.allocated:
            artefact = business.artefacts_by_id[artefact_id]
            artefact.paid += amount + discount
            artefact.allocations[payment.id] = amount + discount
        bank = business.bank_accounts[payment.bank_account_id]
        inflow = payment.transaction_type_id in ("CUSTOMER_RECEIPT", "VENDOR_REFUND")
        bank.balance += payment.total_amount if inflow else -payment.total_amount

    def payment(self, business: Business, payment_id: str) -> Payment:
        payment = business.payments.get(payment_id)
        if payment is None or payment.deleted_at is not None:
            raise not_found("Contact payment")
        return payment

    def delete_payment(self, business: Business, payment_id: str) -> None:
        payment = self.payment(business, payment_id)
        problems = Problems()
        self._check_date(business, payment.date, "date", problems)
        problems.raise_if_any()
        now = self.now()
        for artefact_id, _amount, _discount in payment.allocated:
            artefact = business.artefacts_by_id[artefact_id]
            artefact.paid -= artefact.allocations.pop(payment.id, ZERO)
            artefact.updated_at = now
        payment.deleted_at = now
        business.record_deletion("contact_payments", payment.id, now)
        payment.updated_at = now
        bank = business.bank_accounts[payment.bank_account_id]
        inflow = payment.transaction_type_id in ("CUSTOMER_RECEIPT", "VENDOR_REFUND")
        bank.balance -= payment.total_amount if inflow else -payment.total_amount

    def create_allocation(self, business: Business, body: bodies.ContactAllocationCreate) -> Allocation:
        problems = Problems()
        type_id = body.transaction_type_id
        if type_id not in ("CUSTOMER_ALLOCATION", "VENDOR_ALLOCATION"):
            problems.add("transaction_type_id", "is not a valid transaction type for a contact allocation")
        sales = type_id == "CUSTOMER_ALLOCATION"
        if body.contact_id not in business.contacts:
            problems.add("contact_id", "is not a valid contact")
        date = body.date or self.now().date()
        self._check_date(business, date, "date", problems)
        if len(body.allocated_artefacts) < 2:
            problems.add("allocated_artefacts", "must contain at least two artefacts")
        allocated: list[tuple[str, Decimal]] = []
        for index, item in enumerate(body.allocated_artefacts):
            source = f"allocated_artefacts.{index}"
            if item.artefact_id is None or item.amount is None:
                problems.add(source, "must have an artefact_id and an amount")
                continue
            artefact = business.artefacts_by_id.get(item.artefact_id)
            if artefact is None or artefact.deleted_at is not None:
                problems.add(f"{source}.artefact_id", "is not a valid artefact")
                continue
            if artefact.contact_id != body.contact_id:
                problems.add(f"{source}.artefact_id", "belongs to another contact")
            if artefact.kind.is_sales != sales:
                problems.add(f"{source}.artefact_id", f"cannot be allocated by a {type_id}")
            if artefact.voided:
                problems.add(f"{source}.artefact_id", "is void")
            if item.amount == 0:
                problems.add(f"{source}.amount", "must not be zero")
            elif abs(item.amount) > artefact.outstanding_amount:
                problems.add(
                    f"{source}.amount", f"is more than the outstanding amount ({artefact.outstanding_amount})"
                )
            allocated.append((item.artefact_id, item.amount))
        if sum((amount for _, amount in allocated), ZERO) != 0:
            problems.add("allocated_artefacts", "the allocated amounts must sum to zero")
        problems.raise_if_any()
        now = self.now()
        allocation = Allocation(new_id(), now, now, type_id, body.contact_id, date, allocated)
        for artefact_id, amount in allocated:
            artefact = business.artefacts_by_id[artefact_id]
            artefact.paid += abs(amount)
            artefact.allocations[allocation.id] = abs(amount)
            artefact.updated_at = now
        business.allocations[allocation.id] = allocation
        business.contacts[body.contact_id].transactions += 1
        return allocation

    def delete_allocation(self, business: Business, allocation_id: str) -> None:
        allocation = business.allocations.get(allocation_id)
        if allocation is None:
            raise not_found("Contact allocation")
        now = self.now()
        for artefact_id, _amount in allocation.allocated:
            artefact = business.artefacts_by_id[artefact_id]
            artefact.paid -= artefact.allocations.pop(allocation.id, ZERO)
            artefact.updated_at = now
        del business.allocations[allocation_id]
        business.record_deletion("contact_allocations", allocation_id, now)


def _line_body(line: Line) -> bodies.LineUpdate:
    return bodies.LineUpdate(
        description=line.description,
        ledger_account_id=line.ledger_account_id,
        unit_price=line.unit_price,
        quantity=line.quantity,
        net_amount=line.net_amount,
        tax_rate_id=line.tax_rate_id,
        tax_amount=line.tax_amount,
        total_amount=line.total_amount,
    )


def _plausible_vat_number(value: str) -> bool:
    """A UK or IE VAT number, with or without its country prefix (python-stdnum knows the rules)."""
    from stdnum.exceptions import ValidationError
    from stdnum.gb import vat as gb_vat
    from stdnum.ie import vat as ie_vat

    cleaned = value.replace(" ", "").upper()
    for module in (gb_vat, ie_vat):
        try:
            module.validate(cleaned)
            return True
        except ValidationError:
            continue
    return False
