"""What every command shares: the store from settings, `--json` answers, one Rich console, plain errors."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ledgerlink.errors import LedgerlinkError
from ledgerlink.settings import load_settings
from ledgerlink.store import Store

console = Console()
errors = Console(stderr=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Answer in JSON, for scripts.")]
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


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(plain(data), indent=2, ensure_ascii=False))


def fail(message: str, *, code: int = 1) -> typer.Exit:
    """Say what went wrong (and what to do) on stderr; raise the answer to stop the command."""
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn ledgerlink's own errors into one readable line and exit status 1, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except LedgerlinkError as error:
            raise fail(str(error)) from None

    return wrapper


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
        console=errors,
        transient=True,
    ) as progress:

        def add(description: str, total: int) -> Callable[[int], None]:
            task = progress.add_task(description, total=total)
            return lambda advance: progress.advance(task, advance)

        yield add
