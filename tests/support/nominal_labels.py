"""The labelled nominal lists (`tests/data/nominal_mapping_labels.json`) and how suggestions fare on them.

Each row is one account of a trades business's own chart, with every code a bookkeeper would accept in
each package's default chart. The charts are read from each sandbox as the connector reads them, so the
rules are measured on what a user would see.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ledgerlink.domain.records import NominalAccount, NominalKind
from ledgerlink.packages.holdings import BankAccount, LedgerAccount
from ledgerlink.packages.sage import mapping as sage_mapping
from ledgerlink.packages.xero import mapping as xero_mapping
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit import in_process_transport
from ledgerlink.services.onboarding.suggestions import (
    Band,
    Suggestion,
    suggest_bank_account,
    suggest_ledger_account,
)

LABELS = Path(__file__).parents[1] / "data" / "nominal_mapping_labels.json"


@dataclass(frozen=True)
class Row:
    business: str
    nominal: NominalAccount
    acceptable: dict[str, tuple[str, ...]]


def labelled_rows() -> list[Row]:
    document = json.loads(LABELS.read_text(encoding="utf-8"))
    return [
        Row(
            business["business"],
            NominalAccount(code=item["code"], name=item["name"], kind=NominalKind(item["kind"])),
            {"sage": tuple(item["sage"]), "xero": tuple(item["xero"])},
        )
        for business in document["businesses"]
        for item in business["accounts"]
    ]


async def default_chart(package: str) -> tuple[list[LedgerAccount], list[BankAccount]]:
    """A new business's chart and bank accounts in `package`'s sandbox, read as its connector reads them."""
    app = sandbox_app(package, limits=False)
    async with httpx.AsyncClient(
        transport=in_process_transport(app), base_url="http://sandbox.test"
    ) as client:
        business = (await client.post("/_sandbox/seed", json={"name": "Labelled chart"})).json()["id"]
        token = (await client.post("/_sandbox/token", json={"business_id": business})).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        if package == "sage":
            params = {"attributes": "all", "items_per_page": "200"}
            accounts = (await client.get("/v3.1/ledger_accounts", params=params, headers=headers)).json()
            banks = (await client.get("/v3.1/bank_accounts", params=params, headers=headers)).json()
            return (
                [sage_mapping.ledger_account_from_sage(item) for item in accounts["$items"]],
                [sage_mapping.bank_account_from_sage(item) for item in banks["$items"]],
            )
        headers["xero-tenant-id"] = business
        items: list[dict[str, Any]] = (await client.get("/api.xro/2.0/Accounts", headers=headers)).json()[
            "Accounts"
        ]
        return (
            [xero_mapping.ledger_account(item) for item in items],
            [xero_mapping.bank_account(item) for item in items if xero_mapping.is_payment_account(item)],
        )


def suggestion_for(
    nominal: NominalAccount, accounts: Sequence[LedgerAccount], banks: Sequence[BankAccount]
) -> Suggestion | None:
    if nominal.kind is NominalKind.BANK:
        return suggest_bank_account(nominal, banks)
    return suggest_ledger_account(nominal, accounts)


@dataclass
class Score:
    """How one package's suggestions fare on the labelled rows."""

    rows: int = 0
    answerable: int = 0  # rows with at least one acceptable account in the chart
    taken: int = 0  # sure suggestions: what "Accept all" takes
    wrong: list[str] = field(default_factory=list)  # taken, but not an acceptable account
    check: int = 0
    check_right: int = 0
    none: int = 0
    left: list[str] = field(default_factory=list)  # to check or with none, each with what was offered

    @property
    def coverage(self) -> float:
        """Sure suggestions as a share of the rows a bookkeeper could map in the default chart."""
        right = self.taken - len(self.wrong)
        return right / self.answerable if self.answerable else 0.0


def score(
    package: str, rows: Sequence[Row], accounts: Sequence[LedgerAccount], banks: Sequence[BankAccount]
) -> Score:
    codes = {account.id: account.code for account in accounts} | {bank.id: bank.code for bank in banks}
    result = Score()
    for row in rows:
        acceptable = row.acceptable[package]
        result.rows += 1
        result.answerable += bool(acceptable)
        suggestion = suggestion_for(row.nominal, accounts, banks)
        band = suggestion.band if suggestion else Band.NONE
        code = codes.get(suggestion.package_id, "") if suggestion else ""
        if band is Band.SURE:
            result.taken += 1
            if code not in acceptable:
                result.wrong.append(
                    f"{row.business}: {row.nominal.code} {row.nominal.name} -> {suggestion.package_label if suggestion else ''}"
                )
        elif band is Band.CHECK:
            result.check += 1
            result.check_right += code in acceptable
        else:
            result.none += 1
        if band is not Band.SURE:
            offered = f"{suggestion.package_label} to check" if suggestion else "nothing offered"
            result.left.append(
                f"{row.business}: {row.nominal.code} {row.nominal.name} -> {offered} "
                f"(acceptable: {', '.join(sorted(acceptable)) or 'none in the chart'})"
            )
    return result
