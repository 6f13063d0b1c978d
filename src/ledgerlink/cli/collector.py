"""How a ledgerlink process keeps Python's garbage collector.

What the process holds once started (the modules, their classes, the app) lives as long as it does:
frozen, it is left out of every later collection, so a full collection during a long send (a
worker's, a web app's) scans what the send holds, not the code it runs.

A send makes and drops objects by the hundred thousand: a chunk's entries, records and drafts, each
call's request and reply. Python's default looks for cycles among young objects after every 700 more
are made than dropped, so a chunk that lives a few hundred milliseconds is scanned many times over,
and what survives those scans is promoted and scanned again by the older generations' collections.
After every 50,000 instead, most of a chunk is gone before the collector looks: the collections take
a fifth of the CPU they took, and the garbage a cycle can hold meanwhile is a few megabytes at most.
"""

from __future__ import annotations

import gc

YOUNG_OBJECTS_BEFORE_A_COLLECTION = 50_000


def settle_collector() -> None:
    """Freeze what the process holds now, and collect young objects less often from here on."""
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS_BEFORE_A_COLLECTION)
