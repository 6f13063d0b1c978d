"""The command line: one Typer app, each area of commands in its own module that registers itself."""

from __future__ import annotations

import typer

from ledgerlink.cli.collector import settle_collector
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
    settle_collector()
    app()
