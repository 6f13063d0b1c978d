"""Where the packages' published specs and the datasets with known answers are read from.

They never ship with ledgerlink: they are looked for in `$LEDGERLINK_SHARED_DIR`, or else in a `shared`
folder beside the repository, which is where a checkout on CI finds them.
"""

from __future__ import annotations

import os
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    configured = os.environ.get("LEDGERLINK_SHARED_DIR")
    return Path(configured) if configured else REPOSITORY.parent / "shared"
