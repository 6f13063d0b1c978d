"""CSV files for spreadsheets: no cell ever runs, every cell reads back as written, no row lost unnamed."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.errors import UnreadableFile
from ledgerlink.services.spreadsheets import (
    FORMULA_STARTS,
    SheetWriter,
    escape_cell,
    read_sheet,
    unescape_cell,
)

cell_text = st.text(
    alphabet=st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\n", "'", '"', ",", " ", "a", "5"])
)


@given(cell_text)
def test_an_escaped_cell_never_starts_a_formula_and_reads_back_as_it_was(text: str) -> None:
    escaped = escape_cell(text)

    assert not escaped.startswith(FORMULA_STARTS)
    assert unescape_cell(escaped) == text


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("-5 Main St", "'-5 Main St"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("=1+1", "'=1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("'=1+1", "''=1+1"),
        ("'quoted", "'quoted"),
        ("Smith", "Smith"),
        ("", ""),
    ],
)
def test_cells_are_escaped_by_the_owasp_rule(text: str, written: str) -> None:
    assert escape_cell(text) == written


@given(st.lists(st.tuples(cell_text, st.floats(min_value=-1, max_value=1)), min_size=1, max_size=5))
def test_a_sheet_written_reads_back_cell_for_cell_with_numbers_left_as_numbers(
    rows: list[tuple[str, float]],
) -> None:
    buffer = io.StringIO()
    writer = SheetWriter(buffer, ("name", "score"), numbers=("score",))
    for name, score in rows:
        writer.row([name, f"{score:.4f}"])

    sheet = read_sheet(buffer.getvalue())

    expected = [(name, f"{score:.4f}") for name, score in rows]
    assert [row.cells for row in sheet.rows] == [cells for cells in expected if any(c.strip() for c in cells)]
    assert all(row.problem is None for row in sheet.rows)


rows_text = st.lists(
    st.text(alphabet=st.sampled_from(['"', ",", "a", " ", "\n", "\r"]), max_size=12), min_size=1, max_size=6
).map(lambda parts: "h1,h2\n" + "\n".join(parts) + "\n")


@given(rows_text)
def test_text_the_csv_module_reads_whole_is_read_the_same_and_a_quote_left_open_is_always_named(
    text: str,
) -> None:
    sheet = read_sheet(text)
    problems = [row.problem for row in sheet.rows if row.problem is not None]

    if not problems:
        expected = [row for row in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in row)]
        assert [list(row.cells) for row in sheet.rows] == expected[1:]
    for problem in problems:
        assert "a quote opens this cell" in problem.message


def test_rows_are_numbered_by_the_line_they_start_on() -> None:
    sheet = read_sheet('id,address\n1,"12 High St\nLeeds"\n\n2,York\r3,Hull\r\n')

    assert [(row.line, row.cells) for row in sheet.rows] == [
        (2, ("1", "12 High St\nLeeds")),
        (5, ("2", "York")),
        (6, ("3", "Hull")),
    ]


def test_a_quote_opened_on_a_later_line_of_a_row_is_named_on_that_line() -> None:
    sheet = read_sheet('id,address,town\n1,"two\nlines","Leeds\n2,York,x\n3,Hull,y\n')

    broken, *rest = sheet.rows
    assert broken.problem is not None
    assert (broken.line, broken.problem.line, broken.problem.column) == (2, 3, "town")
    assert [row.cells for row in rest] == [("2", "York", "x"), ("3", "Hull", "y")]


def test_two_quotes_left_open_are_each_named_and_every_other_row_is_read() -> None:
    sheet = read_sheet('id,name\n1,"Smith\n2,Jones\n3,"Brown\n4,Green\n')

    assert [(row.line, row.problem.column if row.problem else None) for row in sheet.rows] == [
        (2, "name"),
        (3, None),
        (4, "name"),
        (5, None),
    ]


def test_a_cell_over_the_limit_is_named_with_its_column_and_the_next_row_is_read() -> None:
    sheet = read_sheet(f'id,notes\n1,"{"n" * 140_000}\n"\n2,short\n')

    assert sheet.rows[0].problem is not None
    assert (sheet.rows[0].problem.column, sheet.rows[0].problem.line) == ("notes", 2)
    assert sheet.rows[1].cells == ("2", "short")


def test_bytes_are_read_by_their_byte_order_mark_or_as_utf8() -> None:
    assert read_sheet("h\nÉ\n".encode("utf-16")).rows[0].cells == ("É",)
    assert read_sheet("\ufeffh\nÉ\n".encode()).header == ("h",)
    assert read_sheet("\ufeffh\nÉ\n").header == ("h",)
    assert read_sheet("h\nÉ\n".encode("utf-32")).rows[0].cells == ("É",)


def test_bytes_that_are_not_utf8_are_refused_with_the_line_and_a_guess_at_their_encoding() -> None:
    with pytest.raises(UnreadableFile) as refused:
        read_sheet(b"h\nok\nna\xefve\n")
    with pytest.raises(UnreadableFile) as undefined_in_cp1252:
        read_sheet(b"h\n\x81\n")
    with pytest.raises(UnreadableFile) as wrong_encoding_named:
        read_sheet("h\nΩ\n".encode(), encoding="ascii")

    assert (refused.value.line, refused.value.reason) == (
        3,
        "not UTF-8 (byte 0xef); save the file as UTF-8, or pass --encoding cp1252",
    )
    assert "--encoding latin-1" in str(undefined_in_cp1252.value)
    assert str(wrong_encoding_named.value) == "line 2: not ascii (byte 0xce); check the file's encoding"
