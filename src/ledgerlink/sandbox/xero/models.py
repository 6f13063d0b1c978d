"""The Xero sandbox's state and Xero's rules: organisations and everything in them.

Nothing here speaks HTTP. Each write is checked the way Xero checks it and either changes the
organisation or raises `Invalid` with Xero's own messages; the HTTP side turns that into Xero's
per-element or summarised error shapes. Lookups go through indexes so an organisation with tens of
thousands of records answers as quickly as an empty one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal

from ledgerlink.sandbox.xero import bodies
from ledgerlink.sandbox.xero.errors import Invalid
from ledgerlink.sandbox.xero.records import (
    CLASS_OF_TYPE,
    CREDIT_TYPES,
    FLAG_OF_CLASS,
    SALES_TYPES,
    ZERO,
    Account,
    Allocation,
    BatchPayment,
    Connection,
    Contact,
    Document,
    Line,
    OrganisationSettings,
    Overpayment,
    Payment,
    TaxRate,
    new_id,
    pennies,
)
from ledgerlink.sandbox.xero.seed import DEFAULT_TAX_TYPE, UK_ACCOUNTS, UK_TAX_RATES, ChartRow


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def _document_on_payment(payment: Payment, document: Document) -> str:
    if document.type == "ACCREC":
        return "ACCRECPAYMENT"
    if document.type == "ACCPAY":
        return "ACCPAYPAYMENT"
    return "ARCREDITPAYMENT" if document.type == "ACCRECCREDIT" else "APCREDITPAYMENT"


class Organisation:
    """One Xero organisation (tenant) and its rules."""

    def __init__(
        self,
        name: str,
        *,
        clock: Callable[[], dt.datetime],
        organisation_id: str | None = None,
        short_code: str = "",
    ) -> None:
        self.id = organisation_id or new_id()
        self.name = name
        self.short_code = short_code or "!" + self.id[:5]
        self.clock = clock
        self.created = clock()
        self.settings = OrganisationSettings()
        self.accounts: dict[str, Account] = {}
        self.account_by_code: dict[str, str] = {}
        self.tax_rates: dict[str, TaxRate] = {}
        self.contacts: dict[str, Contact] = {}
        self.contact_by_number: dict[str, str] = {}
        self.contact_by_account_number: dict[str, str] = {}
        self.active_contact_by_name: dict[str, str] = {}
        self.documents: dict[str, Document] = {}
        self.sales_numbers: dict[tuple[str, str], str] = {}  # (type, number) -> id, for unique numbers
        self.documents_by_number: dict[str, list[str]] = defaultdict(list)
        self.documents_by_contact: dict[str, list[str]] = defaultdict(list)
        self.payments: dict[str, Payment] = {}
        self.allocations: dict[str, Allocation] = {}
        self.batch_payments: dict[str, BatchPayment] = {}
        self.overpayments: dict[str, Overpayment] = {}
        self.overpayments_by_contact: dict[str, list[str]] = defaultdict(list)
        self._next_number: dict[str, int] = defaultdict(lambda: 1)
        self._authorised_this_month: dict[tuple[int, int], int] = defaultdict(int)

    # --- seeding ---------------------------------------------------------------------------------

    def seed_uk(self, chart: tuple[ChartRow, ...] = UK_ACCOUNTS) -> None:
        for tax_type, name, rate, report, flags in UK_TAX_RATES:
            self.tax_rates[tax_type] = TaxRate(tax_type, name, rate, report, dict(flags))
        for code, name, kind, tax, system, payments in chart:
            self.add_account(
                Account(new_id(), code, name, kind, tax, system_account=system, enable_payments=payments)
            )

    def add_account(self, account: Account) -> Account:
        account.updated = self.clock()
        self.accounts[account.id] = account
        if account.code:
            self.account_by_code[account.code] = account.id
        return account

    def create_account(self, body: bodies.AccountBody) -> Account:
        """A new account, as `PUT /Accounts` makes one: its code and name unique, its tax type one that
        may be used on its class (the type's default when none is sent)."""
        problems: list[str] = []
        code = (body.Code or "").strip()
        name = (body.Name or "").strip()
        if body.AccountID:
            problems.append("An account can not be created with an AccountID.")
        if body.Type is None:
            problems.append("Please select an Account Type.")
        if not name:
            problems.append("Please enter a Name.")
        elif any(_norm(a.name) == _norm(name) for a in self.accounts.values() if a.status != "DELETED"):
            problems.append("Please enter a unique Name.")
        if body.Type != "BANK" and not code:
            problems.append("Please enter a Code.")
        elif len(code) > 10:
            problems.append("Code must not be more than 10 characters long.")
        elif code and code in self.account_by_code:
            problems.append("Please enter a unique Code.")
        kind = body.Type or "EXPENSE"
        tax_type = body.TaxType or DEFAULT_TAX_TYPE.get(kind, "NONE")
        rate = self.tax_rates.get(tax_type)
        flag = FLAG_OF_CLASS[CLASS_OF_TYPE.get(kind, "ASSET")]
        if rate is None or rate.status != "ACTIVE" or not rate.can_apply.get(flag, False):
            problems.append(f"The TaxType code '{tax_type}' cannot be used with account type '{kind}'.")
        if problems:
            raise Invalid(*problems)
        account = Account(
            new_id(),
            code,
            name,
            kind,
            tax_type,
            enable_payments=bool(body.EnablePaymentsToAccount),
            bank_account_number=body.BankAccountNumber or "",
        )
        return self.add_account(account)

    def counts(self) -> dict[str, int]:
        invoices = sum(1 for d in self.documents.values() if not d.is_credit)
        return {
            "accounts": len(self.accounts),
            "tax_rates": len(self.tax_rates),
            "contacts": len(self.contacts),
            "invoices": invoices,
            "credit_notes": len(self.documents) - invoices,
            "payments": len(self.payments),
            "allocations": len(self.allocations),
            "batch_payments": len(self.batch_payments),
            "overpayments": len(self.overpayments),
        }

    # --- contacts --------------------------------------------------------------------------------

    def _claim_contact_keys(self, contact: Contact, name: str, number: str, account_number: str) -> None:
        """Refuse names and numbers another contact holds (names only among ACTIVE contacts)."""
        problems: list[str] = []
        holder = self.active_contact_by_name.get(_norm(name))
        if holder is not None and holder != contact.id:
            problems.append(
                f"The contact name {name} is already assigned to another contact. "
                "The contact name must be unique across all active contacts."
            )
        holder = self.contact_by_number.get(number) if number else None
        if holder is not None and holder != contact.id:
            problems.append(f"The ContactNumber {number} is already assigned to another contact.")
        holder = self.contact_by_account_number.get(account_number) if account_number else None
        if holder is not None and holder != contact.id:
            problems.append("The Account Number already exists. Please enter a different Account Number.")
        if len(number) > 50:
            problems.append("The ContactNumber must not be more than 50 characters long.")
        if len(name) > 255:
            problems.append("The contact name must not be more than 255 characters long.")
        if problems:
            raise Invalid(*problems)

    def _index_contact(self, contact: Contact, *, previous: Contact | None = None) -> None:
        if previous is not None:
            if self.active_contact_by_name.get(_norm(previous.name)) == contact.id:
                del self.active_contact_by_name[_norm(previous.name)]
            if previous.number and self.contact_by_number.get(previous.number) == contact.id:
                del self.contact_by_number[previous.number]
            if previous.account_number:
                self.contact_by_account_number.pop(previous.account_number, None)
        if contact.status == "ACTIVE":
            self.active_contact_by_name[_norm(contact.name)] = contact.id
        if contact.number:
            self.contact_by_number[contact.number] = contact.id
        if contact.account_number:
            self.contact_by_account_number[contact.account_number] = contact.id

    def save_contact(self, body: bodies.ContactBody, *, create_only: bool) -> tuple[Contact, bool]:
        """Create or (POST only) update a contact; returns it and whether it was created."""
        existing: Contact | None = None
        if body.ContactID:
            existing = self.contacts.get(body.ContactID)
            if existing is None:
                raise Invalid(f"Contact with ContactID {body.ContactID} could not be found.")
        elif body.ContactNumber and not create_only:
            found = self.contact_by_number.get(body.ContactNumber)
            existing = self.contacts[found] if found else None
        if existing is not None and create_only and self.settings.put_with_existing_id == "refuse":
            raise Invalid("A contact with this ContactID already exists. Use POST to update it.")
        if existing is None:
            name = (body.Name or "").strip()
            if not name:
                raise Invalid("The contact name must be specified.")
            contact = Contact(id=new_id(), name=name, updated=self.clock())
            self._apply_contact(contact, body, name)
            self._index_contact(contact)
            self.contacts[contact.id] = contact
            return contact, True
        previous = Contact(**{**existing.__dict__})
        name = (body.Name or existing.name).strip()
        self._apply_contact(existing, body, name)
        self._index_contact(existing, previous=previous)
        existing.updated = self.clock()
        return existing, False

    def _apply_contact(self, contact: Contact, body: bodies.ContactBody, name: str) -> None:
        status = body.ContactStatus or contact.status
        number = contact.number if body.ContactNumber is None else body.ContactNumber.strip()
        account_number = contact.account_number if body.AccountNumber is None else body.AccountNumber.strip()
        if status == "ACTIVE":
            self._claim_contact_keys(contact, name, number, account_number)
        else:
            self._claim_contact_keys(contact, "\x00" + contact.id, number, account_number)
        contact.name, contact.status, contact.number, contact.account_number = (
            name,
            status,
            number,
            account_number,
        )
        if body.FirstName is not None:
            contact.first_name = body.FirstName
        if body.LastName is not None:
            contact.last_name = body.LastName
        if body.EmailAddress is not None:
            contact.email = body.EmailAddress
        if body.TaxNumber is not None:
            contact.tax_number = body.TaxNumber
        if body.Addresses is not None:
            contact.addresses = [a.model_dump(exclude_none=True) for a in body.Addresses]
        if body.Phones is not None:
            contact.phones = [p.model_dump(exclude_none=True) for p in body.Phones]

    def contact_for_document(self, body: bodies.ContactBody | None) -> Contact:
        """The contact a document names: by ContactID, ContactNumber or Name (a new Name creates one)."""
        if body is None:
            raise Invalid("A Contact must be specified for this type of transaction")
        contact: Contact | None = None
        if body.ContactID:
            contact = self.contacts.get(body.ContactID)
            if contact is None:
                raise Invalid("The contact could not be found; check the ContactID.")
            if body.Name and body.Name.strip() != contact.name:  # ContactID with a new Name renames
                self.save_contact(bodies.ContactBody(ContactID=contact.id, Name=body.Name), create_only=False)
        elif body.ContactNumber:
            found = self.contact_by_number.get(body.ContactNumber)
            contact = self.contacts.get(found) if found else None
            if contact is None and not body.Name:
                raise Invalid(f"The ContactNumber {body.ContactNumber} could not be found.")
        if contact is None and body.Name:
            found = self.active_contact_by_name.get(_norm(body.Name))
            contact = self.contacts[found] if found else self.save_contact(body, create_only=True)[0]
        if contact is None:
            raise Invalid("A Contact must be specified for this type of transaction")
        if contact.status != "ACTIVE":
            raise Invalid(f"The contact {contact.name} is archived and cannot be used on new transactions.")
        return contact

    def balances(self, contact_id: str) -> tuple[Decimal, Decimal]:
        """(receivable outstanding, payable outstanding) from the contact's authorised documents."""
        receivable = payable = ZERO
        for document_id in self.documents_by_contact.get(contact_id, ()):
            document = self.documents[document_id]
            if document.status != "AUTHORISED":
                continue
            due = document.amount_due
            if document.type == "ACCREC":
                receivable += due
            elif document.type == "ACCRECCREDIT":
                receivable -= due
            elif document.type == "ACCPAY":
                payable += due
            else:
                payable -= due
        for overpayment_id in self.overpayments_by_contact.get(contact_id, ()):
            overpayment = self.overpayments[overpayment_id]
            if overpayment.type == "RECEIVE-OVERPAYMENT":
                receivable -= overpayment.remaining
            else:
                payable -= overpayment.remaining
        return receivable, payable

    # --- accounts and tax ------------------------------------------------------------------------

    def account_by(self, *, code: str | None = None, account_id: str | None = None) -> Account | None:
        if account_id:
            return self.accounts.get(account_id)
        if code:
            found = self.account_by_code.get(code)
            return self.accounts.get(found) if found else None
        return None

    def _line_account(self, line: bodies.LineItemBody) -> Account:
        account = self.account_by(code=line.AccountCode, account_id=line.AccountID)
        shown = line.AccountCode or line.AccountID or ""
        if account is None or account.status != "ACTIVE":
            raise Invalid(f"Account code '{shown}' is not a valid code for this document.")
        if account.system_account or account.type == "BANK":
            raise Invalid(f"Account code '{shown}' is a system or bank account and cannot be used on a line.")
        return account

    def _line_tax(self, line: bodies.LineItemBody, account: Account) -> TaxRate:
        tax_type = line.TaxType or account.tax_type or "NONE"
        rate = self.tax_rates.get(tax_type)
        if rate is None or rate.status != "ACTIVE":
            raise Invalid(
                f"The TaxType code '{tax_type}' does not exist or cannot be used for this type of transaction."
            )
        if not rate.can_apply.get(FLAG_OF_CLASS[account.account_class], False):
            raise Invalid(f"The TaxType code '{tax_type}' cannot be used with account code '{account.code}'.")
        return rate

    # --- documents -------------------------------------------------------------------------------

    def _number_for(self, kind: str, wanted: str | None, current: Document | None) -> str:
        number = (wanted or "").strip()
        if kind in SALES_TYPES:
            if not number:
                if current is not None and current.number:
                    return current.number
                prefix = "INV-" if kind == "ACCREC" else "CN-"
                while True:
                    candidate = f"{prefix}{self._next_number[kind]:04d}"
                    self._next_number[kind] += 1
                    if (kind, candidate) not in self.sales_numbers:
                        return candidate
            holder = self.sales_numbers.get((kind, number))
            if holder is not None and (current is None or holder != current.id):
                if kind == "ACCREC":
                    raise Invalid("Invoice # must be unique.")
                raise Invalid("Credit Note Number must be unique.")
        if len(number) > 255:
            raise Invalid("The document number must not be more than 255 characters long.")
        return number

    def _lines(
        self, kind: str, items: list[bodies.LineItemBody], amount_types: str, unit_places: int = 2
    ) -> list[Line]:
        lines: list[Line] = []
        problems: list[str] = []
        for item in items:
            try:
                lines.append(self._line(kind, item, amount_types, unit_places))
            except Invalid as error:
                problems.extend(error.messages)
        if problems:
            raise Invalid(*dict.fromkeys(problems))
        return lines

    def _line(self, kind: str, item: bodies.LineItemBody, amount_types: str, unit_places: int) -> Line:
        """One line as Xero keeps it: the unit amount to 2 decimals (4 when the request asked for
        `unitdp=4`), the line amount quantity x that unit amount to the penny, and a line amount sent
        that disagrees refused rather than replaced."""
        if not (item.Description or "").strip():
            raise Invalid("Description must be at least 1 character long.")
        if (item.DiscountRate is not None or item.DiscountAmount is not None) and kind != "ACCREC":
            raise Invalid("Discounts are only supported on sales invoices.")
        account = self._line_account(item)
        rate = self._line_tax(item, account)
        quantity = item.Quantity if item.Quantity is not None else Decimal(1)
        places = Decimal(1).scaleb(-unit_places)
        if item.UnitAmount is None and item.LineAmount is not None:
            unit = item.LineAmount / quantity if quantity else item.LineAmount
            unit = unit.quantize(places, rounding=ROUND_HALF_UP)
            amount = pennies(item.LineAmount)
        else:
            unit = (item.UnitAmount if item.UnitAmount is not None else ZERO).quantize(
                places, rounding=ROUND_HALF_UP
            )
            amount = pennies(quantity * unit)
            if item.DiscountRate is not None:
                amount = pennies(amount * (Decimal(100) - item.DiscountRate) / Decimal(100))
            elif item.DiscountAmount is not None:
                amount = pennies(amount - item.DiscountAmount)
            if item.LineAmount is not None and pennies(item.LineAmount) != amount:
                raise Invalid(
                    f"The line total {pennies(item.LineAmount)} does not match the expected line total {amount}."
                )
        if amount_types == "NoTax":
            tax = ZERO
        elif item.TaxAmount is not None:
            tax = pennies(item.TaxAmount)  # Xero honours an explicit override
        elif amount_types == "Inclusive":
            tax = pennies(amount - amount / (1 + rate.rate / 100))
        else:
            tax = pennies(amount * rate.rate / 100)
        return Line(
            id=item.LineItemID or new_id(),
            description=item.Description or "",
            quantity=quantity,
            unit_amount=unit,
            account_code=account.code,
            tax_type=rate.tax_type,
            tax_amount=tax,
            line_amount=amount,
            discount_rate=item.DiscountRate,
        )

    def _check_lock(self, date: dt.date) -> None:
        for lock in (self.settings.period_lock_date, self.settings.end_of_year_lock_date):
            if lock is not None and date <= lock:
                raise Invalid(f"The document date cannot be before the period lock date of {lock:%d %B %Y}.")

    def save_document(
        self,
        body: bodies.InvoiceBody | bodies.CreditNoteBody,
        *,
        create_only: bool,
        credit: bool,
        unit_places: int = 2,
    ) -> tuple[Document, bool]:
        """Create or (POST) update an invoice or credit note; returns it and whether it was created."""
        wanted_id = body.CreditNoteID if isinstance(body, bodies.CreditNoteBody) else body.InvoiceID
        existing = self.documents.get(wanted_id) if wanted_id else None
        if wanted_id and existing is None:
            raise Invalid(f"{'Credit note' if credit else 'Invoice'} {wanted_id} could not be found.")
        if existing is not None and create_only and self.settings.put_with_existing_id == "refuse":
            raise Invalid("This document already exists. Use POST to update it.")
        if existing is not None:
            return self._update_document(existing, body, unit_places), False
        kind = body.Type
        allowed = CREDIT_TYPES if credit else frozenset({"ACCREC", "ACCPAY"})
        if kind is None:
            raise Invalid("The document Type must be specified.")
        if kind not in allowed:
            raise Invalid(f"The Type {kind} is not valid for this endpoint.")
        contact = self.contact_for_document(body.Contact)
        date = body.Date or self.clock().date()
        self._check_lock(date)
        status = body.Status or "DRAFT"
        if status not in ("DRAFT", "SUBMITTED", "AUTHORISED"):
            raise Invalid(f"A new document cannot have a Status of {status}.")
        amount_types = body.LineAmountTypes or "Exclusive"
        lines = self._lines(kind, body.LineItems or [], amount_types, unit_places)
        if status == "AUTHORISED" and not lines:
            raise Invalid("A document must have at least one line item to be approved.")
        wanted_number = (
            body.CreditNoteNumber if isinstance(body, bodies.CreditNoteBody) else body.InvoiceNumber
        )
        number = self._number_for(kind, wanted_number, None)
        if status == "AUTHORISED" and self._over_plan_cap(date):
            status = "DRAFT"
        document = Document(
            id=new_id(),
            type=kind,
            contact_id=contact.id,
            number=number,
            date=date,
            status=status,
            line_amount_types=amount_types,
            lines=lines,
            updated=self.clock(),
            due_date=body.DueDate,
            reference=body.Reference or "",
            url=getattr(body, "Url", None) or "",
            currency=body.CurrencyCode or "GBP",
        )
        self._total(document)
        self.documents[document.id] = document
        if number:
            self.documents_by_number[number].append(document.id)
            if kind in SALES_TYPES:
                self.sales_numbers[(kind, number)] = document.id
        self.documents_by_contact[contact.id].append(document.id)
        if kind in SALES_TYPES:
            contact.is_customer = True
        else:
            contact.is_supplier = True
        if status == "AUTHORISED":
            self._authorised_this_month[(date.year, date.month)] += 1
        return document, True

    def _over_plan_cap(self, date: dt.date) -> bool:
        cap = self.settings.authorised_documents_per_month
        return cap is not None and self._authorised_this_month[(date.year, date.month)] >= cap

    @staticmethod
    def _total(document: Document) -> None:
        subtotal = sum((line.line_amount for line in document.lines), ZERO)
        tax = sum((line.tax_amount for line in document.lines), ZERO)
        if document.line_amount_types == "Inclusive":
            document.subtotal, document.total = subtotal - tax, subtotal
        else:
            document.subtotal, document.total = subtotal, subtotal + tax
        document.total_tax = tax

    def _update_document(
        self, document: Document, body: bodies.InvoiceBody | bodies.CreditNoteBody, unit_places: int = 2
    ) -> Document:
        status = body.Status
        settled = bool(document.payment_ids or document.allocation_ids)
        if status in ("DELETED", "VOIDED"):
            if status == "DELETED" and document.status not in ("DRAFT", "SUBMITTED"):
                raise Invalid("Only DRAFT or SUBMITTED documents can be deleted; void it instead.")
            if status == "VOIDED" and document.status != "AUTHORISED":
                raise Invalid("Only AUTHORISED documents can be voided.")
            if settled:
                raise Invalid("This document cannot be voided because it has payments or credit allocated.")
            document.status = status
            document.updated = self.clock()
            return document
        if document.status in ("VOIDED", "DELETED", "PAID"):
            raise Invalid(f"This document cannot be edited as it is {document.status}.")
        if settled and (body.LineItems is not None or body.Contact is not None):
            raise Invalid(
                "This document cannot be edited as it has a payment or credit note allocated to it."
            )
        if body.Contact is not None:
            document.contact_id = self.contact_for_document(body.Contact).id
        if body.Date is not None:
            self._check_lock(body.Date)
            document.date = body.Date
        if body.DueDate is not None:
            document.due_date = body.DueDate
        if body.Reference is not None:
            document.reference = body.Reference
        if body.LineAmountTypes is not None:
            document.line_amount_types = body.LineAmountTypes
        if body.LineItems is not None:
            document.lines = self._lines(
                document.type, body.LineItems, document.line_amount_types, unit_places
            )
            self._total(document)
        wanted_number = (
            body.CreditNoteNumber if isinstance(body, bodies.CreditNoteBody) else body.InvoiceNumber
        )
        if wanted_number is not None and wanted_number != document.number:
            number = self._number_for(document.type, wanted_number, document)
            if document.type in SALES_TYPES:
                self.sales_numbers.pop((document.type, document.number), None)
                self.sales_numbers[(document.type, number)] = document.id
            self.documents_by_number[number].append(document.id)
            document.number = number
        if status is not None and status != document.status:
            if status == "PAID":
                raise Invalid("A document becomes PAID only through payments.")
            if document.status == "AUTHORISED":
                raise Invalid("An AUTHORISED document cannot go back to DRAFT or SUBMITTED.")
            if status == "AUTHORISED" and not document.lines:
                raise Invalid("A document must have at least one line item to be approved.")
            document.status = status
        if document.total < document.amount_paid + document.amount_credited:
            raise Invalid("The document total cannot be less than the amount already paid or credited.")
        document.updated = self.clock()
        return document

    def _settle(self, document: Document, date: dt.date) -> None:
        document.updated = self.clock()
        if document.amount_due == ZERO and document.status == "AUTHORISED":
            document.status = "PAID"
            document.fully_paid_on = date
        elif document.amount_due > ZERO and document.status == "PAID":
            document.status = "AUTHORISED"
            document.fully_paid_on = None

    def find_document(self, ref: bodies.DocumentRef | None, number: str | None, *, credit: bool) -> Document:
        document: Document | None = None
        wanted_id = (ref.CreditNoteID if credit else ref.InvoiceID) if ref is not None else None
        wanted_number = number or ((ref.CreditNoteNumber if credit else ref.InvoiceNumber) if ref else None)
        if wanted_id:
            document = self.documents.get(wanted_id)
        elif wanted_number:
            candidates = [self.documents[i] for i in self.documents_by_number.get(wanted_number, ())]
            candidates = [
                d for d in candidates if d.is_credit == credit and d.status not in ("DELETED", "VOIDED")
            ]
            document = candidates[0] if len(candidates) == 1 else None
        if document is None or document.is_credit != credit:
            what = "credit note" if credit else "invoice"
            raise Invalid(
                f"The {what} could not be found; give its {'CreditNoteID' if credit else 'InvoiceID'}."
            )
        return document

    # --- payments and allocations ----------------------------------------------------------------

    def _payment_account(self, ref: bodies.AccountRef | None, code: str | None) -> Account:
        account = self.account_by(
            code=(ref.Code if ref else None) or code, account_id=ref.AccountID if ref else None
        )
        if account is None or account.status != "ACTIVE":
            raise Invalid("Account could not be found")
        if account.type != "BANK" and not account.enable_payments:
            raise Invalid(
                f"Account {account.code or account.id} is not a bank account and does not allow payments."
            )
        return account

    def add_payment(self, body: bodies.PaymentBody, *, batch_payment_id: str = "") -> Payment:
        if body.PaymentID and body.PaymentID in self.payments:
            raise Invalid("This payment already exists. Use POST /Payments/{PaymentID} to change it.")
        credit = body.CreditNote is not None or bool(body.CreditNoteNumber)
        document = self.find_document(
            body.CreditNote if credit else body.Invoice,
            body.CreditNoteNumber if credit else body.InvoiceNumber,
            credit=credit,
        )
        account = self._payment_account(body.Account, body.Code)
        if body.Amount is None:
            raise Invalid("Payment amount must be specified.")
        amount = pennies(body.Amount)
        if amount <= ZERO:
            raise Invalid("Payment amount must be greater than zero.")
        if document.status != "AUTHORISED":
            raise Invalid("Payment can only be made against Authorised documents.")
        if amount > document.amount_due:
            raise Invalid(
                f"Payment amount exceeds the amount outstanding on this document ({document.amount_due})."
            )
        date = body.Date or self.clock().date()
        self._check_lock(date)
        payment = Payment(
            id=new_id(),
            document_id=document.id,
            account_id=account.id,
            date=date,
            amount=amount,
            payment_type="",
            updated=self.clock(),
            reference=body.Reference or "",
            is_reconciled=bool(body.IsReconciled),
            batch_payment_id=batch_payment_id,
        )
        payment.payment_type = _document_on_payment(payment, document)
        self.payments[payment.id] = payment
        document.payment_ids.append(payment.id)
        document.amount_paid += amount
        self._settle(document, date)
        return payment

    def delete_payment(self, payment_id: str) -> Payment:
        payment = self.payments.get(payment_id)
        if payment is None:
            raise KeyError(payment_id)
        if payment.status == "DELETED":
            raise Invalid("This payment has already been deleted.")
        document = self.documents[payment.document_id]
        payment.status = "DELETED"
        payment.updated = self.clock()
        document.amount_paid -= payment.amount
        document.payment_ids.remove(payment.id)
        self._settle(document, payment.date)
        return payment

    def add_overpayment(self, body: bodies.BankTransactionBody) -> Overpayment:
        """An overpayment bank transaction: money on account that later settles documents."""
        if body.BankTransactionID:
            raise Invalid("This bank transaction already exists; bank transactions cannot be changed here.")
        if body.Type not in ("RECEIVE-OVERPAYMENT", "SPEND-OVERPAYMENT"):
            raise Invalid(
                f"The sandbox records only overpayment bank transactions, not {body.Type or 'untyped'} ones."
            )
        contact = self.contact_for_document(body.Contact)
        account = self._payment_account(body.BankAccount, None)
        if account.type != "BANK":
            raise Invalid("The BankAccount of a bank transaction must be a bank account.")
        if body.LineAmountTypes not in (None, "NoTax"):
            raise Invalid("Overpayments cannot carry tax: use LineAmountTypes NoTax.")
        total = ZERO
        for line in body.LineItems or []:
            if not (line.Description or "").strip():
                raise Invalid("Description must be at least 1 character long.")
            if line.LineAmount is not None:
                total += pennies(line.LineAmount)
            else:
                total += pennies((line.Quantity or Decimal(1)) * (line.UnitAmount or ZERO))
        if total <= ZERO:
            raise Invalid("An overpayment must be for more than zero.")
        date = body.Date or self.clock().date()
        self._check_lock(date)
        overpayment = Overpayment(
            id=new_id(),
            bank_transaction_id=new_id(),
            type=body.Type,
            contact_id=contact.id,
            account_id=account.id,
            date=date,
            total=total,
            updated=self.clock(),
            reference=body.Reference or "",
        )
        self.overpayments[overpayment.id] = overpayment
        self.overpayments_by_contact[contact.id].append(overpayment.id)
        return overpayment

    def add_batch_payment(self, body: bodies.BatchPaymentBody) -> BatchPayment:
        account = self._payment_account(body.Account, None)
        batch_id = new_id()
        date = body.Date or self.clock().date()
        payments: list[Payment] = []
        try:
            for item in body.Payments:
                item_body = item.model_copy(
                    update={"Account": bodies.AccountRef(AccountID=account.id), "Date": date}
                )
                payments.append(self.add_payment(item_body, batch_payment_id=batch_id))
        except Invalid:
            for payment in payments:  # a batch payment is all or nothing
                self.delete_payment(payment.id)
                del self.payments[payment.id]
            raise
        batch = BatchPayment(
            batch_id, account.id, date, body.Reference or "", [p.id for p in payments], self.clock()
        )
        self.batch_payments[batch_id] = batch
        return batch

    def allocate_credit(self, credit_note_id: str, body: bodies.AllocationBody) -> Allocation:
        credit = self.documents.get(credit_note_id)
        if credit is None or not credit.is_credit:
            raise KeyError(credit_note_id)
        invoice = self.find_document(body.Invoice, None, credit=False)
        if body.Amount is None or body.Date is None:
            raise Invalid("Amount, Invoice and Date are required on an allocation.")
        amount = pennies(body.Amount)
        if amount <= ZERO:
            raise Invalid("Allocation amount must be greater than zero.")
        if credit.status != "AUTHORISED" or invoice.status != "AUTHORISED":
            raise Invalid("Allocations can only be made between AUTHORISED documents.")
        if (credit.type == "ACCRECCREDIT") != (invoice.type == "ACCREC"):
            raise Invalid(
                "A sales credit note can only be allocated to a sales invoice, and a bill credit to a bill."
            )
        if credit.contact_id != invoice.contact_id:
            raise Invalid("The credit note and the invoice must belong to the same contact.")
        if amount > credit.amount_due:
            raise Invalid("The amount allocated exceeds the credit note's remaining credit.")
        if amount > invoice.amount_due:
            raise Invalid("The amount allocated exceeds the amount due on the invoice.")
        allocation = Allocation(new_id(), credit.id, invoice.id, amount, body.Date)
        self.allocations[allocation.id] = allocation
        credit.allocation_ids.append(allocation.id)
        invoice.allocation_ids.append(allocation.id)
        credit.amount_credited += amount
        invoice.amount_credited += amount
        self._settle(credit, body.Date)
        self._settle(invoice, body.Date)
        return allocation

    def delete_allocation(self, credit_note_id: str, allocation_id: str) -> Allocation:
        allocation = self.allocations.get(allocation_id)
        if allocation is None or allocation.credit_note_id != credit_note_id:
            raise KeyError(allocation_id)
        del self.allocations[allocation_id]
        for document_id in (allocation.credit_note_id, allocation.invoice_id):
            document = self.documents[document_id]
            document.allocation_ids.remove(allocation_id)
            document.amount_credited -= allocation.amount
            self._settle(document, allocation.date)
        return allocation

    # --- reading ---------------------------------------------------------------------------------

    def documents_of(self, *, credit: bool) -> Iterator[Document]:
        return (d for d in self.documents.values() if d.is_credit == credit)

    def documents_numbered(self, numbers: Iterable[str], *, credit: bool) -> Iterator[Document]:
        for number in numbers:
            for document_id in self.documents_by_number.get(number, ()):
                document = self.documents[document_id]
                if document.is_credit == credit:
                    yield document


class XeroState:
    """Every organisation in the sandbox, and which app and user connected to which."""

    def __init__(self, *, clock: Callable[[], dt.datetime]) -> None:
        self.clock = clock
        self.organisations: dict[str, Organisation] = {}
        # (client id, user) -> tenant id -> connection; a deleted connection is gone until the next consent
        self.connections: dict[tuple[str, str], dict[str, Connection]] = defaultdict(dict)
        self.disconnected_at: dict[tuple[str, str, str], float] = {}

    def reset(self) -> None:
        self.organisations.clear()
        self.connections.clear()
        self.disconnected_at.clear()

    def seed(
        self,
        name: str = "Demo Company (UK)",
        *,
        organisation_id: str | None = None,
        chart: tuple[ChartRow, ...] = UK_ACCOUNTS,
    ) -> Organisation:
        organisation = Organisation(name, clock=self.clock, organisation_id=organisation_id)
        organisation.seed_uk(chart)
        self.organisations[organisation.id] = organisation
        return organisation
