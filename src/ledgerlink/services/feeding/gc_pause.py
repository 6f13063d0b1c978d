"""Help for work on hundreds of thousands of records at once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_garbage_collection() -> Iterator[None]:
    """Pause the cyclic collector while many long-lived records are made.

    Each full collection walks every live object, so with 300,000 records alive it runs ever longer
    and turns a linear job quadratic. The records hold no cycles worth collecting meanwhile.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
