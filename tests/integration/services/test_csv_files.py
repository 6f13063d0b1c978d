"""CSV files as people save them: any encoding a spreadsheet writes, any cell, and never a row lost unnamed.

A file that cannot be read as text is refused whole, naming the line and what to do; everything else is
read row by row, and a bad cell (too long, a number no ledger could hold, a quote never closed) costs
only its own row, named by line and column.
"""

from __future__ import annotations

import codecs
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest

from ledgerlink.api import CompanyBooks, Ledgerlink
from ledgerlink.domain.records import (
    Customer,
    NominalAccount,
    NominalKind,
    PaymentMethod,
    RecordKind,
    standard_vat_rates,
)
from ledgerlink.store import Store

CUSTOMERS = (
    "source_id,last_name,town,phone\nC1,Smith,Leeds,0113 496 0000\nC2,Café Nero,Leeds,\nC3,Jones,York,\n"
)


@pytest.fixture
def company(sqlite_store: Store) -> CompanyBooks:
    company = Ledgerlink(sqlite_store).company("Acme Heating")
    company.set_nominal_accounts([NominalAccount(code="4000", name="Sales", kind=NominalKind.SALES)])
    company.set_vat_rates(standard_vat_rates())
    company.set_payment_methods([PaymentMethod(code="card", name="Card", bank_nominal_code="1200")])
    return company


def _file(tmp_path: Path, data: bytes, name: str = "customers.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _names(company: CompanyBooks) -> dict[str, str]:
    return {c.source_id: c.last_name for c in company.records(RecordKind.CUSTOMER) if isinstance(c, Customer)}


# --- encodings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + CUSTOMERS.encode("utf-8"),
        codecs.BOM_UTF16_LE + CUSTOMERS.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + CUSTOMERS.encode("utf-16-be"),
        CUSTOMERS.replace("\n", "\r\n").encode("utf-8"),
        CUSTOMERS.replace("\n", "\r").encode("utf-8"),
    ],
    ids=["utf-8 with BOM", "utf-16 LE with BOM", "utf-16 BE with BOM", "CRLF lines", "CR lines"],
)
def test_a_file_with_a_byte_order_mark_or_any_line_ending_is_read_without_being_told(
    company: CompanyBooks, tmp_path: Path, data: bytes
) -> None:
    report = company.import_csv("customers", _file(tmp_path, data))

    assert (report.created, report.problems) == (3, ())
    assert _names(company)["C2"] == "Café Nero"


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_a_file_not_in_utf8_is_refused_naming_the_line_and_the_byte_and_read_when_its_encoding_is_given(
    company: CompanyBooks, tmp_path: Path, encoding: str
) -> None:
    path = _file(tmp_path, CUSTOMERS.encode(encoding))

    refused = company.import_csv("customers", path)
    read = company.import_csv("customers", path, encoding=encoding)

    assert refused.refused
    assert (refused.rows, refused.created) == (0, 0)
    assert [str(problem) for problem in refused.errors] == [
        "line 3: not UTF-8 (byte 0xe9); save the file as UTF-8, or pass --encoding cp1252"
    ]
    assert (read.created, read.problems) == (3, ())
    assert _names(company)["C2"] == "Café Nero"


def test_a_utf16_file_without_a_byte_order_mark_is_refused_naming_its_encoding(
    company: CompanyBooks, tmp_path: Path
) -> None:
    path = _file(tmp_path, CUSTOMERS.encode("utf-16-le"))

    refused = company.import_csv("customers", path)
    read = company.import_csv("customers", path, encoding="utf-16-le")

    assert refused.refused
    assert "line 1: holds NUL bytes, as UTF-16 does" in str(refused.errors[0])
    assert "--encoding utf-16-le" in str(refused.errors[0])
    assert read.created == 3


def test_an_encoding_nobody_has_heard_of_is_refused_by_name(company: CompanyBooks, tmp_path: Path) -> None:
    report = company.import_csv("customers", _file(tmp_path, b"source_id,last_name\n"), encoding="klingon")

    assert report.refused
    assert "'klingon' is not an encoding" in str(report.errors[0])


# --- one bad cell costs one row ----------------------------------------------------------------------


def test_a_cell_longer_than_the_csv_limit_rejects_its_row_alone(
    company: CompanyBooks, tmp_path: Path
) -> None:
    long_town = "x" * 200_000
    text = f'source_id,last_name,town\nC1,Smith,{long_town}\nC2,Jones,"{long_town}"\nC3,Brown,York\n'

    report = company.import_csv("customers", _file(tmp_path, text.encode()))

    assert (report.created, report.rejected) == (1, 2)
    assert [str(problem) for problem in report.errors] == [
        "line 2, town (C1): 200,000 characters long; a cell holds at most 131,072",
        "line 3, town (C2): 200,000 characters long; a cell holds at most 131,072",
    ]
    assert set(_names(company)) == {"C3"}


def test_a_quote_never_closed_is_named_where_it_opens_and_the_rows_after_it_are_still_read(
    company: CompanyBooks, tmp_path: Path
) -> None:
    text = 'source_id,last_name,town\nC1,Smith,Leeds\nC2,"Jones,York\nC3,Brown,Hull\nC4,Green,Bath\n'

    report = company.import_csv("customers", _file(tmp_path, text.encode()))

    assert (report.created, report.rejected) == (3, 1)
    assert [str(problem) for problem in report.errors] == [
        "line 3, last_name (C2): a quote opens this cell and is never closed; "
        "the lines after it are read as rows of their own"
    ]
    assert set(_names(company)) == {"C1", "C3", "C4"}


def test_a_row_spanning_lines_is_named_by_the_line_it_starts_on(
    company: CompanyBooks, tmp_path: Path
) -> None:
    text = 'source_id,last_name,town,email\nC1,Smith,"Leeds\nWest Yorkshire",not-an-email\nC2,Jones,York,\n'

    report = company.import_csv("customers", _file(tmp_path, text.encode()))

    assert report.created == 2
    assert [(problem.line, problem.field) for problem in report.warnings] == [(2, "email")]
    assert report.warnings[0].source_id == "C1"


def test_one_bad_line_of_a_document_keeps_the_whole_document_out(
    company: CompanyBooks, tmp_path: Path
) -> None:
    company.feed([Customer(source_id="C1", last_name="Smith")])
    description = "y" * 140_000
    text = (
        "source_id,number,date,customer_id,description,unit_price,vat_rate,nominal_code\n"
        "I1,1,2025-02-01,C1,Boiler service,80.00,S,4000\n"
        f"I1,1,2025-02-01,C1,{description},10.00,S,4000\n"
        "I2,2,2025-02-01,C1,Valve,10.00,S,4000\n"
    )

    report = company.import_csv("invoices", _file(tmp_path, text.encode(), "invoices.csv"))

    assert (report.created, report.rejected) == (1, 1)
    assert [(problem.line, problem.field, problem.source_id) for problem in report.errors] == [
        (3, "description", "I1")
    ]
    assert [invoice.source_id for invoice in company.records(RecordKind.INVOICE)] == ["I2"]


@pytest.mark.parametrize("amount", ["1e400", "1E+999999999", "-1e30", "1000000000000"])
def test_a_number_no_ledger_could_hold_is_a_row_error_naming_line_and_field(
    company: CompanyBooks, amount: str
) -> None:
    company.feed([Customer(source_id="C1", last_name="Smith")])
    invoices = company.import_csv(
        "invoices",
        StringIO(
            "source_id,number,date,customer_id,description,quantity,unit_price,vat_rate,nominal_code\n"
            f"I1,1,2025-02-01,C1,Boiler,1,{amount},S,4000\n"
            f"I2,2,2025-02-01,C1,Boiler,{amount},1.00,S,4000\n"
            "I3,3,2025-02-01,C1,Valve,1,10.00,S,4000\n"
        ),
    )
    payments = company.import_csv(
        "customer-payments",
        StringIO(
            "source_id,date,customer_id,amount,method,allocations\n"
            f"P1,2025-02-05,C1,{amount},card,\n"
            f"P2,2025-02-05,C1,10.00,card,I3:{amount}\n"
            "P3,2025-02-05,C1,5.00,card,I3:5.00\n"
        ),
    )

    assert (invoices.created, invoices.rejected) == (1, 2)
    assert [(p.line, p.field) for p in invoices.errors] == [(2, "unit_price"), (3, "quantity")]
    assert "more than a ledger holds" in invoices.errors[0].message
    assert (payments.created, payments.rejected) == (1, 2)
    assert [(p.line, p.field) for p in payments.errors] == [(2, "amount"), (3, "allocations")]


# --- cells a spreadsheet was kept from running -------------------------------------------------------


def test_cells_escaped_against_formulas_are_read_back_as_written_and_negative_amounts_stay_numbers(
    company: CompanyBooks,
) -> None:
    customers = company.import_csv(
        "customers",
        StringIO(
            "source_id,last_name,address_line1,town,phone\n"
            "'-C1,Smith,'-5 Main St,Leeds,'+44 20 7946 0000\n"
            "C2,'=Jones,\"'@home, 5 High St\",York,\n"
        ),
    )
    invoices = company.import_csv(
        "invoices",
        StringIO(
            "source_id,number,date,customer_id,description,quantity,unit_price,vat_rate,nominal_code\n"
            "I1,1,2025-02-01,-C1,Boiler service,1,100.00,S,4000\n"
            "I1,1,2025-02-01,-C1,'-10% loyalty discount,1,-10.00,S,4000\n"
        ),
    )

    assert (customers.created, customers.errors) == (2, ())
    smith = company.record(RecordKind.CUSTOMER, "-C1").record
    assert isinstance(smith, Customer)
    assert (smith.address.line1, smith.phone) == ("-5 Main St", "+44 20 7946 0000")
    jones = company.record(RecordKind.CUSTOMER, "C2").record
    assert isinstance(jones, Customer)
    assert (jones.last_name, jones.address.line1) == ("=Jones", "@home, 5 High St")
    assert (invoices.created, invoices.errors) == (1, ())
    stored = company.record(RecordKind.INVOICE, "I1")
    assert stored.gross == Decimal("108.00")
    assert stored.record.lines[1].description == "-10% loyalty discount"  # type: ignore[attr-defined]
