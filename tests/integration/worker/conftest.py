"""Workers as separate processes against a fresh PostgreSQL database and sandboxes on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from ledgerlink.domain.outbox import EntryState
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit import BackgroundServer
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.services.operations.shared_pacer import shared_pacers
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.connection_tables import OutboxEntryRow
from tests.conftest import scratch_database

SECRET = "worker-tests-secret"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A database of its own for each test (workers leave jobs and locks behind), dropped afterwards."""
    with scratch_database("worker") as url:
        yield url


@dataclass
class Fleet:
    """The test's side of a many-worker setup: its store and connectors, the sandboxes, the workers."""

    store: Store
    settings: Settings
    connectors: ConnectorFactory
    servers: dict[str, BackgroundServer]
    apps: dict[str, Starlette]
    environ: dict[str, str]
    time_scale: float
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: Path = Path()

    def sandbox(self, package: str) -> Any:
        return self.apps[package].state.sandbox

    def start_worker(self, name: str, *, concurrency: int = 2, slice_seconds: float = 2.0) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        self.workers[name] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ledgerlink",
                "worker",
                "--name",
                name,
                "--concurrency",
                str(concurrency),
                "--slice-seconds",
                str(slice_seconds),
                "--time-scale",
                str(self.time_scale),
                "--stalled-after",
                "2",
                "--verbose",
            ],
            env=self.environ,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def kill(self, name: str) -> None:
        process = self.workers.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.workers.values():
            process.send_signal(signal.SIGTERM)
        for process in self.workers.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.workers.clear()

    def unsent(self) -> int:
        with self.store.unit_of_work() as uow:
            states = uow.session.scalars(select(OutboxEntryRow.state)).all()
        return sum(1 for state in states if state != EntryState.SENT.value)

    def wait_until(self, done: Callable[[], bool], *, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if done():
                return
            for name, process in self.workers.items():
                assert process.poll() is None, f"worker {name} exited: {self.log_of(name)}"
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; logs: {self.all_logs()}")

    def log_of(self, name: str, *, tail: int = 3000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text()[-tail:] if path.exists() else ""

    def all_logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(self.logs.glob("*.log")))


@pytest.fixture
def fleet_factory(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Fleet]]:
    made: list[Fleet] = []

    def make(
        packages: tuple[str, ...] = ("sage",),
        *,
        time_scale: float = 10.0,
        access_lifetime: float | None = None,
    ) -> Fleet:
        apps = {
            package: sandbox_app(package, time_scale=time_scale, access_lifetime=access_lifetime)
            for package in packages
        }
        servers = {package: BackgroundServer(app).start() for package, app in apps.items()}
        environ = {
            **os.environ,
            "LEDGERLINK_DATABASE_URL": pg_url,
            "LEDGERLINK_SECRET_KEY": SECRET,
            "LEDGERLINK_DATA_DIR": str(tmp_path / "data"),
        }
        for package, server in servers.items():
            environ[f"LEDGERLINK_{package.upper()}_SANDBOX_URL"] = server.url
            monkeypatch.setenv(f"LEDGERLINK_{package.upper()}_SANDBOX_URL", server.url)
        settings = Settings(data_dir=tmp_path / "data", database_url=pg_url, secret_key=SECRET)
        store = Store.from_settings(settings)
        connectors = ConnectorFactory(
            store=store,
            settings=settings,
            box=SecretBox.from_settings(settings),
            pacer_factory=shared_pacers(store, time_scale=time_scale),
        )
        logs = tmp_path / "logs"
        logs.mkdir(exist_ok=True)
        fleet = Fleet(store, settings, connectors, servers, apps, environ, time_scale, logs=logs)
        made.append(fleet)
        return fleet

    yield make
    for fleet in made:
        fleet.stop_all()
        fleet.store.close()
        for server in fleet.servers.values():
            server.stop()
