"""`ledgerlink sandbox <package>`: run a package's local emulator on a port, for demos and scripts."""

from __future__ import annotations

import asyncio
import json

import httpx
import typer
from starlette.types import ASGIApp

from ledgerlink.sandbox import SANDBOXES
from ledgerlink.sandbox.kit import in_process_transport, serve


async def _seed(app: ASGIApp, name: str) -> str:
    async with httpx.AsyncClient(transport=in_process_transport(app), base_url="http://sandbox") as client:
        reply = await client.post("/_sandbox/seed", json={"name": name})
        reply.raise_for_status()
        return str(reply.json()["id"])


def sandbox(
    package: str = typer.Argument(..., help=f"which package to emulate: {', '.join(sorted(SANDBOXES))}"),
    port: int = typer.Option(8765, help="the loopback port to listen on"),
    host: str = typer.Option("127.0.0.1", help="the address to listen on"),
    seed: str = typer.Option("", help="seed one business with this name before serving"),
    time_scale: float = typer.Option(
        1.0, min=0.001, help="run the package's rate limits this many times faster than real time"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the start-up facts as JSON"),
) -> None:
    """Serve a package's sandbox until interrupted; its admin API is under /_sandbox/."""
    factory = SANDBOXES.get(package.lower())
    if factory is None:
        known = ", ".join(sorted(SANDBOXES))
        raise typer.BadParameter(f"no sandbox for {package!r}; choose one of: {known}", param_hint="PACKAGE")
    app = factory(time_scale)
    business_id = asyncio.run(_seed(app, seed)) if seed else ""
    url = f"http://{host}:{port}"
    if as_json:
        typer.echo(json.dumps({"package": package, "url": url, "business_id": business_id or None}))
    else:
        faster = f", limits {time_scale:g}x faster than real time" if time_scale != 1 else ""
        typer.echo(f"{package} sandbox on {url} (admin API: {url}/_sandbox/state){faster}")
        if business_id:
            typer.echo(f"seeded business {seed!r}: {business_id}")
    serve(app, host=host, port=port)


def sandbox_stop(
    package: str = typer.Argument(..., help=f"which package's sandbox: {', '.join(sorted(SANDBOXES))}"),
) -> None:
    """Stop the local sandbox server that an earlier command (the demo, `connect --sandbox`) started."""
    from ledgerlink.services import sandbox_host
    from ledgerlink.settings import load_settings

    if sandbox_host.stop(package.lower(), load_settings()):
        typer.echo(f"the {package} sandbox is stopped; the books it held are gone")
    else:
        typer.echo(f"no {package} sandbox started by this installation is running")


def register(app: typer.Typer) -> None:
    app.command(name="sandbox")(sandbox)
    app.command(name="sandbox-stop")(sandbox_stop)
