"""The domain's enums by the codes the tables keep them as.

Looking a member up by value through the enum's call (`RecordKind("invoice")`) costs several
microseconds in Python 3.11, and reading a send's outbox rows and records does it three times a row:
a dictionary does it for a tenth of that. An unknown code is still a KeyError, as it should be.
"""

from __future__ import annotations

from ledgerlink.domain.outbox import EntryState, Step
from ledgerlink.domain.records import RecordKind

KIND_OF: dict[str, RecordKind] = {kind.value: kind for kind in RecordKind}
STEP_OF: dict[str, Step] = {step.value: step for step in Step}
STATE_OF: dict[str, EntryState] = {state.value: state for state in EntryState}
