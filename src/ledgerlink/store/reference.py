"""A company's reference lists: nominal accounts, VAT rates and payment methods, keyed by code."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledgerlink.domain.records import NominalAccount, NominalKind, PaymentMethod, VatRate, VatTreatment
from ledgerlink.domain.validation import ReferenceData
from ledgerlink.store.tables import NominalAccountRow, PaymentMethodRow, VatRateRow

Change = Literal["created", "updated", "unchanged"]
_Row = NominalAccountRow | VatRateRow | PaymentMethodRow


class ReferenceRepository:
    def __init__(self, session: Session, company_id: int) -> None:
        self.session = session
        self.company_id = company_id

    def nominal_accounts(self) -> list[NominalAccount]:
        rows = self._rows(NominalAccountRow)
        return [NominalAccount(code=r.code, name=r.name, kind=NominalKind(r.kind)) for r in rows]

    def vat_rates(self) -> list[VatRate]:
        return [
            VatRate(
                code=r.code,
                name=r.name,
                percent=Decimal(r.percent).normalize(),
                treatment=VatTreatment(r.treatment),
            )
            for r in self._rows(VatRateRow)
        ]

    def payment_methods(self) -> list[PaymentMethod]:
        return [
            PaymentMethod(code=r.code, name=r.name, bank_nominal_code=r.bank_nominal_code)
            for r in self._rows(PaymentMethodRow)
        ]

    def reference_data(self) -> ReferenceData:
        return ReferenceData.of(self.nominal_accounts(), self.vat_rates(), self.payment_methods())

    def put_nominal_accounts(self, accounts: Iterable[NominalAccount]) -> list[Change]:
        """Add or update by code; codes not mentioned are left alone."""
        return self._put(NominalAccountRow, [a.model_dump(mode="python") for a in accounts])

    def put_vat_rates(self, rates: Iterable[VatRate]) -> list[Change]:
        return self._put(VatRateRow, [r.model_dump(mode="python") for r in rates])

    def put_payment_methods(self, methods: Iterable[PaymentMethod]) -> list[Change]:
        return self._put(PaymentMethodRow, [m.model_dump(mode="python") for m in methods])

    def _rows(self, table: type[_Row]) -> list[Any]:
        query = select(table).where(table.company_id == self.company_id).order_by(table.code)
        return list(self.session.scalars(query))

    def _put(self, table: type[_Row], values: list[dict[str, Any]]) -> list[Change]:
        existing = {row.code: row for row in self._rows(table)}
        changes: list[Change] = []
        for value in values:
            value = {k: (v.value if hasattr(v, "value") else v) for k, v in value.items()}
            row = existing.get(value["code"])
            if row is None:
                row = table(company_id=self.company_id, **value)
                self.session.add(row)
                existing[value["code"]] = row
                changes.append("created")
            elif any(_differs(getattr(row, k), v) for k, v in value.items()):
                for k, v in value.items():
                    setattr(row, k, v)
                changes.append("updated")
            else:
                changes.append("unchanged")
        self.session.flush()
        return changes


def _differs(stored: Any, new: Any) -> bool:
    if isinstance(new, Decimal):
        return Decimal(stored) != new
    return bool(stored != new)
