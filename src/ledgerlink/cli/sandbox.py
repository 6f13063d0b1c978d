"""`ledgerlink sandbox <package>`: run a package's local emulator on a port, for demos and scripts."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit

import typer

from ledgerlink.packages.registry import get_package
from ledgerlink.services.demo import sandboxes


def sandbox(
    package: str = typer.Argument(..., help=f"which package's sandbox: {', '.join(sandboxes.names())}"),
    port: int | None = typer.Option(
        None,
        help="the loopback port to listen on; by default the one `--sandbox` looks at "
        "(LEDGERLINK_<PACKAGE>_SANDBOX_URL, else the package's own)",
    ),
    host: str = typer.Option("127.0.0.1", help="the address to listen on"),
    seed: str = typer.Option("", help="seed one business with this name before serving"),
    time_scale: float = typer.Option(
        1.0, min=0.001, help="run the package's rate limits this many times faster than real time"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the start-up facts as JSON"),
) -> None:
    """Serve a package's sandbox until interrupted; its admin API is under /_sandbox/."""
    package = package.lower()
    if package not in sandboxes.names():
        known = ", ".join(sandboxes.names())
        raise typer.BadParameter(f"no sandbox for {package!r}; choose one of: {known}", param_hint="PACKAGE")
    if port is None:
        port = urlsplit(get_package(package).sandbox_url()).port or 80
    app = sandboxes.sandbox_app(package, time_scale=time_scale)
    business_id = asyncio.run(sandboxes.seed(app, seed)) if seed else ""
    url = f"http://{host}:{port}"
    if as_json:
        typer.echo(json.dumps({"package": package, "url": url, "business_id": business_id or None}))
    else:
        faster = f", limits {time_scale:g}x faster than real time" if time_scale != 1 else ""
        typer.echo(f"{package} sandbox on {url} (admin API: {url}/_sandbox/state){faster}")
        if business_id:
            typer.echo(f"seeded business {seed!r}: {business_id}")
    sandboxes.serve(app, host=host, port=port)


def sandbox_stop(
    package: str = typer.Argument(..., help=f"which package's sandbox: {', '.join(sandboxes.names())}"),
) -> None:
    """Stop the local sandbox server that an earlier command (the demo, `connect --sandbox`) started."""
    from ledgerlink.services.operations import local_sandboxes as sandbox_host
    from ledgerlink.settings import load_settings

    if sandbox_host.stop(package.lower(), load_settings()):
        typer.echo(f"the {package} sandbox is stopped; the books it held are gone")
    else:
        typer.echo(f"no {package} sandbox started by this installation is running")


def register(app: typer.Typer) -> None:
    app.command(name="sandbox")(sandbox)
    app.command(name="sandbox-stop")(sandbox_stop)
