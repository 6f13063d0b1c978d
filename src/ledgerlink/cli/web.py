"""`ledgerlink serve`, `ledgerlink users add` and `ledgerlink api-keys create|list|revoke`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from ledgerlink.cli.common import (
    CompanyOption,
    JsonFlag,
    cells,
    console,
    emit_json,
    open_store,
    reports_errors,
    shown,
)
from ledgerlink.services.access import add_user, api_keys_of, company_named, create_api_key, revoke_api_key
from ledgerlink.settings import load_settings
from ledgerlink.store import Store

users = typer.Typer(help="People who sign in to the web app.", no_args_is_help=True)
api_keys = typer.Typer(help="Keys the job system calls the REST API with.", no_args_is_help=True)


def serve_app(store: Store, *, host: str, port: int) -> None:
    """Run the web app in the foreground until interrupted."""
    from ledgerlink.web import create_app
    from ledgerlink.web.serving import server

    server(create_app(store, load_settings()), host=host, port=port).run()


@reports_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8700,
) -> None:
    """Start the setup wizard, dashboard and REST API in the browser."""
    store = open_store()
    console.print(f"ledgerlink is at http://{host}:{port}/ (API documentation at /docs). Ctrl+C stops it.")
    serve_app(store, host=host, port=port)


@reports_errors
def users_add(
    email: Annotated[str, typer.Argument(help="The person's email; they sign in with it.")],
    company: CompanyOption = "demo",
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters."),
    ] = "",
    name: Annotated[str, typer.Option(help="The person's name.")] = "",
    admin: Annotated[bool, typer.Option("--admin", help="May manage users and API keys.")] = False,
) -> None:
    """Let someone sign in to a company's pages."""
    store = open_store()
    found = company_named(store, company)
    user = add_user(store, found, email=email, password=password, name=name, is_admin=admin)
    console.print(f"[green]✓[/] {shown(user.email)} can sign in to {shown(found.name)}.")


@reports_errors
def keys_create(
    company: CompanyOption = "demo",
    name: Annotated[str, typer.Option(help="What the key is for.")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Make an API key; it is shown this once and only its hash is kept."""
    store = open_store()
    found = company_named(store, company)
    made = create_api_key(store, found.id, name=name)
    if as_json:
        emit_json({"id": made.key.id, "prefix": made.key.prefix, "name": made.key.name, "key": made.plain})
        return
    console.print(f"API key for {shown(found.name)} (shown once, copy it now):")
    typer.echo(made.plain)


@reports_errors
def keys_list(company: CompanyOption = "demo", as_json: JsonFlag = False) -> None:
    """A company's API keys: prefix, name, when made and last used, revoked or not."""
    store = open_store()
    found = company_named(store, company)
    keys = api_keys_of(store, found.id)
    if as_json:
        emit_json(
            [
                {
                    "id": k.id,
                    "prefix": k.prefix,
                    "name": k.name,
                    "created_at": k.created_at,
                    "last_used_at": k.last_used_at,
                    "revoked_at": k.revoked_at,
                }
                for k in keys
            ]
        )
        return
    table = Table(
        "id", "starts", "name", "made", "last used", "state", title=Text(found.name), title_justify="left"
    )
    for k in keys:
        table.add_row(
            *cells(
                k.id,
                f"ll_{k.prefix}_…",
                k.name or "-",
                f"{k.created_at:%Y-%m-%d}",
                f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "never",
                "active" if k.active else "revoked",
            )
        )
    console.print(table)


@reports_errors
def keys_revoke(
    key: Annotated[str, typer.Argument(help="The key's id or prefix (from `api-keys list`).")],
    company: CompanyOption = "demo",
) -> None:
    """Revoke an API key at once; calls made with it answer 401 from now on."""
    store = open_store()
    found = company_named(store, company)
    revoked = revoke_api_key(store, found.id, key)
    console.print(shown(f"Revoked ll_{revoked.prefix}_… ({revoked.name or 'unnamed'})."))


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    users.command("add")(users_add)
    api_keys.command("create")(keys_create)
    api_keys.command("list")(keys_list)
    api_keys.command("revoke")(keys_revoke)
    app.add_typer(users, name="users")
    app.add_typer(api_keys, name="api-keys")
