"""`ledgerlink link ...`: link the customers and suppliers the package already has, before the first send.

`link customers` (or `suppliers`) reads the package's contacts, links the sure matches and says what is
left; `link review` shows the doubtful ones side by side; `accept`, `reject`, `set`, `create-new`,
`leave` and `unlink` decide; `export` and `import-decisions` do the same through a spreadsheet; `done`
completes the onboarding step once every record is decided.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from ledgerlink.cli.common import (
    CompanyOption,
    EncodingOption,
    ExitCode,
    JsonFlag,
    cells,
    console,
    emit_json,
    fail,
    open_store,
    reports_errors,
    shown,
)
from ledgerlink.cli.connection import company_of, open_connectors
from ledgerlink.errors import LedgerlinkError, RecordNotFound
from ledgerlink.services.linking.proposals import (
    LinkingSummary,
    LinkProgress,
    PartyKind,
    finish_step,
    link_progress,
    party_kinds_of,
    run_linking,
)
from ledgerlink.services.linking.review import (
    DecisionName,
    ReviewItem,
    accept_sure,
    decide,
    export_csv,
    history,
    import_csv,
    resolve_contact,
    review_items,
    search_contacts,
)
from ledgerlink.store import Store

link_app = typer.Typer(
    help="Link the customers and suppliers the package already has, so sending makes no duplicates.",
    no_args_is_help=True,
)

KindOption = Annotated[
    str | None, typer.Option("--kind", "-k", help="customer or supplier (found from the id when not given).")
]
Ids = Annotated[list[str], typer.Argument(help="The jobs-side ids (source_id) of the records.")]
By = Annotated[str, typer.Option("--by", help="Who decided, kept with the decision.")]


def _kind_option(value: str | None) -> PartyKind | None:
    if value is None:
        return None
    if value in ("customer", "customers"):
        return "customer"
    if value in ("supplier", "suppliers"):
        return "supplier"
    raise typer.BadParameter("choose customer or supplier", param_hint="--kind")


def _kind_of(store: Store, company_id: int, source_id: str, given: PartyKind | None) -> PartyKind:
    """The record's kind as given, or the one kind that has a record with this id."""
    if given is not None:
        return given
    found = party_kinds_of(store, company_id, source_id)
    if not found:
        raise RecordNotFound(f"there is no customer or supplier {source_id!r} on the jobs side")
    if len(found) > 1:
        raise RecordNotFound(f"{source_id!r} is both a customer and a supplier: say which with --kind")
    return found[0]


def _progress_json(progress: LinkProgress) -> dict[str, Any]:
    return {
        "kind": progress.kind,
        "total": progress.total,
        "linked": progress.linked,
        "create_new": progress.create_new,
        "left": progress.left,
        "review": progress.review,
        "unmatched": progress.unmatched,
        "step_done": progress.step_done,
        "can_finish": progress.can_finish,
    }


def _progress_line(progress: LinkProgress) -> str:
    return (
        f"{progress.total} {progress.kind}s: {progress.linked} linked, {progress.create_new} to be created new, "
        f"{progress.left} left for review, {progress.review + progress.unmatched} still to decide"
    )


def _summary_json(summary: LinkingSummary) -> dict[str, Any]:
    return {
        "kind": summary.kind,
        "contacts_read": summary.contacts_read,
        "records": summary.records,
        "bands": summary.counts(),
        "already_linked": summary.already_linked,
        "linked_now": [
            {
                "source_id": pair.source_id,
                "package_id": pair.package_id,
                "jobs_name": pair.jobs_name,
                "package_name": pair.package_name,
                "score": round(pair.score, 4),
                "reasons": list(pair.reasons),
            }
            for pair in summary.linked_now
        ],
        "conflicts": list(summary.conflicts),
        "progress": _progress_json(summary.progress),
    }


def _run(company: str, kind: PartyKind, auto: bool, as_json: bool) -> None:
    store, connectors = open_connectors()
    found = company_of(store, company)
    summary = asyncio.run(run_linking(connectors, found.id, kind, auto=auto))
    if as_json:
        emit_json(_summary_json(summary))
        return
    console.print(
        f"Read {summary.contacts_read} package contacts; matched {summary.records} {kind}s: "
        f"[green]{summary.sure} sure[/], [yellow]{summary.likely} likely[/], {summary.none} none "
        f"({summary.already_linked} were linked already)."
    )
    if summary.linked_now:
        table = Table(title=f"Linked now ({len(summary.linked_now)})")
        for column in ("id", "jobs side", "package", "score", "why"):
            table.add_column(column)
        for pair in summary.linked_now:
            table.add_row(
                *cells(
                    pair.source_id,
                    pair.jobs_name,
                    f"{pair.package_name} ({pair.package_id})",
                    f"{pair.score:.2f}",
                    "; ".join(pair.reasons),
                )
            )
        console.print(table)
    elif not auto and summary.sure:
        console.print(f"{summary.sure} sure matches wait: `ledgerlink link accept-sure` links them.")
    for conflict in summary.conflicts:
        console.print(f" [red]✗[/] {shown(conflict)}")
    console.print(_progress_line(summary.progress))
    if summary.progress.open:
        console.print(
            "Next: `ledgerlink link review`, then decide each; `ledgerlink link done` when all are."
        )
    else:
        console.print(f"Next: `ledgerlink link done --kind {kind}`.")


NoAuto = Annotated[bool, typer.Option("--no-auto", help="Link nothing yet: every match waits for a person.")]


@link_app.command("customers")
@reports_errors
def customers(company: CompanyOption = "demo", no_auto: NoAuto = False, as_json: JsonFlag = False) -> None:
    """Read the package's contacts, match the customers, link the sure matches."""
    _run(company, "customer", not no_auto, as_json)


@link_app.command("suppliers")
@reports_errors
def suppliers(company: CompanyOption = "demo", no_auto: NoAuto = False, as_json: JsonFlag = False) -> None:
    """Read the package's contacts, match the suppliers, link the sure matches."""
    _run(company, "supplier", not no_auto, as_json)


def _item_json(item: ReviewItem) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "source_id": item.source_id,
        "status": item.status,
        "jobs": item.jobs.__dict__,
        "package": item.package.__dict__ if item.package else None,
        "score": item.score,
        "band": item.band,
        "reasons": list(item.reasons),
    }


@link_app.command("review")
@reports_errors
def review(
    company: CompanyOption = "demo",
    kind: KindOption = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Every record, linked and decided ones too.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """The records waiting for a person, each beside the package contact proposed for it, with the reasons."""
    store = open_store()
    found = company_of(store, company)
    statuses = ("linked", "create_new", "left", "review", "unmatched") if show_all else ("review", "left")
    items = review_items(store, found.id, _kind_option(kind), statuses=statuses)  # type: ignore[arg-type]
    if as_json:
        emit_json([_item_json(item) for item in items])
        return
    if not items:
        console.print("Nothing waits for review.")
        return
    table = Table(title=f"To review ({len(items)})", show_lines=True)
    for column in ("id", "jobs side", "package", "score", "why", "status"):
        table.add_column(column)
    for item in items:
        jobs = "\n".join(part for part in (item.jobs.name, item.jobs.address, item.jobs.email) if part)
        package = (
            "\n".join(
                part
                for part in (
                    f"{item.package.name} ({item.package.id})",
                    item.package.address,
                    item.package.email,
                )
                if part
            )
            if item.package
            else "-"
        )
        table.add_row(
            *cells(
                f"{item.kind} {item.source_id}",
                jobs,
                package,
                f"{item.score:.2f}" if item.score is not None else "",
                "\n".join(item.reasons),
                item.status if item.status != "review" else item.band,
            )
        )
    console.print(table)
    console.print(
        "Decide with `ledgerlink link accept|reject|create-new|leave ID...` or `link set ID PACKAGE_ID`."
    )


def _decide_many(
    company: str,
    ids: list[str],
    decision: DecisionName,
    kind: str | None,
    as_json: bool,
    *,
    package_id: str = "",
    by: str = "",
) -> None:
    store = open_store()
    found = company_of(store, company)
    given = _kind_option(kind)
    results: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    for source_id in ids:
        try:
            outcome = decide(
                store,
                found.id,
                _kind_of(store, found.id, source_id, given),
                source_id,
                decision,
                package_id=package_id,
                decided_by=by,
            )
        except LedgerlinkError as error:
            errors.append({"source_id": source_id, "error": str(error)})
            continue
        results.append(
            {
                "kind": outcome.kind,
                "source_id": outcome.source_id,
                "decision": outcome.decision,
                "package_id": outcome.package_id or None,
                "changed": outcome.changed,
                "message": outcome.message,
            }
        )
    if as_json:
        emit_json({"results": results, "errors": errors})
    else:
        for result in results:
            mark = "[green]✓[/]" if result["changed"] else "·"
            console.print(f"{mark} {shown(result['message'])}")
    if errors:
        if not as_json:
            for problem in errors:
                console.print(f"[red]✗[/] {shown(problem['error'])}")
        raise typer.Exit(ExitCode.NEEDS_ATTENTION)


@link_app.command("accept")
@reports_errors
def accept(
    ids: Ids, company: CompanyOption = "demo", kind: KindOption = None, by: By = "", as_json: JsonFlag = False
) -> None:
    """Link each record to the package contact proposed for it."""
    _decide_many(company, ids, "accept", kind, as_json, by=by)


@link_app.command("reject")
@reports_errors
def reject(
    ids: Ids,
    company: CompanyOption = "demo",
    kind: KindOption = None,
    package: Annotated[
        str, typer.Option("--package", help="The package id rejected (default: the proposal).")
    ] = "",
    by: By = "",
    as_json: JsonFlag = False,
) -> None:
    """Not the same: the proposed pair is never proposed again."""
    _decide_many(company, ids, "reject", kind, as_json, package_id=package, by=by)


@link_app.command("create-new")
@reports_errors
def create_new(
    ids: Ids, company: CompanyOption = "demo", kind: KindOption = None, by: By = "", as_json: JsonFlag = False
) -> None:
    """Not in the package: create each record there on send."""
    _decide_many(company, ids, "create_new", kind, as_json, by=by)


@link_app.command("leave")
@reports_errors
def leave(
    ids: Ids, company: CompanyOption = "demo", kind: KindOption = None, by: By = "", as_json: JsonFlag = False
) -> None:
    """Deliberately leave each record for review; it no longer holds the step back."""
    _decide_many(company, ids, "leave", kind, as_json, by=by)


@link_app.command("unlink")
@reports_errors
def unlink(
    ids: Ids, company: CompanyOption = "demo", kind: KindOption = None, by: By = "", as_json: JsonFlag = False
) -> None:
    """Remove each record's link (kept in the history); the pair is not proposed again by itself."""
    _decide_many(company, ids, "unlink", kind, as_json, by=by)


@link_app.command("set")
@reports_errors
def set_command(
    source_id: Annotated[str, typer.Argument(help="The jobs-side id.")],
    package: Annotated[
        str, typer.Argument(help="The package contact: its id, or a text that finds exactly one.")
    ],
    company: CompanyOption = "demo",
    kind: KindOption = None,
    by: By = "",
    as_json: JsonFlag = False,
) -> None:
    """Link a record by hand to a package contact."""
    store = open_store()
    found = company_of(store, company)
    record_kind = _kind_of(store, found.id, source_id, _kind_option(kind))
    package_id = resolve_contact(store, found.id, record_kind, package)
    _decide_many(company, [source_id], "manual", record_kind, as_json, package_id=package_id, by=by)


@link_app.command("search")
@reports_errors
def search(
    text: Annotated[str, typer.Argument(help="A name, email, reference, postcode, phone or package id.")],
    company: CompanyOption = "demo",
    kind: KindOption = None,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 20,
    as_json: JsonFlag = False,
) -> None:
    """Find package contacts (as last read) to link by hand."""
    store = open_store()
    found = company_of(store, company)
    hits = search_contacts(store, found.id, text, kind=_kind_option(kind), limit=limit)
    if as_json:
        emit_json(
            [
                {
                    **hit.contact.__dict__,
                    "is_customer": hit.is_customer,
                    "is_supplier": hit.is_supplier,
                    "linked_to": list(hit.linked_to),
                }
                for hit in hits
            ]
        )
        return
    if not hits:
        console.print(f"No package contact matches {shown(repr(text))}.")
        return
    table = Table(title=Text(f"Package contacts matching {text!r}"))
    for column in ("package id", "name", "address", "email", "reference", "linked to"):
        table.add_column(column)
    for hit in hits:
        c = hit.contact
        table.add_row(*cells(c.id, c.name, c.address, c.email, c.reference, ", ".join(hit.linked_to) or "-"))
    console.print(table)


@link_app.command("accept-sure")
@reports_errors
def accept_sure_command(
    company: CompanyOption = "demo", kind: KindOption = None, by: By = "", as_json: JsonFlag = False
) -> None:
    """Link every sure match still waiting (after `link customers --no-auto`)."""
    store = open_store()
    found = company_of(store, company)
    report = accept_sure(store, found.id, _kind_option(kind), decided_by=by)
    if as_json:
        emit_json(
            {
                "linked": [
                    {
                        "source_id": p.source_id,
                        "package_id": p.package_id,
                        "jobs_name": p.jobs_name,
                        "package_name": p.package_name,
                    }
                    for p in report.linked
                ],
                "conflicts": list(report.conflicts),
            }
        )
        return
    console.print(f"[green]✓[/] {len(report.linked)} sure matches linked.")
    for pair in report.linked:
        console.print(
            shown(f" · {pair.source_id} {pair.jobs_name} → {pair.package_name} ({pair.package_id})")
        )
    for conflict in report.conflicts:
        console.print(f" [red]✗[/] {shown(conflict)}")


@link_app.command("history")
@reports_errors
def history_command(
    source_id: Annotated[str, typer.Argument(help="The jobs-side id.")],
    company: CompanyOption = "demo",
    kind: KindOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Every decision about one record, oldest first."""
    store = open_store()
    found = company_of(store, company)
    decisions = history(store, found.id, _kind_of(store, found.id, source_id, _kind_option(kind)), source_id)
    if as_json:
        emit_json(
            [
                {
                    "decision": d.decision,
                    "package_id": d.package_id or None,
                    "decided_by": d.decided_by or None,
                    "decided_at": d.decided_at,
                    "note": d.note or None,
                }
                for d in decisions
            ]
        )
        return
    if not decisions:
        console.print(f"No decision about {shown(source_id)} yet.")
    for d in decisions:
        who = f" by {d.decided_by}" if d.decided_by else ""
        target = f" {d.package_id}" if d.package_id else ""
        console.print(shown(f"{d.decided_at:%Y-%m-%d %H:%M} {d.decision.replace('_', ' ')}{target}{who}"))


@link_app.command("status")
@reports_errors
def status(company: CompanyOption = "demo", as_json: JsonFlag = False) -> None:
    """How many customers and suppliers are linked, to be created, left, or still to decide."""
    store = open_store()
    found = company_of(store, company)
    progress = [link_progress(store, found.id, kind) for kind in ("customer", "supplier")]
    if as_json:
        emit_json([_progress_json(p) for p in progress])
        return
    for p in progress:
        done = " [green](step done)[/]" if p.step_done else ""
        console.print(_progress_line(p) + done)


@link_app.command("done")
@reports_errors
def done(
    kind: Annotated[str, typer.Option("--kind", "-k", help="customer or supplier")],
    company: CompanyOption = "demo",
    as_json: JsonFlag = False,
) -> None:
    """Complete the linking step; refused while any record is neither linked, create new, nor left."""
    store = open_store()
    found = company_of(store, company)
    chosen = _kind_option(kind)
    assert chosen is not None
    progress = finish_step(store, found.id, chosen)
    if as_json:
        emit_json(_progress_json(progress))
        return
    console.print(f"[green]✓[/] linking {chosen}s is done. {_progress_line(progress)}")


@link_app.command("export")
@reports_errors
def export(
    path: Annotated[Path, typer.Argument(help="The CSV file to write.")],
    company: CompanyOption = "demo",
    kind: KindOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Write the records not linked yet to a spreadsheet, with an empty decision column to fill in."""
    store = open_store()
    found = company_of(store, company)
    rows = export_csv(store, found.id, path, kind=_kind_option(kind))
    if as_json:
        emit_json({"path": str(path), "rows": rows})
        return
    console.print(
        f"[green]✓[/] {rows} rows written to {shown(path)}. Fill in the decision column (accept, reject, create-new, "
        "link:<package id> or leave), then `ledgerlink link import-decisions`."
    )


@link_app.command("import-decisions")
@reports_errors
def import_decisions(
    path: Annotated[Path, typer.Argument(help="The CSV file with the decision column filled in.")],
    company: CompanyOption = "demo",
    by: By = "",
    encoding: EncodingOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Apply each row's decision; bad rows are reported with their line and stop no other row."""
    if not path.exists():
        raise fail(f"there is no file {path}")
    store = open_store()
    found = company_of(store, company)
    report = import_csv(store, found.id, path, decided_by=by, encoding=encoding)
    if as_json:
        emit_json(
            {
                "applied": report.applied,
                "unchanged": report.unchanged,
                "skipped": report.skipped,
                "problems": [{"line": p.line, "message": p.message} for p in report.problems],
            }
        )
    else:
        console.print(
            f"{report.applied} decisions applied, {report.unchanged} unchanged, {report.skipped} rows left blank."
        )
        for problem in report.problems:
            console.print(f" [red]✗[/] line {problem.line}: {shown(problem.message)}")
    if report.problems:
        raise typer.Exit(ExitCode.NEEDS_ATTENTION)


def register(app: typer.Typer) -> None:
    app.add_typer(link_app, name="link")
