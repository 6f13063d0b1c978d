"""A new Tryton database made ready for a UK business, through Tryton's own model methods over JSON-RPC.

Tryton's modules bring no company, chart or taxes; a bookkeeper setting up Tryton creates them in its
screens. This does the same through the same methods: the pound, a company, a UK-style chart (trade
debtors and creditors, banks, VAT control accounts, sales, costs and overheads), VAT at 20%, 5%, zero
and exempt for sales and for purchases, fiscal years with monthly periods and their move and invoice
sequences, and the defaults a new party takes. Tax is rounded per line, as the job system does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from ledgerlink.packages.tryton.client import TrytonRpc
from ledgerlink.packages.tryton.mapping import DIRECT_EXPENSES

# (code, name, kind) where kind is one of ACCOUNT_TYPES' keys
UK_CHART: tuple[tuple[str, str, str], ...] = (
    ("0030", "Office Equipment", "fixed"),
    ("1100", "Trade Debtors", "receivable"),
    ("1200", "Bank Current Account", "bank"),
    ("1210", "Bank Deposit Account", "bank"),
    ("1230", "Petty Cash", "bank"),
    ("2100", "Trade Creditors", "payable"),
    ("2200", "Sales Tax Control Account", "tax"),
    ("2201", "Purchase Tax Control Account", "tax"),
    ("3000", "Capital introduced", "equity"),
    ("3200", "Profit and Loss Account", "equity"),
    ("4000", "Sales Type A", "revenue"),
    ("4001", "Sales Type B", "revenue"),
    ("4002", "Sales Type C", "revenue"),
    ("4900", "Other income", "revenue"),
    ("5000", "Cost of sales - goods", "direct"),
    ("5001", "Cost of sales - materials", "direct"),
    ("5100", "Carriage", "direct"),
    ("6900", "Miscellaneous Expenses", "direct"),
    ("7000", "Gross Wages", "expense"),
    ("7100", "Rent", "expense"),
    ("7200", "Electricity", "expense"),
    ("7300", "Motor Fuel", "expense"),
    ("7400", "Travelling", "expense"),
    ("7500", "Printing", "expense"),
    ("7502", "Telephone", "expense"),
    ("7600", "Legal Fees", "expense"),
    ("7700", "Equipment Hire", "expense"),
    ("7800", "Repairs and Renewals", "expense"),
    ("7900", "Bank charges and interest", "expense"),
    ("9998", "Opening Balances", "equity"),
)
# the journal opening items go to: Tryton's type for opening situations, which its modules do not make
OPENING_JOURNAL = {"name": "Opening balances", "code": "OPEN", "type": "situation"}

# kind -> the account type's name, its statement and its flags
ACCOUNT_TYPES: dict[str, tuple[str, str, dict[str, bool]]] = {
    "fixed": ("Fixed Assets", "balance", {"assets": True}),
    "receivable": ("Receivable", "balance", {"receivable": True, "assets": True}),
    "bank": ("Bank", "balance", {"assets": True}),
    "payable": ("Payable", "balance", {"payable": True}),
    "tax": ("Tax", "balance", {}),
    "equity": ("Equity", "balance", {}),
    "revenue": ("Revenue", "income", {"revenue": True}),
    "direct": (DIRECT_EXPENSES, "income", {"expense": True}),
    "expense": ("Expense", "income", {"expense": True}),
}

# (name, rate, exempt) for each VAT rate a UK business charges and pays
VAT_RATES: tuple[tuple[str, Decimal, bool], ...] = (
    ("Standard 20%", Decimal("0.20"), False),
    ("Reduced 5%", Decimal("0.05"), False),
    ("Zero 0%", Decimal("0"), False),
    ("Exempt", Decimal("0"), True),
)
SALES_TAX_ACCOUNT = "2200"
PURCHASE_TAX_ACCOUNT = "2201"


async def sequence_type(rpc: TrytonRpc, name: str) -> int:
    """A sequence type the modules created ("Account Move", "Invoice"), by its name."""
    rows = await rpc.search_read("ir.sequence.type", [("name", "=", name)], ["id"], limit=1)
    return int(rows[0]["id"])


async def create(rpc: TrytonRpc, model: str, values: list[dict[str, Any]]) -> list[int]:
    return [int(i) for i in await rpc.model(model, "create", values, write=True)]


async def set_up_company(rpc: TrytonRpc, name: str) -> int:
    """The pound, the company, and the admin user working in it."""
    [gbp] = await create(
        rpc,
        "currency.currency",
        [{"name": "Pound Sterling", "code": "GBP", "symbol": "£", "rounding": Decimal("0.01"), "digits": 2}],
    )
    [party] = await create(rpc, "party.party", [{"name": name}])
    [company] = await create(rpc, "company.company", [{"party": party, "currency": gbp}])
    await rpc.model(
        "res.user",
        "write",
        [rpc.user_id],
        {"companies": [["add", [company]]], "company": company},
        write=True,
    )
    await rpc.login()  # the session's context now names the company
    return company


async def set_up_chart(rpc: TrytonRpc, company: int) -> dict[str, int]:
    """The account types and the chart; answers the accounts' ids by code."""
    type_ids: dict[str, int] = {}
    for kind, (name, statement, flags) in ACCOUNT_TYPES.items():
        [type_ids[kind]] = await create(
            rpc, "account.account.type", [{"name": name, "statement": statement, "company": company, **flags}]
        )
    values = [
        {
            "code": code,
            "name": name,
            "type": type_ids[kind],
            "company": company,
            "reconcile": kind in ("receivable", "payable"),
            "party_required": kind in ("receivable", "payable"),
        }
        for code, name, kind in UK_CHART
    ]
    ids = await create(rpc, "account.account", values)
    return {code: account_id for (code, _, _), account_id in zip(UK_CHART, ids, strict=True)}


async def set_up_taxes(rpc: TrytonRpc, company: int, accounts: dict[str, int]) -> None:
    for kind, label, account in (
        ("sale", "sales", accounts[SALES_TAX_ACCOUNT]),
        ("purchase", "purchases", accounts[PURCHASE_TAX_ACCOUNT]),
    ):
        [group] = await create(
            rpc, "account.tax.group", [{"name": f"VAT on {label}", "code": f"VAT-{kind}", "kind": kind}]
        )
        await create(
            rpc,
            "account.tax",
            [
                {
                    "name": f"{name} ({label})",
                    "description": f"VAT {name} on {label}" + (" (exempt)" if exempt else ""),
                    "company": company,
                    "group": group,
                    "type": "percentage",
                    "rate": rate,
                    "invoice_account": account,
                    "credit_note_account": account,
                }
                for name, rate, exempt in VAT_RATES
            ],
        )


async def set_up_years(rpc: TrytonRpc, company: int, years: range) -> None:
    """A fiscal year per calendar year, with monthly periods, a move sequence and invoice sequences."""
    move_type = await sequence_type(rpc, "Account Move")
    invoice_type = await sequence_type(rpc, "Invoice")
    for year in years:
        [move_sequence] = await create(
            rpc,
            "ir.sequence.strict",
            [{"name": f"Moves {year}", "sequence_type": move_type, "company": company, "prefix": f"{year}/"}],
        )
        invoice_sequences = await create(
            rpc,
            "ir.sequence.strict",
            [
                {
                    "name": f"{label} {year}",
                    "sequence_type": invoice_type,
                    "company": company,
                    "prefix": prefix,
                }
                for label, prefix in (
                    ("Customer invoices", f"SI{year}/"),
                    ("Customer credit notes", f"SC{year}/"),
                    ("Supplier invoices", f"PI{year}/"),
                    ("Supplier credit notes", f"PC{year}/"),
                )
            ],
        )
        out_invoice, out_credit, in_invoice, in_credit = invoice_sequences
        [fiscal_year] = await create(
            rpc,
            "account.fiscalyear",
            [
                {
                    "name": str(year),
                    "start_date": dt.date(year, 1, 1),
                    "end_date": dt.date(year, 12, 31),
                    "company": company,
                    "move_sequence": move_sequence,
                    "invoice_sequences": [
                        [
                            "create",
                            [
                                {
                                    "company": company,
                                    "out_invoice_sequence": out_invoice,
                                    "out_credit_note_sequence": out_credit,
                                    "in_invoice_sequence": in_invoice,
                                    "in_credit_note_sequence": in_credit,
                                }
                            ],
                        ]
                    ],
                }
            ],
        )
        await rpc.model("account.fiscalyear", "create_period", [fiscal_year], write=True)


async def set_up_defaults(rpc: TrytonRpc, accounts: dict[str, int]) -> None:
    """What a new party takes (the trade debtors and creditors) and per-line tax rounding."""
    await rpc.model(
        "account.configuration",
        "write",
        [1],
        {
            "default_account_receivable": accounts["1100"],
            "default_account_payable": accounts["2100"],
            "tax_rounding": "line",
        },
        write=True,
    )


async def bootstrap(rpc: TrytonRpc, name: str, years: range) -> int:
    """Everything a fresh database needs before a first invoice; answers the company's id."""
    company = await set_up_company(rpc, name)
    accounts = await set_up_chart(rpc, company)
    await set_up_taxes(rpc, company, accounts)
    await set_up_years(rpc, company, years)
    await set_up_defaults(rpc, accounts)
    await create(rpc, "account.journal", [OPENING_JOURNAL])
    return company


async def rename_company(rpc: TrytonRpc, name: str) -> None:
    """A copy of the template becomes another business: its company's party takes the business's name."""
    rows = await rpc.search_read("company.company", [], ["party"])
    await rpc.model("party.party", "write", [int(row["party"]) for row in rows], {"name": name}, write=True)


def fingerprint() -> str:
    """What the bootstrap makes, in a few letters: a template made by an earlier chart is not reused."""
    made = repr((UK_CHART, ACCOUNT_TYPES, VAT_RATES, OPENING_JOURNAL))
    return hashlib.sha256(made.encode()).hexdigest()[:8]
