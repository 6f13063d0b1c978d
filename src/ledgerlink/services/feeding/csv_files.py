"""Records and reference lists from CSV files, one file per kind, in the columns docs/csv.md describes.

A document with several lines is several rows sharing a `source_id` (its header columns repeated on
each); a payment's allocations are one column, `INV-1:40.00;INV-2:10.00`. A bad row is reported with
its line number and column, and every good row is still imported (a document with one bad line is left
out whole); importing the same file twice changes nothing the second time. The file is read as
`services.spreadsheets` reads every CSV file: in the encoding its bytes show or the caller names, with
cells escaped against formulas read back as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, TextIO

from pydantic import BaseModel, ValidationError

from ledgerlink.domain.money import parse_money
from ledgerlink.domain.records import (
    RECORD_TYPES,
    NominalAccount,
    PaymentMethod,
    Record,
    RecordKind,
    VatRate,
)
from ledgerlink.errors import ConfigurationError, UnreadableFile
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.spreadsheets import read_sheet
from ledgerlink.store import Store, UnitOfWork

Severity = Literal["error", "warning"]

_ADDRESS = ("address_line1", "address_line2", "address_line3", "town", "county", "postcode", "country")
_PARTY_COLUMNS: dict[RecordKind, tuple[str, ...]] = {
    RecordKind.CUSTOMER: (
        "source_id", "customer_type", "title", "first_name", "last_name", "company_name", *_ADDRESS,
        "email", "phone", "mobile", "account_reference", "vat_number",
    ),
    RecordKind.SUPPLIER: (
        "source_id", "name", *_ADDRESS, "email", "phone", "account_reference", "default_expense_nominal",
    ),
}  # fmt: skip
_LINE_COLUMNS = ("description", "quantity", "unit_price", "vat_rate", "nominal_code")
_STATED = ("stated_net", "stated_vat", "stated_gross")
_DOCUMENT_COLUMNS: dict[RecordKind, tuple[str, ...]] = {
    RecordKind.INVOICE: ("source_id", "number", "date", "customer_id", "due_date"),
    RecordKind.CREDIT_NOTE: ("source_id", "number", "date", "customer_id", "invoice_id"),
    RecordKind.SUPPLIER_INVOICE: ("source_id", "number", "date", "supplier_id", "due_date"),
    RecordKind.SUPPLIER_CREDIT_NOTE: ("source_id", "number", "date", "supplier_id", "supplier_invoice_id"),
}
_PAYMENT_COLUMNS: dict[RecordKind, tuple[str, ...]] = {
    RecordKind.CUSTOMER_PAYMENT: (
        "source_id", "date", "customer_id", "amount", "method", "reference", "is_refund", "allocations",
    ),
    RecordKind.SUPPLIER_PAYMENT: (
        "source_id", "date", "supplier_id", "amount", "method", "reference", "is_refund", "allocations",
    ),
}  # fmt: skip
_REFERENCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "nominal_accounts": ("code", "name", "kind"),
    "vat_rates": ("code", "name", "percent", "treatment"),
    "payment_methods": ("code", "name", "bank_nominal_code"),
}
_OPTIONAL = {
    "title",
    "due_date",
    "invoice_id",
    "supplier_invoice_id",
    "reference",
    "is_refund",
    "allocations",
}
_OPTIONAL |= set(_ADDRESS) | set(_STATED) | {"email", "phone", "mobile", "account_reference", "vat_number"}
_OPTIONAL |= {
    "customer_type",
    "first_name",
    "last_name",
    "company_name",
    "default_expense_nominal",
    "quantity",
}
_MONEY = {"quantity", "unit_price", "amount", "percent", *_STATED}

CSV_KINDS: dict[str, RecordKind | str] = {
    **{f"{kind.value}s": kind for kind in RecordKind},
    **{name: name for name in _REFERENCE_COLUMNS},
}


def columns_of(kind_name: str) -> tuple[str, ...]:
    """Every column a file of this kind may have, in the documented order."""
    kind = CSV_KINDS[kind_name]
    if not isinstance(kind, RecordKind):
        return _REFERENCE_COLUMNS[kind]
    if kind in _PARTY_COLUMNS:
        return _PARTY_COLUMNS[kind]
    if kind in _DOCUMENT_COLUMNS:
        return (*_DOCUMENT_COLUMNS[kind], *_LINE_COLUMNS, *_STATED)
    return _PAYMENT_COLUMNS[kind]


def required_columns(kind_name: str) -> tuple[str, ...]:
    return tuple(column for column in columns_of(kind_name) if column not in _OPTIONAL)


def csv_kind(name: str) -> str:
    """The file kind for a name a person typed: `invoices`, `credit-notes`, `invoice` all work."""
    cleaned = name.strip().lower().replace("-", "_").replace(" ", "_")
    for candidate in (cleaned, f"{cleaned}s"):
        if candidate in CSV_KINDS:
            return candidate
    known = ", ".join(sorted(name.replace("_", "-") for name in CSV_KINDS))
    raise ConfigurationError(f"{name!r} is not a kind of CSV file ledgerlink reads; use one of: {known}")


@dataclass(frozen=True)
class CsvProblem:
    """One problem in a file, where a person would look for it: the line and the column."""

    line: int
    field: str
    message: str
    source_id: str = ""
    severity: Severity = "error"

    def __str__(self) -> str:
        where = (f"line {self.line}" if self.line else "the file") + (f", {self.field}" if self.field else "")
        record = f" ({self.source_id})" if self.source_id else ""
        return f"{where}{record}: {self.message}"


@dataclass(frozen=True)
class CsvReport:
    """What became of a file's rows; `refused` when the file as a whole could not be taken (its
    encoding, a required column missing), in which case nothing in it was imported."""

    kind: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: tuple[CsvProblem, ...] = ()
    refused: bool = False

    @property
    def errors(self) -> tuple[CsvProblem, ...]:
        return tuple(problem for problem in self.problems if problem.severity == "error")

    @property
    def warnings(self) -> tuple[CsvProblem, ...]:
        return tuple(problem for problem in self.problems if problem.severity == "warning")


@dataclass(frozen=True)
class _Row:
    """One row by column name, the line it starts on, and what spoilt it in reading, if anything."""

    line: int
    values: dict[str, str]
    problem: CsvProblem | None = None


@dataclass
class _Group:
    """The rows of one record (a document has one per line), with their line numbers."""

    source_id: str
    lines: list[int] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    problems: list[CsvProblem] = field(default_factory=list)


def import_csv_file(
    store: Store, company_id: int, kind_name: str, source: Path | TextIO, *, encoding: str | None = None
) -> CsvReport:
    """Read one file of `kind_name` into the company, in one transaction."""
    with store.unit_of_work() as uow:
        report = import_csv(uow, company_id, kind_name, source, encoding=encoding)
        uow.commit()
    return report


def import_csv(
    uow: UnitOfWork, company_id: int, kind_name: str, source: Path | TextIO, *, encoding: str | None = None
) -> CsvReport:
    """Read one file (a path, or an open text file) of `kind_name` into the company (the caller commits).

    `encoding` names the encoding of a file that is neither UTF-8 nor marked with a byte-order mark.
    """
    kind_name = csv_kind(kind_name)
    try:
        header, rows = _read(source, encoding)
    except UnreadableFile as error:
        return CsvReport(kind_name, 0, problems=(CsvProblem(error.line, "", error.reason),), refused=True)
    missing = [column for column in required_columns(kind_name) if column not in header]
    if missing:
        problem = CsvProblem(1, ", ".join(missing), "required column missing; see docs/csv.md")
        return CsvReport(kind_name, len(rows), rejected=len(rows), problems=(problem,), refused=True)
    kind = CSV_KINDS[kind_name]
    if not isinstance(kind, RecordKind):
        return _import_reference(uow, company_id, kind, rows)
    return _import_records(uow, company_id, kind_name, kind, rows)


def _read(source: Path | TextIO, encoding: str | None) -> tuple[list[str], list[_Row]]:
    sheet = read_sheet(source, encoding=encoding)
    header = [_column_name(name) for name in sheet.header]
    rows: list[_Row] = []
    for row in sheet.rows:
        values = {name: value.strip() for name, value in row.by_column(header).items()}
        problem = None
        if row.problem is not None:
            column = _column_name(row.problem.column)
            key = values.get("source_id") or values.get("code", "")
            problem = CsvProblem(row.problem.line, column, row.problem.message, key)
        rows.append(_Row(row.line, values, problem))
    return header, rows


def _column_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


# --- records -----------------------------------------------------------------------------------------


def _import_records(
    uow: UnitOfWork, company_id: int, kind_name: str, kind: RecordKind, rows: list[_Row]
) -> CsvReport:
    problems: list[CsvProblem] = []
    groups: dict[str, _Group] = {}
    rejected = 0
    for row in rows:
        source_id = row.values.get("source_id", "")
        if not source_id:
            problems.append(row.problem or CsvProblem(row.line, "source_id", "every row needs a source_id"))
            rejected += 1
            continue
        group = groups.setdefault(source_id, _Group(source_id))
        group.lines.append(row.line)
        group.rows.append(row.values)
        if row.problem is not None:
            group.problems.append(row.problem)

    record_type = _record_type(kind)
    parsed: list[Record] = []
    where: dict[str, _Group] = {}
    for group in groups.values():
        if group.problems:  # one line of a document spoilt in reading: the document stays out whole
            problems.extend(group.problems)
            rejected += 1
            continue
        try:
            values = _record_values(kind, group)
            record = record_type.model_validate(values)
        except _RowError as error:
            problems.append(CsvProblem(error.line, error.column, error.message, group.source_id))
            rejected += 1
            continue
        except ValidationError as error:
            problems.extend(_validation_problems(error, group))
            rejected += 1
            continue
        parsed.append(record)
        where[group.source_id] = group

    report = ingest(uow, company_id, parsed)
    for outcome in report.outcomes:
        group = where[outcome.source_id]
        for finding in outcome.findings:
            line, column = _locate(finding.field, group)
            problems.append(CsvProblem(line, column, finding.message, group.source_id, finding.severity))
    problems.sort(key=lambda problem: (problem.line, problem.field))
    counts = report.counts
    return CsvReport(
        kind=kind_name,
        rows=len(rows),
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        rejected=rejected + counts["rejected"],
        problems=tuple(problems),
    )


class _RowError(Exception):
    def __init__(self, line: int, column: str, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


def _record_type(kind: RecordKind) -> type[Record]:
    return RECORD_TYPES[kind]


def _record_values(kind: RecordKind, group: _Group) -> dict[str, Any]:
    first, line = group.rows[0], group.lines[0]
    if kind in _PARTY_COLUMNS:
        _one_row(group)
        values: dict[str, Any] = {
            column: first[column] for column in _PARTY_COLUMNS[kind] if first.get(column)
        }
        address = {
            column.removeprefix("address_"): values.pop(column) for column in _ADDRESS if column in values
        }
        if address:
            values["address"] = address
        return values
    if kind in _DOCUMENT_COLUMNS:
        header = _DOCUMENT_COLUMNS[kind]
        for other_line, row in zip(group.lines[1:], group.rows[1:], strict=True):
            for column in (*header, *_STATED):
                if row.get(column, "") and row.get(column, "") != first.get(column, ""):
                    raise _RowError(
                        other_line,
                        column,
                        f"differs from line {line} for the same source_id ({first.get(column)!r})",
                    )
        values = {column: _cell(first, column, line) for column in header if first.get(column)}
        values["lines"] = [
            {column: _cell(row, column, row_line) for column in _LINE_COLUMNS if row.get(column)}
            for row_line, row in zip(group.lines, group.rows, strict=True)
        ]
        if any(first.get(column) for column in _STATED):
            values["stated_totals"] = {
                column.removeprefix("stated_"): _cell(first, column, line) for column in _STATED
            }
        return values
    _one_row(group)
    payment: dict[str, Any] = {
        column: _cell(first, column, line) for column in _PAYMENT_COLUMNS[kind] if first.get(column)
    }
    if "allocations" in payment:
        payment["allocations"] = _allocations(first["allocations"], line)
    if "is_refund" in payment:
        payment["is_refund"] = _flag(first["is_refund"], line)
    return payment


def _one_row(group: _Group) -> None:
    if len(group.rows) > 1:
        raise _RowError(group.lines[1], "source_id", f"appears again (first on line {group.lines[0]})")


def _cell(row: dict[str, str], column: str, line: int) -> Any:
    text = row.get(column, "")
    if column in _MONEY:
        if not text and column in _STATED:
            raise _RowError(line, column, "give all three stated totals, or none")
        try:
            return parse_money(text)
        except ValueError as error:
            raise _RowError(line, column, str(error)) from error
    if column in ("date", "due_date"):
        return _date(text, line, column)
    return text


def _date(text: str, line: int, column: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise _RowError(line, column, f"{text!r} is not a date (write 2025-03-31 or 31/03/2025)")


def _flag(text: str, line: int) -> bool:
    lowered = text.lower()
    if lowered in ("yes", "y", "true", "1"):
        return True
    if lowered in ("no", "n", "false", "0", ""):
        return False
    raise _RowError(line, "is_refund", f"{text!r} is not yes or no")


def _allocations(text: str, line: int) -> list[dict[str, Any]]:
    allocations = []
    for part in filter(None, (piece.strip() for piece in text.split(";"))):
        document_id, separator, amount = part.rpartition(":")
        if not separator or not document_id.strip():
            raise _RowError(line, "allocations", f"{part!r} should read DOCUMENT:AMOUNT, e.g. INV-1:40.00")
        try:
            allocations.append({"document_id": document_id.strip(), "amount": parse_money(amount)})
        except ValueError as error:
            raise _RowError(line, "allocations", str(error)) from error
    return allocations


def _validation_problems(error: ValidationError, group: _Group) -> list[CsvProblem]:
    problems = []
    for item in error.errors():
        location = [str(part) for part in item["loc"]]
        line, column = group.lines[0], location[-1] if location else ""
        if location[:1] == ["lines"] and len(location) >= 2 and location[1].isdigit():
            index = int(location[1])
            line = group.lines[index] if index < len(group.lines) else line
            column = location[2] if len(location) > 2 else "lines"
        elif location[:1] == ["address"] and len(location) > 1:
            column = (
                location[1]
                if location[1] in ("town", "county", "postcode", "country")
                else f"address_{location[1]}"
            )
        elif location[:1] in (["allocations"], ["stated_totals"]):
            column = location[0] if location[0] == "allocations" else f"stated_{location[-1]}"
        problems.append(CsvProblem(line, column, item["msg"].removeprefix("Value error, "), group.source_id))
    return problems


def _locate(finding_field: str, group: _Group) -> tuple[int, str]:
    """The line and column a domain finding ("line 2 quantity", "address.postcode") points at."""
    match = re.fullmatch(r"line (\d+) (\w+)", finding_field)
    if match:
        index = int(match.group(1)) - 1
        line = group.lines[index] if 0 <= index < len(group.lines) else group.lines[0]
        return line, match.group(2)
    if finding_field.startswith("allocation"):
        return group.lines[0], "allocations"
    if finding_field.startswith("address."):
        return group.lines[0], finding_field.removeprefix("address.")
    if finding_field == "totals":
        return group.lines[0], "stated_gross"
    return group.lines[0], finding_field


# --- reference lists ---------------------------------------------------------------------------------

_REFERENCE_TYPES: dict[str, type[BaseModel]] = {
    "nominal_accounts": NominalAccount,
    "vat_rates": VatRate,
    "payment_methods": PaymentMethod,
}


def _import_reference(uow: UnitOfWork, company_id: int, name: str, rows: list[_Row]) -> CsvReport:
    model = _REFERENCE_TYPES[name]
    problems: list[CsvProblem] = []
    good: dict[str, BaseModel] = {}
    for each in rows:
        line, row = each.line, each.values
        if each.problem is not None:
            problems.append(each.problem)
            continue
        values: dict[str, Any] = {k: v for k, v in row.items() if k in _REFERENCE_COLUMNS[name] and v}
        try:
            if "percent" in values:
                values["percent"] = _cell(row, "percent", line)
            if "kind" in values:
                values["kind"] = values["kind"].lower()
            if "treatment" in values:
                values["treatment"] = values["treatment"].lower().replace(" ", "_").replace("-", "_")
            item = model.model_validate(values)
        except _RowError as error:
            problems.append(CsvProblem(error.line, error.column, error.message, row.get("code", "")))
            continue
        except ValidationError as error:
            for detail in error.errors():
                column = str(detail["loc"][0]) if detail["loc"] else ""
                problems.append(CsvProblem(line, column, detail["msg"], row.get("code", "")))
            continue
        good[str(row.get("code", ""))] = item
    repository = uow.reference(company_id)
    items: list[Any] = list(good.values())
    if name == "nominal_accounts":
        changes = repository.put_nominal_accounts(items)
    elif name == "vat_rates":
        changes = repository.put_vat_rates(items)
    else:
        changes = repository.put_payment_methods(items)
    return CsvReport(
        kind=name,
        rows=len(rows),
        created=changes.count("created"),
        updated=changes.count("updated"),
        unchanged=changes.count("unchanged"),
        rejected=len(rows) - len(good),
        problems=tuple(problems),
    )
