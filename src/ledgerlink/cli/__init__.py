"""The command line: one Typer app, each area of commands in its own module that registers itself."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="ledgerlink",
    help="Send a job system's customers, invoices and payments to an accounting package, exactly once.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _register_commands() -> None:
    # Each module adds its commands to `app`; the order here is the order of `ledgerlink --help`.
    from ledgerlink.cli import match_files, sandbox

    for module in (match_files, sandbox):
        module.register(app)


def main() -> None:
    _register_commands()
    app()
