"""`ledgerlink connect PACKAGE --sandbox --auto-approve` as a separate process over real HTTP on loopback.

Nothing is running beforehand: the command starts the package's local sandbox on the port its
`LEDGERLINK_<PACKAGE>_SANDBOX_URL` names, seeds a business, goes through the consent page and the code
exchange, stores the tokens sealed, and reads the chart of accounts; a later command reaches the same
sandbox with the stored tokens. The started sandbox is stopped at the end. (`test_cli_import.py` runs
`connect` in process against a sandbox the test serves; this is the installation as a person has it.)
"""

from __future__ import annotations

import json
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import select

from ledgerlink.services.operations import local_sandboxes as sandbox_host
from ledgerlink.services.operations.secrets import KEY_FILE_NAME, SecretBox
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.connection_tables import ConnectionRow
from tests.support.command_line import cli_environment, free_port, run_ledgerlink

pytestmark = pytest.mark.slow


@dataclass
class Installation:
    package: str
    env: dict[str, str]
    settings: Settings
    sandbox_url: str
    database_url: str

    def stored_row(self, company_slug: str) -> ConnectionRow:
        store = Store.open(self.database_url)
        try:
            with store.unit_of_work() as uow:
                company = uow.companies.get(company_slug)
                row = uow.session.scalars(
                    select(ConnectionRow).where(ConnectionRow.company_id == company.id)
                ).one()
                uow.session.expunge(row)
                return row
        finally:
            store.close()


# Both packages on the embedded SQLite; the token storage is the same code for every package, so one
# of them is enough on PostgreSQL.
INSTALLATIONS = [
    pytest.param(("sage", "sqlite"), id="sage-sqlite"),
    pytest.param(("xero", "sqlite"), id="xero-sqlite"),
    pytest.param(("xero", "postgres"), id="xero-postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=INSTALLATIONS)
def installation(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Installation]:
    package, backend = request.param
    database_url = "" if backend == "sqlite" else str(request.getfixturevalue("postgres_database_url"))
    data_dir = tmp_path / "data"
    env = cli_environment(data_dir, company=f"{package}-heating", database_url=database_url)
    url = f"http://127.0.0.1:{free_port()}"
    env[f"LEDGERLINK_{package.upper()}_SANDBOX_URL"] = url
    settings = Settings(data_dir=data_dir)
    found = Installation(package, env, settings, url, database_url or settings.resolved_database_url)
    try:
        yield found
    finally:
        sandbox_host.stop(package, settings)


def test_connect_starts_the_sandbox_signs_in_through_the_consent_page_and_keeps_the_tokens_sealed(
    installation: Installation,
) -> None:
    package, env, url = installation.package, installation.env, installation.sandbox_url
    company = f"{package.title()} Heating"
    assert not sandbox_host.is_running(url)

    assert run_ledgerlink("init", "--company", company, env=env).code == 0
    connected = run_ledgerlink("connect", package, "--sandbox", "--auto-approve", "--json", env=env)
    state = httpx.get(f"{url}/_sandbox/state", timeout=5).json()
    again = run_ledgerlink("nominals", "read", "--json", env=env)
    stopped = sandbox_host.stop(package, installation.settings)

    assert connected.code == 0, connected.stderr
    authorise, _, answer = connected.stdout.partition("\n")
    shown = json.loads(answer)
    # the sign-in went to the sandbox this command started, carrying an unguessable state
    assert authorise.startswith(url)
    assert len(parse_qs(urlparse(authorise).query)["state"][0]) >= 32
    # the consent page issued one code, exchanged once, for the one business it offered
    assert (state["oauth"]["codes_issued"], state["oauth"]["codes_exchanged"]) == (1, 1)
    assert [business["name"] for business in state["businesses"]] == [f"{company} Books"]
    business_id = state["businesses"][0]["id"]
    assert (shown["business"], shown["business_id"], shown["status"]) == (
        f"{company} Books",
        business_id,
        "active",
    )
    assert shown["lists_read_at"] is not None
    # the tokens are stored, sealed with the key file kept for the owner alone
    row = installation.stored_row(f"{package}-heating")
    issued = [token["token"] for kind in ("access", "refresh") for token in state["tokens"][kind]]
    access = [token["token"] for token in state["tokens"]["access"] if token["business_ids"] == [business_id]]
    assert (row.business_id, row.package, row.sandbox) == (business_id, package, True)
    assert len(issued) == 2
    assert row.sealed_tokens
    assert [token for token in issued if token in row.sealed_tokens] == []
    assert (
        json.loads(SecretBox.from_settings(installation.settings).open(row.sealed_tokens))["access_token"]
        in access
    )
    key_file = installation.settings.data_dir / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # a later command reaches the same sandbox with the stored tokens; stopping it stops it
    assert again.code == 0, again.stderr
    assert json.loads(again.stdout) == {"changes": []}
    assert stopped is True
    assert _gone(url)


def _gone(url: str, *, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not sandbox_host.is_running(url):
            return True
        time.sleep(0.1)
    return False
