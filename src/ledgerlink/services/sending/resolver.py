"""What a connection knows, as the drafting needs it: links, mappings, the package's lists, parties' ledgers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from ledgerlink.domain.ledger import EffectOrder, Ledger, LedgerItem
from ledgerlink.domain.money import ZERO
from ledgerlink.domain.records import PaymentMethod, Record, RecordKind, party_of
from ledgerlink.errors import NotReadyToSend
from ledgerlink.packages.drafts import OpeningItems
from ledgerlink.packages.holdings import BankAccount, LedgerAccount, TaxRate, TaxUsage
from ledgerlink.services.onboarding.opening_mapping import ACCOUNT, OPENING, VAT, opening_items_way
from ledgerlink.services.onboarding.package_lists import PackageLists
from ledgerlink.store.connections import Connection, LinkRepository, MappingKind
from ledgerlink.store.records import RecordRepository

VAT_MAPPING: dict[TaxUsage, MappingKind] = {"sales": "vat_sales", "purchase": "vat_purchase"}


class ConnectionResolver:
    """Answers drafting's questions from what was loaded for one send; links are fetched in bulk."""

    def __init__(
        self,
        *,
        links: LinkRepository,
        records: RecordRepository,
        mappings: dict[tuple[MappingKind, str], str],
        lists: PackageLists,
        payment_methods: Iterable[PaymentMethod],
        package_label: str,
        ledgers: dict[tuple[RecordKind, str], Ledger] | None = None,
        connection: Connection | None = None,
    ) -> None:
        """`ledgers`: the parties' ledgers already read, shared with the resolver and kept by the caller;
        `connection`: its cut-off date and path, which say whether a document goes as an opening item."""
        self.links = links
        self.records = records
        self.mappings = mappings
        self.lists = lists
        self.payment_methods = {method.code: method for method in payment_methods}
        self.package_label = package_label
        self._links: dict[tuple[RecordKind, str], str] = {}
        self._unlinked: set[tuple[RecordKind, str]] = set()  # looked up, and not in the package
        self._ledgers: dict[tuple[RecordKind, str], Ledger] = {} if ledgers is None else ledgers
        self._parties: dict[tuple[RecordKind, str], tuple[RecordKind, str] | None] = {}
        self._numbers: dict[tuple[RecordKind, str], tuple[str, date | None]] = {}
        # documents dated before the cut-off that a person marked settled outside ledgerlink
        self.settled_outside: set[tuple[RecordKind, str]] = set()
        self.cut_off: date | None = connection.cut_off_date if connection else None
        self.opening_way: OpeningItems | None = opening_items_way(connection) if connection else None
        self._at_cut_off: dict[tuple[RecordKind, str], Ledger] = {}

    # links -----------------------------------------------------------------------------------------

    def prefetch(self, keys: Iterable[tuple[RecordKind, str]]) -> None:
        asked = {key for key in keys if key not in self._links and key not in self._unlinked}
        self.know_links(read_links(self.links, asked), asked)

    def know_links(
        self, links: dict[tuple[RecordKind, str], str], asked: Iterable[tuple[RecordKind, str]]
    ) -> None:
        """Links read already (ahead of the drafting, say) for the records `asked`: those of them
        absent from `links` are not in the package, and are not asked for again."""
        self._links.update(links)
        self._unlinked.update(key for key in asked if key not in links)

    def linked_id(self, kind: RecordKind, source_id: str) -> str | None:
        if (kind, source_id) not in self._links and (kind, source_id) not in self._unlinked:
            self.prefetch([(kind, source_id)])
        return self._links.get((kind, source_id))

    # mappings --------------------------------------------------------------------------------------

    def ledger_account(self, nominal_code: str) -> LedgerAccount:
        package_id = self.mappings.get(("nominal", nominal_code))
        if package_id is None:
            raise NotReadyToSend(
                f"nominal account {nominal_code} is not mapped", field=f"nominal {nominal_code}"
            )
        account = self.lists.ledger_account(package_id)
        if account is None or ("ledger_account", package_id) in self.lists.gone:
            name = f"{account.code} {account.name}".strip() if account else package_id
            raise NotReadyToSend(
                f"nominal account {nominal_code} is mapped to {name}, which is no longer in {self.package_label}",
                field=f"nominal {nominal_code}",
            )
        if not account.active:
            raise NotReadyToSend(
                f"nominal account {nominal_code} is mapped to {account.code} {account.name}, which is inactive in "
                f"{self.package_label}",
                field=f"nominal {nominal_code}",
            )
        return account

    def tax_rate(self, vat_code: str, usage: TaxUsage) -> TaxRate:
        package_id = self.mappings.get((VAT_MAPPING[usage], vat_code))
        if package_id is None:
            raise NotReadyToSend(f"VAT rate {vat_code} is not mapped for {usage}", field=f"vat {vat_code}")
        tax = self.lists.tax_rate(package_id)
        if tax is None or not tax.active:
            raise NotReadyToSend(
                f"VAT rate {vat_code} is mapped to {package_id}, which is no longer usable in {self.package_label}",
                field=f"vat {vat_code}",
            )
        return tax

    def bank_account(self, payment_method: str) -> BankAccount:
        package_id = self.mappings.get(("payment_method", payment_method))
        method = self.payment_methods.get(payment_method)
        if package_id is None and method is not None:
            package_id = self.mappings.get(("nominal", method.bank_nominal_code))
        if package_id is None:
            raise NotReadyToSend(
                f"payment method {payment_method} is not mapped", field=f"method {payment_method}"
            )
        bank = self.lists.bank_account(package_id)
        if bank is None or not bank.active or ("bank_account", package_id) in self.lists.gone:
            raise NotReadyToSend(
                f"payment method {payment_method} is mapped to a bank account no longer usable in {self.package_label}",
                field=f"method {payment_method}",
            )
        return bank

    # opening items --------------------------------------------------------------------------------

    def opening_account(self) -> LedgerAccount:
        package_id = self.mappings.get((OPENING, ACCOUNT))
        if package_id is None:
            raise NotReadyToSend(
                "open items at the cut-off go to an opening-balance account, which is not mapped yet: "
                "map it in the mapping step",
                field="opening account",
            )
        account = self.lists.ledger_account(package_id)
        if account is None or not account.active or ("ledger_account", package_id) in self.lists.gone:
            raise NotReadyToSend(
                f"the opening-balance account is mapped to {account.code + ' ' + account.name if account else package_id}, "
                f"which is no longer usable in {self.package_label}",
                field="opening account",
            )
        return account

    def opening_tax(self, usage: TaxUsage) -> TaxRate:
        package_id = self.mappings.get((OPENING, VAT[usage]))
        tax = self.lists.tax_rate(package_id) if package_id else None
        if tax is None or not tax.active:
            raise NotReadyToSend(
                f"open items at the cut-off go with no VAT, and the package's rate for it on {usage} is "
                f"{'no longer usable' if package_id else 'not mapped yet'}: map it in the mapping step",
                field="opening vat",
            )
        return tax

    def open_at_cut_off(self, kind: RecordKind, source_id: str) -> Decimal:
        """What its party's records dated before the cut-off left open on a document at the cut-off."""
        party = self._party(kind, source_id)
        if party is None or self.cut_off is None:
            return ZERO
        ledger = self._at_cut_off.get(party)
        if ledger is None:
            before = [item for item in self._items(party) if item.date < self.cut_off]
            ledger = self._at_cut_off[party] = _ledger(before)
        return ledger.outstanding(kind, source_id)

    # the jobs side's own ledger -------------------------------------------------------------------

    def prefetch_ledgers(self, records: Iterable[Record]) -> None:
        """The ledgers of every party these records belong to, read in one go rather than one by one.

        Drafting a payment or a credit allocation needs its party's ledger; a chunk of payments spread
        over many customers would otherwise cost two queries a record.
        """
        wanted: set[tuple[RecordKind, str]] = set()
        for record in records:
            party = party_of(record)
            self._parties[(record.kind, record.source_id)] = party
            if party is not None and party not in self._ledgers:
                wanted.add(party)
        if not wanted:
            return
        grouped: dict[tuple[RecordKind, str], list[LedgerItem]] = {party: [] for party in wanted}
        for item in self.records.ledger_items(sorted(wanted)):
            if item.party in grouped:
                grouped[item.party].append(item)
        for party, items in grouped.items():
            self._ledgers[party] = _ledger(items)

    def _party(self, kind: RecordKind, source_id: str) -> tuple[RecordKind, str] | None:
        if (kind, source_id) not in self._parties:
            stored = self.records.find(kind, source_id)
            self._parties[(kind, source_id)] = party_of(stored.record) if stored else None
        return self._parties[(kind, source_id)]

    def party_ledger(self, party: tuple[RecordKind, str]) -> Ledger:
        ledger = self._ledgers.get(party)
        if ledger is None:
            ledger = self._ledgers[party] = _ledger(self._items(party))
        return ledger

    def _items(self, party: tuple[RecordKind, str]) -> list[LedgerItem]:
        """What the party's own documents and payments do to its ledger."""
        return [item for item in self.records.ledger_items([party]) if item.party == party]

    def credit_allocation(self, kind: RecordKind, source_id: str) -> Decimal:
        party = self._party(kind, source_id)
        if party is None:
            return ZERO
        return self.party_ledger(party).credit_used.get((kind, source_id), ZERO)

    def prefetch_numbers(self, keys: Iterable[tuple[RecordKind, str]]) -> None:
        """The numbers and dates of these documents, read in one go: a chunk of credit notes would
        otherwise read the documents they credit one query at a time."""
        wanted = {key for key in keys if key not in self._numbers}
        if not wanted:
            return
        for stored in self.records.load(wanted):
            record = stored.record
            self._numbers[(record.kind, record.source_id)] = (
                str(getattr(record, "number", record.source_id)),
                getattr(record, "date", None),
            )
        for kind, source_id in wanted - self._numbers.keys():  # no longer held: known by its id
            self._numbers[(kind, source_id)] = (source_id, None)

    def document_number(self, kind: RecordKind, source_id: str) -> tuple[str, date | None]:
        """A document's own number and date (its id when the jobs side no longer holds it)."""
        if (kind, source_id) not in self._numbers:
            self.prefetch_numbers([(kind, source_id)])
        return self._numbers[(kind, source_id)]

    def payment_allocations(self, kind: RecordKind, source_id: str) -> tuple[tuple[str, Decimal], ...] | None:
        """What a payment's allocations really close on the jobs side (None: the payment is unknown)."""
        party = self._party(kind, source_id)
        if party is None:
            return None
        return self.party_ledger(party).payment_used.get((kind, source_id), ())


def read_links(
    links: LinkRepository, keys: Iterable[tuple[RecordKind, str]]
) -> dict[tuple[RecordKind, str], str]:
    """The package ids of those of these records that are linked, a query for each kind."""
    by_kind: dict[RecordKind, list[str]] = {}
    for kind, source_id in keys:
        by_kind.setdefault(kind, []).append(source_id)
    found: dict[tuple[RecordKind, str], str] = {}
    for kind, source_ids in by_kind.items():
        for start in range(0, len(source_ids), 900):
            ids = links.package_ids(kind, source_ids[start : start + 900])
            found.update({(kind, source_id): package_id for source_id, package_id in ids.items()})
    return found


def _ledger(items: Iterable[LedgerItem]) -> Ledger:
    """A party's ledger from its documents and payments, each document at the gross kept when it was fed."""
    ledger = Ledger()
    for item in sorted(items, key=_in_effect_order):
        ledger.apply_item(item)
    return ledger


def _in_effect_order(item: LedgerItem) -> EffectOrder:
    return item.order
