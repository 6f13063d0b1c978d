"""How sure nominal suggestions fare on a labelled set: what "Accept all" takes, how much of it is wrong.

The set (`tests/data/nominal_mapping_labels.json`) is six UK trades businesses' own nominal lists, each
account mapped by hand to Sage 50's standard UK chart (the one the Sage sandbox starts a business with)
and Xero's UK default chart with every account a bookkeeper would accept. Each package's chart is read
from its sandbox as the connector reads it.

    python benchmarks/nominal_suggestions.py

Per package it prints the suggestions taken by Accept all (the sure ones), how many of those are wrong
(the goal is 0), and the coverage of sure suggestions: right sure ones as a share of the accounts a
bookkeeper could map in that chart (the goal is 85% or more). Then the suggestions left to check and
the accounts with none, and every wrong one by name.

A row counts as mappable when a bookkeeper would accept some account of the chart for it, even when the
only such account is the chart's general one ("Skip hire" to Sage's "Miscellaneous Expenses" or Xero's
"General Expenses"). Such rows are never sure by design: whether a cost goes to the general account or to
an account of its own made in the package is the bookkeeper's choice, so they keep coverage below 100% on
purpose and are shown to check. Leaving them out would lift the figure without changing what a user
sees; rows with nothing acceptable at all ("Petty cash" on Xero, which has no cash account) are left out.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.nominal_labels import default_chart, labelled_rows, score


async def main() -> None:
    rows = labelled_rows()
    businesses = len({row.business for row in rows})
    print(f"labelled set: {businesses} businesses, {len(rows)} nominal accounts")
    for package in ("sage", "xero"):
        accounts, banks = await default_chart(package)
        started = time.perf_counter()
        result = score(package, rows, accounts, banks)
        took = time.perf_counter() - started
        print(
            f"{package}: chart of {len(accounts)} accounts; {result.answerable} of {result.rows} mappable; "
            f"taken by Accept all {result.taken}, wrong {len(result.wrong)} (goal 0); "
            f"coverage of sure {result.coverage:.1%} (goal >= 85%); "
            f"to check {result.check} ({result.check_right} of them right), none {result.none}; "
            f"{took * 1000:.0f} ms"
        )
        for wrong in result.wrong:
            print(f"  wrong: {wrong}")
        for left in result.left:
            print(f"  left: {left}")


if __name__ == "__main__":
    asyncio.run(main())
