"""CSV files a person opens in a spreadsheet: written so no cell ever runs, read back as they were written.

Writing: a spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a
formula (CSV injection), and ids, names and addresses from the job system or a package can start that
way. Such a text cell is written with a single quote in front, which a spreadsheet shows as text (the
OWASP rule); so is a cell that starts with quotes before one of those, so reading can always undo it.
Columns of numbers ledgerlink writes itself (a score) are left alone: `-0.5` must stay a number.

Reading undoes the quote, so `-5 Main St` or `+44 20 7946 0000` come back as they were, whichever way
the file went: through ledgerlink's own export, or a job system that escapes the same way. A negative
amount (`-3.10`) has no quote and is read as it is.

Reading is also where files people save go wrong, and none of it may lose a row unnamed:

- the bytes are UTF-8 (with or without a byte-order mark), UTF-16 or UTF-32 with one, or the encoding
  the caller names; anything else is refused as a whole (`UnreadableFile`), naming the line, the byte
  and what to do;
- a cell longer than the csv module's limit is a problem of its row, with its line and column;
- a quote opened and never closed would make the rest of the file one cell: it is named where it opens,
  and the lines after it are read as rows of their own;
- each row carries the line it starts on (the header is line 1), also when a quoted cell spans lines.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import threading
from collections.abc import Collection, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ledgerlink.errors import UnreadableFile

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP's list)."""

MAX_CELL = 131_072
"""The csv module's own limit on a cell; no column ledgerlink reads needs a fraction of it."""

_BOMS = (  # the UTF-32 marks first: UTF-32 LE's begins with UTF-16 LE's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


# --- one cell ----------------------------------------------------------------------------------------


def escape_cell(text: str) -> str:
    """The cell as written to a file: a quote in front when a spreadsheet would run it (or when reading
    back would otherwise take a quote of its own away)."""
    if text.startswith(FORMULA_STARTS) or (
        text.startswith("'") and text.lstrip("'").startswith(FORMULA_STARTS)
    ):
        return "'" + text
    return text


def unescape_cell(text: str) -> str:
    """The cell as it was before `escape_cell`; text that was never escaped comes back unchanged."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_STARTS):
        return text[1:]
    return text


# --- writing -----------------------------------------------------------------------------------------


class SheetWriter:
    """A csv writer for a file a person may open in a spreadsheet: text cells escaped, numbers left alone."""

    def __init__(
        self,
        target: TextIO,
        columns: Sequence[str],
        *,
        numbers: Collection[str] = (),
        lineterminator: str = "\r\n",
    ) -> None:
        self._writer = csv.writer(target, lineterminator=lineterminator)
        self._columns = tuple(columns)
        self._numeric = tuple(column in numbers for column in self._columns)
        self._writer.writerow(self._columns)

    def row(self, values: Sequence[object]) -> None:
        cells = [
            str(value) if numeric else escape_cell(str(value))
            for value, numeric in zip(values, self._numeric, strict=True)
        ]
        self._writer.writerow(cells)

    def mapping(self, values: dict[str, str]) -> None:
        self.row([values.get(column, "") for column in self._columns])


# --- reading -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellProblem:
    """Why a row cannot be trusted: where (its line, the column as the header names it) and what is wrong."""

    line: int
    column: str
    message: str


@dataclass(frozen=True)
class SheetRow:
    """One row: the line it starts on, its cells (unescaped), and the problem that spoils it, if any."""

    line: int
    cells: tuple[str, ...]
    problem: CellProblem | None = None

    def by_column(self, header: Sequence[str]) -> dict[str, str]:
        """The cells under their column names; cells beyond the header and unnamed columns are left out."""
        return {name: value for name, value in zip(header, self.cells, strict=False) if name}


@dataclass(frozen=True)
class Sheet:
    header: tuple[str, ...]
    rows: tuple[SheetRow, ...] = field(default=())


def read_sheet(
    source: Path | TextIO | bytes | str, *, encoding: str | None = None, skip_initial_space: bool = False
) -> Sheet:
    """Every row of a CSV file (a path, bytes, an open text file or its text), blank rows left out.

    `skip_initial_space` reads `a, "b, c"` as two cells, for files written with a space after each comma.
    Raises `UnreadableFile` when the bytes are not text in the encoding found or named.
    """
    if isinstance(source, Path):
        source = source.read_bytes()
    text = decode(source, encoding) if isinstance(source, bytes) else source
    if not isinstance(text, str):
        text = text.read()
    text = text.removeprefix("\ufeff")  # a byte-order mark left by a file opened as plain UTF-8
    _no_nul(text, encoding)
    lines = list(io.StringIO(text, newline=""))  # split on \n, \r and \r\n, each kept with its line
    _allow_cells_up_to(len(text) + 1)
    records = list(_records(lines, skip_initial_space))
    if not records:
        return Sheet(())
    header = tuple(cell.strip() for cell in records[0].cells)
    rows = [_checked(row, header) for row in records[1:] if row.problem or any(c.strip() for c in row.cells)]
    return Sheet(header, tuple(rows))


def decode(data: bytes, encoding: str | None = None) -> str:
    """The text of a file: in `encoding` when given, else by its byte-order mark, else UTF-8."""
    if encoding is None:
        encoding = next((name for mark, name in _BOMS if data.startswith(mark)), None)
        if encoding is None:
            _no_nul(data.decode("utf-8", errors="replace"), None)
            return _utf8(data)
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise UnreadableFile(
            f"{encoding!r} is not an encoding Python knows; try utf-8, cp1252, latin-1 or utf-16"
        ) from None
    if codec.name == "utf-8" and data.startswith(codecs.BOM_UTF8):
        codec = codecs.lookup("utf-8-sig")
    try:
        return data.decode(codec.name)
    except UnicodeDecodeError as error:
        line = _line_of(data, error.start, codec.name)
        raise UnreadableFile(
            f"not {encoding} (byte 0x{data[error.start]:02x}); check the file's encoding", line=line
        ) from None


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = _line_of(data, error.start, "utf-8")
        guess = "cp1252" if _decodes(data, "cp1252") else "latin-1"
        raise UnreadableFile(
            f"not UTF-8 (byte 0x{data[error.start]:02x}); save the file as UTF-8, or pass --encoding {guess}",
            line=line,
        ) from None


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _line_of(data: bytes, offset: int, encoding: str) -> int:
    before = data[:offset].decode(encoding, errors="replace")
    return len(_LINE_BREAK.findall(before)) + 1


def _no_nul(text: str, encoding: str | None) -> None:
    """NUL characters never belong in a CSV file; they are what UTF-16 looks like read as UTF-8."""
    where = text.find("\x00")
    if where < 0:
        return
    line = len(_LINE_BREAK.findall(text[:where])) + 1
    if encoding is None:
        # ASCII in UTF-16 LE is each letter then a NUL; in UTF-16 BE a NUL then each letter
        guess = "utf-16-be" if text.startswith("\x00") else "utf-16-le"
        raise UnreadableFile(
            f"holds NUL bytes, as UTF-16 does; save the file as UTF-8, or pass --encoding {guess}", line=line
        )
    raise UnreadableFile("holds a NUL character, which no CSV cell may hold", line=line)


_limit_lock = threading.Lock()


def _allow_cells_up_to(length: int) -> None:
    """Lift the csv module's cell limit as far as this file's length, never lowering it.

    The limit is the module's, shared by the process; past it the reader raises mid-row and loses the
    rows a long quoted cell spans. Cells are measured against `MAX_CELL` here instead, row by row.
    """
    with _limit_lock:
        if csv.field_size_limit() < length:
            csv.field_size_limit(length)


class _Lines:
    """The file's lines, handed to the csv reader one at a time, counting how many it has taken."""

    def __init__(self, lines: list[str], start: int) -> None:
        self.lines = lines
        self.taken = start

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.taken >= len(self.lines):
            raise StopIteration
        self.taken += 1
        return self.lines[self.taken - 1]


def _records(lines: list[str], skip_initial_space: bool) -> Iterator[SheetRow]:
    """Every row; a row a stray quote ran over several lines is named, and the lines after it read again."""
    start = 0
    while start < len(lines):
        start = yield from _rows_until_a_stray_quote(lines, start, skip_initial_space)


def _rows_until_a_stray_quote(
    lines: list[str], start: int, skip_initial_space: bool
) -> Generator[SheetRow, None, int]:
    """The rows from line index `start` on, up to one a stray quote spoilt; answers where to go on.

    A row that spans lines is one of two things: a quoted cell holding line breaks, as CSV allows, or a
    quote opened by mistake that swallows the lines after it. Only those rows are looked at again.
    """
    feed = _Lines(lines, start)
    reader = csv.reader(feed, skipinitialspace=skip_initial_space)
    while True:
        begins = feed.taken
        try:
            cells = next(reader)
        except StopIteration:
            return len(lines)
        except csv.Error as error:  # what the reader still refuses; its lines are this row's alone
            yield SheetRow(begins + 1, (), CellProblem(begins + 1, "", f"cannot be read: {error}"))
            continue
        if feed.taken - begins > 1 or feed.taken == len(lines):  # over lines, or up to the end
            raw = "".join(lines[begins : feed.taken])
            stray = _stray_quote(raw, skip_initial_space)
            if stray is not None:
                yield _spoilt_row(lines, begins, raw, stray, skip_initial_space)
                return begins + len(_LINE_BREAK.findall(raw[: stray.offset])) + 1
        yield SheetRow(begins + 1, tuple(unescape_cell(cell) for cell in cells))


@dataclass(frozen=True)
class _StrayQuote:
    offset: int  # where the quote opens, in the row's text
    column: int
    closed_on: int  # 0: never closed; else the line (counted within the row) where it closes mid-cell


def _spoilt_row(
    lines: list[str], begins: int, raw: str, stray: _StrayQuote, skip_initial_space: bool
) -> SheetRow:
    opening = begins + len(_LINE_BREAK.findall(raw[: stray.offset]))
    cells = next(csv.reader(["".join(lines[begins : opening + 1])], skipinitialspace=skip_initial_space), [])
    if stray.closed_on:
        what = (
            f"a quote opens this cell and the next one, on line {begins + stray.closed_on}, ends it mid-cell"
        )
    else:
        what = "a quote opens this cell and is never closed"
    return SheetRow(
        begins + 1,
        tuple(unescape_cell(cell) for cell in cells),
        # named where the quote opens, which may be below the line the row starts on
        CellProblem(
            opening + 1, str(stray.column), f"{what}; the lines after it are read as rows of their own"
        ),
    )


def _stray_quote(raw: str, skip_initial_space: bool) -> _StrayQuote | None:
    """A quote in a row's text that made it run over lines by mistake, or None.

    The csv module's own reading of the default dialect, reduced to the question it does not answer:
    did a quoted cell that holds a line break end at the text's end, still open, or end with its closing
    quote followed by more text (`"Jones,York` ... `3,"Brown`), which no well-formed cell does?
    """
    start_of_cell, unquoted, quoted, quote_in_quoted = 0, 1, 2, 3
    state, column, opened, breaks, opened_breaks = start_of_cell, 0, 0, 0, 0
    for offset, char in enumerate(raw):
        if char == "\n" or (char == "\r" and raw[offset + 1 : offset + 2] != "\n"):
            breaks += 1
        if state == quoted:
            if char == '"':
                state = quote_in_quoted
        elif state == quote_in_quoted and char not in '",\r\n':
            if breaks > opened_breaks:
                return _StrayQuote(opened, column, breaks + 1)
            state = unquoted
        elif char in "\r\n":
            state, column = start_of_cell, 0
        elif char == ",":
            state, column = start_of_cell, column + 1
        elif state == start_of_cell:
            if char == '"':
                state, opened, opened_breaks = quoted, offset, breaks
            elif char != " " or not skip_initial_space:
                state = unquoted
        elif state == quote_in_quoted:
            state = quoted  # a doubled quote: one quote within the cell
    return _StrayQuote(opened, column, 0) if state == quoted else None


def _checked(row: SheetRow, header: Sequence[str]) -> SheetRow:
    if row.problem is not None:
        return _named(row, header)
    for index, cell in enumerate(row.cells):
        if len(cell) > MAX_CELL:
            column = header[index] if index < len(header) else f"column {index + 1}"
            message = f"{len(cell):,} characters long; a cell holds at most {MAX_CELL:,}"
            return SheetRow(row.line, row.cells, CellProblem(row.line, column, message))
    return row


def _named(row: SheetRow, header: Sequence[str]) -> SheetRow:
    """A problem's column by the header's name for it, where the reader knew only its number."""
    assert row.problem is not None
    number = row.problem.column
    if number.isdigit():
        index = int(number)
        name = header[index] if index < len(header) else f"column {index + 1}"
        return SheetRow(row.line, row.cells, CellProblem(row.problem.line, name, row.problem.message))
    return row
