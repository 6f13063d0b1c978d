"""The access log of `ledgerlink serve` names each request's path, never its query string, where a
secret may travel (an OAuth code, a key a client put in the address)."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from fastapi import FastAPI

from ledgerlink.web.serving import server


def test_access_lines_keep_the_path_and_leave_out_the_query_string(
    web_app: FastAPI, capfd: pytest.CaptureFixture[str]
) -> None:
    running = server(web_app, host="127.0.0.1", port=0)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started:
        assert thread.is_alive(), "the server stopped"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    port = running.servers[0].sockets[0].getsockname()[1]
    try:
        base = f"http://127.0.0.1:{port}"
        # the first answer of a server just started, on a busy machine, can outlast httpx's 5 s
        httpx.get(f"{base}/api/v1/onboarding?api_key=ll_abc_SECRETKEY", timeout=60)
        httpx.get(f"{base}/connect/callback?code=SECRETCODE&state=xyz", timeout=60)
    finally:
        running.should_exit = True
        thread.join(timeout=10)
    logged = capfd.readouterr()
    lines = (logged.out + logged.err).splitlines()
    assert any('"GET /api/v1/onboarding HTTP/1.1" 401' in line for line in lines), lines
    assert any('"GET /connect/callback HTTP/1.1"' in line for line in lines), lines
    assert not any("SECRET" in line for line in lines), lines
