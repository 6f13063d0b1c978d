"""Tryton run on this machine: its own virtual environment, its own processes, reached over JSON-RPC.

Tryton is GPL, so ledgerlink never imports it: `trytond` lives in a virtual environment of its own
(made here on first use with pip, or an existing one's python, as the tests and the benchmark name
with `LEDGERLINK_TRYTON_PYTHON`), and every business is a SQLite database served by its own `trytond`
process on a loopback port.

Making a database ready takes a minute (the modules' tables, then the company, chart, taxes and years
through Tryton's own methods), so it is done once into a template file; each new business is a copy of
the template with its company renamed, served a few seconds later.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx

from ledgerlink.errors import ConfigurationError
from ledgerlink.packages.tryton.bootstrap import bootstrap, fingerprint, rename_company
from ledgerlink.packages.tryton.client import TrytonRpc

REQUIREMENTS = (
    "trytond>=8.0,<8.1",
    "trytond_party>=8.0,<8.1",
    "trytond_currency>=8.0,<8.1",
    "trytond_company>=8.0,<8.1",
    "trytond_account>=8.0,<8.1",
    "trytond_account_invoice>=8.0,<8.1",
)
MODULES = ("account_invoice",)  # with the modules it needs: party, currency, company, account
ADMIN = "admin"
TEMPLATE = "template"


def settle(path: Path) -> None:
    """Fold SQLite's write-ahead log into the database file, so that the file alone holds everything."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_name(name: str) -> str:
    """A business's name as a database (file) name: lower-case letters, digits and underscores."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return slug or "business"


@dataclass(frozen=True)
class TrytonHome:
    """Where Tryton lives for this installation: its environment, template and databases."""

    root: Path
    python: Path | None = None  # an environment's python already holding trytond

    @property
    def bin_dir(self) -> Path:
        return self.python.parent if self.python is not None else self.root / "venv" / "bin"

    @property
    def databases(self) -> Path:
        return self.root / "databases"

    def template_file(self, years: range) -> Path:
        return self.root / f"template-{fingerprint()}-{years.start}-{years.stop - 1}.sqlite"

    def admin_password(self) -> str:
        """The admin user's password, made once and kept readable by this user only."""
        path = self.root / "admin-password"
        if not path.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(18))
            path.chmod(0o600)
        return path.read_text().strip()

    def credentials(self) -> str:
        return f"{ADMIN}:{self.admin_password()}"

    def config_file(self, port: int) -> Path:
        path = self.root / f"trytond-{port}.conf"
        path.write_text(
            f"[database]\nuri = sqlite://\npath = {self.databases}\n\n[web]\nlisten = 127.0.0.1:{port}\n"
            "\n[session]\ntimeout = 3600\n"
        )
        return path


def is_installed(home: TrytonHome) -> bool:
    return (home.bin_dir / "trytond").exists() and (home.bin_dir / "trytond-admin").exists()


def install(home: TrytonHome) -> None:
    """A virtual environment holding trytond and the accounting modules, unless one is there."""
    if is_installed(home):
        return
    if home.python is not None:
        raise ConfigurationError(f"{home.python} is named as Tryton's python, but holds no trytond")
    venv = home.root / "venv"
    home.root.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *REQUIREMENTS],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise ConfigurationError(f"could not install Tryton: {result.stderr.strip()[-500:]}")


def _admin(home: TrytonHome, database: str) -> None:
    """The modules' tables in a new database file, with the admin user."""
    home.databases.mkdir(parents=True, exist_ok=True)
    (home.databases / f"{database}.sqlite").touch()
    password_file = home.root / "admin-password"
    home.admin_password()
    result = subprocess.run(
        [
            str(home.bin_dir / "trytond-admin"),
            "-c",
            str(home.config_file(0)),
            "-d",
            database,
            "--all",
            "--activate-dependencies",
            "-u",
            *MODULES,
            "--email",
            "admin@example.com",
        ],
        env={**os.environ, "TRYTONPASSFILE": str(password_file)},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise ConfigurationError(f"trytond-admin failed: {result.stderr.strip()[-800:]}")


@dataclass
class TrytonProcess:
    """One `trytond` serving one database on a loopback port."""

    home: TrytonHome
    database: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rpc(self) -> TrytonRpc:
        credentials = self.home.credentials()

        async def secret() -> str:
            return credentials

        return TrytonRpc(self.url, self.database, secret)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """Ended at once, mid-request or not, as a crash or a pulled plug would."""
        self.process.kill()
        self.process.wait()


# Run in Tryton's own python before `trytond` itself: a thread that ends the server as soon as the
# process that started it is gone (its parent changes), however that one ended. A server is in a
# session of its own, so that a Ctrl-C meant for a test run or a command is not its to take; without
# this, a run killed outright would leave its servers running.
WATCHED = """
import os, runpy, sys, threading, time
parent = int(sys.argv[1])
def watch():
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def serve(home: TrytonHome, database: str, *, port: int | None = None, wait: float = 60.0) -> TrytonProcess:
    """Start `trytond` on `database`, to end with this process, and wait until it answers a login."""
    port = port or free_port()
    log = (home.root / f"trytond-{database}.log").open("ab")
    trytond = [str(home.bin_dir / "trytond"), "-c", str(home.config_file(port)), "-d", database]
    process = subprocess.Popen(
        [str(home.bin_dir / "python"), "-c", WATCHED, str(os.getpid()), *trytond],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    running = TrytonProcess(home, database, port, process)
    deadline = time.monotonic() + wait
    body = {"method": "common.server.version", "params": [], "id": 0}
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ConfigurationError(f"trytond stopped at start; see {log.name}")
        try:
            httpx.post(f"{running.url}/", json=body, timeout=2.0)
            return running  # any answer: it listens, and loads the database before it answers a login
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    running.stop()
    raise ConfigurationError(f"trytond did not answer on {running.url} within {wait:.0f} s")


def default_years(today: date | None = None) -> range:
    """Fiscal years from three years back to next year: the books a business brings, and what comes."""
    year = (today or date.today()).year
    return range(year - 3, year + 2)


async def ensure_template(home: TrytonHome, years: range) -> Path:
    """The template database file, made (once) through Tryton's own methods."""
    template = home.template_file(years)
    if template.exists():
        return template
    await asyncio.to_thread(install, home)
    building = f"{TEMPLATE}_{secrets.token_hex(4)}"
    await asyncio.to_thread(_admin, home, building)
    server = await asyncio.to_thread(serve, home, building)
    try:
        rpc = server.rpc()
        try:
            await bootstrap(rpc, "Template business", years)
        finally:
            await rpc.aclose()
    finally:
        await asyncio.to_thread(server.stop)
    built = home.databases / f"{building}.sqlite"
    settle(built)
    shutil.move(built, template)
    for leftover in home.databases.glob(f"{building}.sqlite-*"):
        leftover.unlink()
    return template


async def start_business(
    home: TrytonHome, name: str, *, years: range | None = None, database: str | None = None
) -> TrytonProcess:
    """A business of that name in a fresh database copied from the template, served by its own trytond."""
    template = await ensure_template(home, years or default_years())
    database = database or database_name(name)
    target = home.databases / f"{database}.sqlite"
    if not target.exists():
        home.databases.mkdir(parents=True, exist_ok=True)  # cleared since the template was made, say
        shutil.copyfile(template, target)
    server = await asyncio.to_thread(serve, home, database)
    rpc = server.rpc()
    try:
        await rename_company(rpc, name)
    finally:
        await rpc.aclose()
    return server
