"""The command line: one Typer app, each area of commands in its own module that registers itself."""

from __future__ import annotations

import gc

import typer

from ledgerlink.cli.common import CommandLine

app = typer.Typer(
    name="ledgerlink",
    cls=CommandLine,
    help="Send a job system's customers, invoices and payments to an accounting package, exactly once.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

_registered = False


def build_app() -> typer.Typer:
    """`app` with every command on it; safe to call more than once (tests do)."""
    global _registered
    if not _registered:
        # Each module adds its commands to `app`; the order here is the order of `ledgerlink --help`.
        from ledgerlink.cli import (
            connection,
            demo,
            from_package,
            importing,
            link,
            match_files,
            nominals,
            open_item_links,
            records,
            sandbox,
            sending,
            web,
            worker,
        )

        for module in (
            demo,
            records,
            connection,
            importing,
            nominals,
            link,
            sending,
            open_item_links,
            from_package,
            match_files,
            sandbox,
            web,
            worker,
        ):
            module.register(app)
        _registered = True
    return app


def main() -> None:
    build_app()
    # What the process holds once started (the modules, their classes, the app) lives as long as it
    # does: frozen, it is left out of every later collection, so a full collection during a long send
    # (a worker's, a web app's) scans what the send holds, not the code it runs.
    gc.freeze()
    app()
