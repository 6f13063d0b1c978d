from __future__ import annotations

import pytest

from ledgerlink.packages.tryton.server import TrytonHome
from tests.support.tryton_books import tryton_home


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> TrytonHome:
    """One Tryton home for the session: its template is made once (about a minute) and copied."""
    return tryton_home(tmp_path_factory.mktemp("tryton"))
