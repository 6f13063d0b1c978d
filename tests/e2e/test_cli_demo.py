"""`ledgerlink demo`, the README's first command: the new-package path end to end on the embedded defaults.

It builds the demo company, starts a local sandbox (its limits faster than real time), connects
through the consent page, maps from suggestions, sends everything and ends on the dashboard and a
clean reconcile. Run again, it rebuilds the company and sends to a fresh business, so nothing is
duplicated and the books still agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerlink.services.operations import local_sandboxes as sandbox_host
from ledgerlink.settings import Settings
from tests.support.command_line import cli_environment, free_port, run_ledgerlink

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sage", "xero"])
def installation(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    package = str(request.param)
    data_dir = tmp_path / "data"
    env = cli_environment(data_dir, company="demo")
    env[f"LEDGERLINK_{package.upper()}_SANDBOX_URL"] = f"http://127.0.0.1:{free_port()}"
    try:
        yield package, env
    finally:
        sandbox_host.stop(package, Settings(data_dir=data_dir))


def demo(package: str, env: dict[str, str]) -> dict[str, object]:
    answer = run_ledgerlink("demo", "--invoices", "120", "--package", package, "--json", env=env, timeout=300)
    assert answer.code == 0, answer.stderr
    found: dict[str, object] = json.loads(answer.stdout)
    return found


def test_the_demo_sends_the_whole_company_and_ends_on_a_dashboard_and_a_clean_reconcile(
    installation: tuple[str, dict[str, str]],
) -> None:
    package, env = installation
    first = demo(package, env)
    second = demo(package, env)
    url = env[f"LEDGERLINK_{package.upper()}_SANDBOX_URL"]
    state = httpx.get(f"{url}/_sandbox/state", timeout=5).json()
    stopped = run_ledgerlink("sandbox-stop", package, env=env)

    for shown in (first, second):
        status: dict[str, Any] = shown["status"]  # type: ignore[assignment]
        reconciled: dict[str, Any] = shown["reconcile"]  # type: ignore[assignment]
        summary: dict[str, Any] = shown["summary"]  # type: ignore[assignment]
        counts = status["counts"]
        opening: dict[str, Any] = shown["open_items"]  # type: ignore[assignment]
        assert opening["count"] > 0  # the company starts mid-year, with invoices and bills still open
        # each went in as an opening item (or, where the package takes none, was marked settled outside)
        assert opening["in_package"] + opening["settled_outside"] == opening["count"]
        assert sum(count for state, count in counts.items() if state != "sent") == 0
        assert reconciled["clean"] is True
        assert (
            reconciled["checked"]
            == summary["kinds"]["customer"]["count"] + summary["kinds"]["supplier"]["count"]
        )
    # each run sent to a business of its own, each holding the company's customers and suppliers once
    contacts = [business["counts"]["contacts"] for business in state["businesses"]]
    assert contacts == [contacts[0], contacts[0]]
    assert state["time_scale"] > 1
    assert "stopped" in stopped.text
    assert not sandbox_host.is_running(url)
