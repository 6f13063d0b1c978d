"""How this process reaches packages: their real addresses, a local sandbox, or a sandbox in process.

Everything that talks to a package gets its auth client and connectors from here, so that tests (and
the benchmarks) can hand in sandboxes running in the same process without touching anything else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import httpx

from ledgerlink.packages.base import PackageAuth, PackageConnector
from ledgerlink.packages.connection import ConnectionContext, Pacer, PackageSettings
from ledgerlink.packages.pacing import LocalPacer
from ledgerlink.packages.registry import PackageEntry, get_package
from ledgerlink.services.operations import local_sandboxes as sandbox_host
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.services.operations.tokens import StoredTokens
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection

IN_PROCESS_URL = "http://sandbox.local"


@dataclass
class ConnectorFactory:
    store: Store
    settings: Settings
    box: SecretBox
    # package name -> transport of a sandbox app in this process (tests, benchmarks, the web demo)
    in_process: Mapping[str, httpx.AsyncBaseTransport] = field(default_factory=dict)
    pacer_factory: Callable[[Connection, PackageEntry], Pacer] | None = None
    sleep: Callable[[float], Awaitable[None]] | None = None
    timeout: float = 30.0
    _pacers: dict[int, Pacer] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, store: Store, settings: Settings, **options: object) -> ConnectorFactory:
        return cls(store=store, settings=settings, box=SecretBox.from_settings(settings), **options)  # type: ignore[arg-type]

    def sandbox_base(self, package: str) -> str:
        if package in self.in_process:
            return IN_PROCESS_URL
        return sandbox_host.ensure_running(package, self.settings)

    def package_settings(self, package: str, *, sandbox: bool) -> PackageSettings:
        entry = get_package(package)
        return entry.settings(
            redirect_uri=self.settings.redirect_uri,
            sandbox_url=self.sandbox_base(package) if sandbox else None,
        )

    def sandbox_time_scale(self, package: str) -> float:
        """A sandbox may run its limits faster than real time; the pacing towards it must match.

        A local server says how fast it runs (it may have been started by an earlier command with
        another setting); a sandbox in this process runs as the settings say.
        """
        if package in self.in_process:
            return self.settings.sandbox_time_scale
        running = sandbox_host.time_scale(self.sandbox_base(package))
        return running if running is not None else self.settings.sandbox_time_scale

    def transport(self, package: str, *, sandbox: bool) -> httpx.AsyncBaseTransport | None:
        return self.in_process.get(package) if sandbox else None

    def auth(self, package: str, *, sandbox: bool) -> PackageAuth:
        entry = get_package(package)
        return entry.auth(
            self.package_settings(package, sandbox=sandbox),
            transport=self.transport(package, sandbox=sandbox),
        )

    def pacer(self, connection: Connection) -> Pacer:
        pacer = self._pacers.get(connection.id)
        if pacer is None:
            entry = get_package(connection.package)
            if self.pacer_factory is not None:
                pacer = self.pacer_factory(connection, entry)
            else:
                scale = self.sandbox_time_scale(connection.package) if connection.sandbox else 1.0
                pacer = LocalPacer(entry.limits, time_scale=scale)
            self._pacers[connection.id] = pacer
        return pacer

    def connector(self, connection: Connection) -> PackageConnector:
        entry = get_package(connection.package)
        auth = self.auth(connection.package, sandbox=connection.sandbox)
        tokens = StoredTokens(
            self.store,
            company_id=connection.company_id,
            connection_id=connection.id,
            box=self.box,
            auth=auth,
        )
        context = ConnectionContext(
            business_id=connection.business_id,
            tokens=tokens,
            settings=self.package_settings(connection.package, sandbox=connection.sandbox),
            pacer=self.pacer(connection),
            consents=connection.consents,
            transport=self.transport(connection.package, sandbox=connection.sandbox),
            timeout=self.timeout,
            sleep=self.sleep,
        )
        return entry.connector(context)
