"""What every command shares: the store from settings, `--json` answers, one Rich console, plain errors,
and the exit statuses a script can trust.

Exit statuses (`ExitCode`), the same for every command: 0 all done; 1 refused or went wrong, with an
error; 2 a wrong option or argument; 3 done, but records or rows need a person (failed, rejected, not
found, balances that differ); 4 the connection needs a person to sign in again; 5 the package stopped
the work for now, so run it again later. With `--json`, stdout carries exactly one JSON document: the
answer, or, for an error (1, 2, and 4 or 5 when nothing could be answered), `{"error": {"message",
"code", "type"}}`; stderr then stays empty (progress bars aside).

Text that comes from records, files or a package (ids, names, reasons a package gave) is printed as
written: it goes into markup through `shown`, and into tables through `cells`, so an id like `x-[/]` is
never read as a Rich tag. The consoles do not turn `:name:` into emoji for the same reason.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, IntEnum
from typing import Annotated, Any, ParamSpec, TypeVar, cast

import typer
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text
from typer.core import TyperGroup

from ledgerlink.errors import (
    AuthExpired,
    LedgerlinkError,
    PackageUnavailable,
    RateLimited,
    ReconnectNeeded,
    SendInProgress,
    UncertainOutcome,
)
from ledgerlink.settings import load_settings
from ledgerlink.store import Store


class ExitCode(IntEnum):
    """What a command's exit status tells a script; README.md's command-line section lists them."""

    OK = 0
    ERROR = 1  # refused, or went wrong: the error says why, and what was asked was not done
    USAGE = 2  # a wrong option or argument
    NEEDS_ATTENTION = 3  # done, but records or rows need a person: failed, rejected, not found, differing
    RECONNECT = 4  # the connection needs a person: sign in again (or connect) before sending
    TRY_LATER = 5  # the package stopped the work for now (unavailable, its daily limit): run again later


def exit_code_of(error: LedgerlinkError) -> ExitCode:
    """The status for an error, from its type alone: who has to act, and when."""
    if isinstance(error, ReconnectNeeded | AuthExpired):
        return ExitCode.RECONNECT
    if isinstance(error, RateLimited | PackageUnavailable | UncertainOutcome | SendInProgress):
        return ExitCode.TRY_LATER
    return ExitCode.ERROR


_answers_in_json: ContextVar[bool] = ContextVar("answers_in_json", default=False)
_consoles: dict[tuple[str, str | None], Console] = {}


def _console(name: str) -> Console:
    # Rich reads COLUMNS once, when a console is made: one per width asked for keeps a later COLUMNS
    # (a script's, a test's) from being ignored because an earlier command made the console first
    key = (name, os.environ.get("COLUMNS"))
    if key not in _consoles:
        _consoles[key] = Console(stderr=name == "errors", emoji=False)
    return _consoles[key]


class _ConsoleOf:
    """`console` (stdout) and `errors` (stderr) stand for the console of the width COLUMNS asks for now:
    Rich fixes a console's width when it is made, and the commands' modules import these at their own
    import, long before a script (or a test) sets the width it wants."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(_console(self._name), attribute)


console = cast(Console, _ConsoleOf("console"))
errors = cast(Console, _ConsoleOf("errors"))


JsonFlag = Annotated[bool, typer.Option("--json", help="Answer in JSON, for scripts.")]
EncodingOption = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="The file's encoding when it is not UTF-8 and has no byte-order mark, e.g. cp1252 or latin-1.",
    ),
]
CompanyOption = Annotated[
    str,
    typer.Option("--company", "-c", envvar="LEDGERLINK_COMPANY", help="The company's name or slug."),
]

P = ParamSpec("P")
R = TypeVar("R")


def open_store() -> Store:
    """The store the settings name: LEDGERLINK_DATABASE_URL, or SQLite under LEDGERLINK_DATA_DIR."""
    return Store.from_settings(load_settings())


def plain(value: Any) -> Any:
    """A value as JSON can carry it: amounts as exact strings, dates as ISO text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        return plain(asdict(value))
    if isinstance(value, dict):
        return {str(plain(k)): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(item) for item in value]
    return value


def shown(value: object) -> str:
    """Text from a record, a file or a package, to put inside a markup string: shown as written."""
    return escape(str(value))


def cells(*values: RenderableType | object) -> list[RenderableType]:
    """A table row's cells shown as written: text is never read as markup; a styled `Text` stays styled."""
    return [
        value if isinstance(value, Text) else Text("" if value is None else str(value)) for value in values
    ]


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(plain(data), indent=2, ensure_ascii=False))


def emit_error(message: str, code: int, kind: str) -> None:
    """An error as the one JSON document on stdout, for a command answering in JSON."""
    emit_json({"error": {"message": message, "code": int(code), "type": kind}})


def fail(message: str, *, code: int = ExitCode.ERROR, kind: str = "Error") -> typer.Exit:
    """Say what went wrong (and what to do): one line on stderr, or with --json a JSON error on stdout.

    Raise the answer to stop the command; `kind` names the error's type for a script.
    """
    if _answers_in_json.get():
        emit_error(message, code, kind)
    else:
        _console("errors").print(f"[bold red]error:[/] {shown(message)}", highlight=False)
    return typer.Exit(code)


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn ledgerlink's own errors into one readable line (or JSON error) and its exit status, never a
    traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except LedgerlinkError as error:
            raise fail(str(error), code=exit_code_of(error), kind=type(error).__name__) from None

    return wrapper


class CommandLine(TyperGroup):
    """The root command. With `--json` among the arguments, every error is answered in JSON on stdout:
    Typer's own usage errors (which come before any command runs) and unexpected ones too, whose
    traceback still goes to stderr."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        arguments = list(sys.argv[1:] if args is None else args)
        as_json = "--json" in arguments
        answering = _answers_in_json.set(as_json)
        try:
            if not (as_json and standalone_mode):
                return super().main(
                    arguments, prog_name, complete_var, standalone_mode, windows_expand_args, **extra
                )
            try:
                code = super().main(arguments, prog_name, complete_var, False, windows_expand_args, **extra)
            except typer.TyperException as error:  # a usage error, raised by Typer's own copy of Click
                code = getattr(error, "exit_code", ExitCode.USAGE)
                emit_error(error.format_message(), code, type(error).__name__)
            except typer.Abort:
                code = ExitCode.ERROR
                emit_error("aborted", code, "Abort")
            except Exception as error:
                traceback.print_exc()
                code = ExitCode.ERROR
                emit_error(f"unexpected error: {error}", code, type(error).__name__)
            sys.exit(code if isinstance(code, int) else ExitCode.OK)
        finally:
            _answers_in_json.reset(answering)


@contextmanager
def progress_bars(*, enabled: bool = True) -> Iterator[Callable[[str, int], Callable[[int], None]]]:
    """Progress bars for long work; each call adds a task and answers the function that advances it."""
    if not enabled:
        yield lambda _description, _total: lambda _advance: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_console("errors"),
        transient=True,
    ) as progress:

        def add(description: str, total: int) -> Callable[[int], None]:
            task = progress.add_task(description, total=total)
            return lambda advance: progress.advance(task, advance)

        yield add
