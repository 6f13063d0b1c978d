"""Where a package's sandbox runs for this installation: a local server, started when first needed.

`--sandbox` on the command line points a package at its sandbox. The sandbox keeps its books in memory,
so it runs as one long-lived local server per package (like a locally installed accounting package)
that every later command and the web app reach at the same address; if none answers there, one is
started in the background and its log kept in the data directory.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx

from ledgerlink.errors import ConfigurationError
from ledgerlink.packages.registry import get_package
from ledgerlink.settings import Settings


def sandbox_url(package: str) -> str:
    """`LEDGERLINK_<PACKAGE>_SANDBOX_URL`, else the loopback port the package's plugin gives its sandbox."""
    return get_package(package).sandbox_url()


def is_running(url: str) -> bool:
    # Asked before every use of a sandbox; a plain-HTTP check needs no certificates, and loading them
    # each time cost a connect command more than a second of CPU.
    try:
        return (
            httpx.get(f"{url}/_sandbox/state", timeout=2.0, verify=url.startswith("https:")).status_code
            == 200
        )
    except httpx.HTTPError:
        return False


def time_scale(url: str) -> float | None:
    """How much faster than real time the sandbox at `url` runs its limits, if it answers."""
    try:
        reply = httpx.get(f"{url}/_sandbox/state", timeout=5.0, verify=url.startswith("https:"))
        return float(reply.json().get("time_scale", 1.0)) if reply.status_code == 200 else None
    except (httpx.HTTPError, ValueError, TypeError):
        return None


def _pid_file(package: str, settings: Settings) -> Path:
    return settings.data_dir / f"sandbox-{package}.pid"


def ensure_running(package: str, settings: Settings, *, wait: float = 20.0) -> str:
    """The sandbox's address, starting a local server for it if nothing answers there."""
    url = sandbox_url(package)
    if is_running(url):
        return url
    parsed = urlparse(url)
    if parsed.hostname not in ("127.0.0.1", "localhost"):
        raise ConfigurationError(f"no {package} sandbox answers at {url}; start it there first")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    log = (settings.data_dir / f"sandbox-{package}.log").open("ab")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ledgerlink",
            "sandbox",
            package,
            "--port",
            str(parsed.port),
            "--host",
            "127.0.0.1",
            "--time-scale",
            str(settings.sandbox_time_scale),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    _pid_file(package, settings).write_text(str(process.pid))
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ConfigurationError(
                f"the {package} sandbox could not start on {url}; see {settings.data_dir / f'sandbox-{package}.log'}"
            )
        if is_running(url):
            return url
        time.sleep(0.1)
    raise ConfigurationError(f"the {package} sandbox did not answer on {url} within {wait:.0f} s")


def stop(package: str, settings: Settings, *, wait: float = 10.0) -> bool:
    """Stop a sandbox this installation started; answers whether one was running.

    It returns once the sandbox no longer answers (or after `wait` seconds): a server asked to stop
    finishes what it is answering first, and whoever is told it stopped may start another on its port
    at once."""
    pid_file = _pid_file(package, settings)
    if not pid_file.exists():
        return False
    try:
        os.kill(int(pid_file.read_text()), signal.SIGTERM)
        stopped = True
    except (ProcessLookupError, ValueError):
        stopped = False
    pid_file.unlink(missing_ok=True)
    if stopped:
        url = sandbox_url(package)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and is_running(url):
            time.sleep(0.05)
    return stopped
