"""The import's CSV report is safe to open in a spreadsheet: no contact's name or reason runs as a formula."""

from __future__ import annotations

import csv
import io

from ledgerlink.services.importing.quality import RecordReport, to_csv


def test_a_contact_named_like_a_formula_is_written_as_text() -> None:
    records = [
        RecordReport(
            package_id="@SUM(1+1)*cmd|' /C calc'!A0",
            name='=HYPERLINK("http://evil.example","click")',
            source_id="",
            outcome="skip",
            becomes="customer",
            reason="-5 Main St has no name",
        ),
        RecordReport(
            package_id="P2", name="Jane Smith", source_id="xero-P2", outcome="create", becomes="customer"
        ),
    ]

    rows = list(csv.DictReader(io.StringIO(to_csv(records))))

    assert rows[0]["package_id"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert rows[0]["name"] == '\'=HYPERLINK("http://evil.example","click")'
    assert rows[0]["outcome"] == "skipped: -5 Main St has no name"
    assert rows[1]["name"] == "Jane Smith"
