"""`ledgerlink worker` and `ledgerlink schedule`: background sending on PostgreSQL.

The queue's library is imported only when one of these commands runs, so every other command starts
without it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from ledgerlink.cli.common import JsonFlag, console, emit_json, reports_errors
from ledgerlink.errors import ConfigurationError
from ledgerlink.settings import load_settings
from ledgerlink.store import Store


@reports_errors
def worker(
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-n", min=1, help="Connections this process sends for at once.")
    ] = 4,
    slice_seconds: Annotated[
        float, typer.Option("--slice-seconds", min=1.0, help="One send's turn before other companies' sends.")
    ] = 30.0,
    time_scale: Annotated[
        float,
        typer.Option(
            "--time-scale", min=0.001, help="Run the packages' limit windows faster (sandboxes only)."
        ),
    ] = 1.0,
    stalled_after: Annotated[
        float,
        typer.Option("--stalled-after", min=1.0, help="Seconds without a heartbeat before a worker is dead."),
    ] = 30.0,
    once: Annotated[bool, typer.Option("--once", help="Stop when the queue is empty.")] = False,
    name: Annotated[
        str, typer.Option("--name", help="This worker's name in the queue's tables and logs.")
    ] = "",
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log each job.")] = False,
) -> None:
    """Take jobs from the queue on PostgreSQL until stopped: scheduled and requested sends, token
    keep-alives, daily list reads. Run as many as you like, on as many machines."""
    from ledgerlink.worker import WorkerOptions, run_worker

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(asctime)s %(name)s %(message)s"
    )
    options = WorkerOptions(
        concurrency=concurrency,
        slice_seconds=slice_seconds,
        time_scale=time_scale,
        heartbeat_seconds=min(10.0, stalled_after / 3),
        stalled_after_seconds=stalled_after,
        wait=not once,
        name=name or None,
    )
    asyncio.run(run_worker(load_settings(), options))


@reports_errors
def schedule(as_json: JsonFlag = False) -> None:
    """Queue what is due now (the workers do this every minute by themselves)."""
    import procrastinate

    from ledgerlink.services.operations.scheduling import apply_queue_schema, queue_conninfo, uses_queue
    from ledgerlink.worker import schedule_due

    settings = load_settings()
    store = Store.from_settings(settings)
    if not uses_queue(store):
        store.close()
        raise ConfigurationError("scheduling needs PostgreSQL; on SQLite run `ledgerlink send`")

    async def queue() -> dict[str, int]:
        # one connection is all a single run of the schedule needs (the pool's default minimum is ten)
        connector = procrastinate.PsycopgConnector(conninfo=queue_conninfo(settings), min_size=1, max_size=2)
        app = procrastinate.App(connector=connector)
        async with app.open_async():
            await apply_queue_schema(store, app)
            return await schedule_due(store, app)

    try:
        queued = asyncio.run(queue())
    finally:
        store.close()
    if as_json:
        emit_json(queued)
        return
    console.print(", ".join(f"{count:,} {kind}" for kind, count in queued.items()) + " queued")


def register(app: typer.Typer) -> None:
    app.command(name="worker")(worker)
    app.command(name="schedule")(schedule)
