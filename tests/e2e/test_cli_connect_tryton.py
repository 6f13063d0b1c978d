"""`ledgerlink connect tryton --login USER` against a Tryton server the business runs itself: no sign-in
page, so the person gives a Tryton login and password. A wrong password is said at once, naming the
databases tried; the right one is kept sealed, and later commands reach Tryton's chart with it. Needs
`LEDGERLINK_TRYTON_PYTHON` (a python with trytond; `./dev test` makes one)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from ledgerlink.packages.tryton.server import start_business
from tests.support.command_line import cli_environment, run_ledgerlink
from tests.support.tryton_books import tryton_home

pytestmark = pytest.mark.slow

PASSWORD = "LEDGERLINK_PACKAGE_PASSWORD"


def test_a_tryton_server_is_connected_with_a_login_and_a_password(tmp_path: Path) -> None:
    home = tryton_home(tmp_path / "tryton")
    server = asyncio.run(start_business(home, "Hollis Heating Ltd", database="hollis"))
    try:
        env = cli_environment(tmp_path / "data", company="hollis")
        env["LEDGERLINK_TRYTON_API_URL"] = server.url
        login, password = home.credentials().split(":", 1)
        assert run_ledgerlink("init", "--company", "hollis", env=env).code == 0

        no_login = run_ledgerlink("connect", "tryton", env=env)
        assert no_login.code != 0
        assert "Tryton has no sign-in page: give --login" in no_login.stderr

        wrong = run_ledgerlink("connect", "tryton", "--login", login, env={**env, PASSWORD: "not-it"})
        assert wrong.code != 0
        assert f"Tryton refused the login '{login}' on each of its databases (hollis)" in wrong.stderr

        connected = run_ledgerlink(
            "connect", "tryton", "--login", login, "--json", env={**env, PASSWORD: password}
        )
        assert connected.code == 0, connected.stderr
        shown = json.loads(connected.stdout)
        assert (shown["package"], shown["business_id"], shown["sandbox"]) == ("tryton", "hollis", False)
        assert shown["lists_read_at"] is not None

        # a later command, with no password given, signs in with the one kept sealed
        read = run_ledgerlink("nominals", "read", "--json", env=env)
        assert read.code == 0, read.stderr
        assert password not in (tmp_path / "data" / "ledgerlink.db").read_bytes().decode("latin-1")
    finally:
        server.stop()
