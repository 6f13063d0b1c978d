"""Signing in and out, the first administrator on a fresh install, and (for administrators only) the
company's people and API keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from ledgerlink.services.accounts import (
    AccountRefused,
    SignInRefused,
    add_user,
    api_keys_of,
    authenticate,
    create_api_key,
    create_first_administrator,
    needs_first_administrator,
    revoke_api_key,
    users_of,
)
from ledgerlink.services.onboarding import onboarding_state
from ledgerlink.web.deps import Administrator, Context, SignInRequired, get_visitor, redirect, render
from ledgerlink.web.security import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


def _begin_session(request: Request, user_id: int) -> None:
    """A fresh session on sign-in, so a token planted before it is worth nothing after."""
    request.session.clear()
    request.session["user_id"] = user_id


@router.get("/")
def home(request: Request, context: Context) -> Response:
    try:
        visitor = get_visitor(request, context)
    except SignInRequired:
        return redirect("/setup" if needs_first_administrator(context.store) else "/sign-in")
    state = onboarding_state(context.store, visitor.company_id)
    return redirect("/dashboard" if state.current is None else "/wizard")


@router.get("/setup")
def setup_page(request: Request, context: Context) -> Response:
    if not needs_first_administrator(context.store):
        return redirect("/sign-in")
    return render(request, context, "setup.html", {"values": {}, "error": "", "field": ""})


@router.post("/setup")
def setup(
    request: Request,
    context: Context,
    company_name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    if not needs_first_administrator(context.store):
        return redirect("/sign-in")
    try:
        user = create_first_administrator(
            context.store, company_name=company_name, email=email, password=password
        )
    except AccountRefused as refused:
        values = {"company_name": company_name, "email": email}
        return render(
            request,
            context,
            "setup.html",
            {"values": values, "error": str(refused), "field": refused.field},
            status_code=422,
        )
    _begin_session(request, user.id)
    return redirect("/wizard")


@router.get("/sign-in")
def sign_in_page(request: Request, context: Context) -> Response:
    if needs_first_administrator(context.store):
        return redirect("/setup")
    return render(request, context, "sign_in.html", {"email": "", "error": ""})


@router.post("/sign-in")
def sign_in(
    request: Request,
    context: Context,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    try:
        user = authenticate(context.store, email=email, password=password)
    except SignInRefused as refused:
        return render(
            request, context, "sign_in.html", {"email": email, "error": str(refused)}, status_code=401
        )
    _begin_session(request, user.id)
    return redirect("/")


@router.post("/sign-out")
def sign_out(request: Request) -> Response:
    request.session.clear()
    return redirect("/sign-in")


@router.get("/settings/api-keys")
def api_keys_page(request: Request, context: Context, visitor: Administrator) -> Response:
    keys = api_keys_of(context.store, visitor.company_id)
    return render(request, context, "api_keys.html", {"keys": keys, "new_key": None}, visitor=visitor)


@router.post("/settings/api-keys")
def api_key_create(
    request: Request, context: Context, visitor: Administrator, name: Annotated[str, Form()] = ""
) -> Response:
    made = create_api_key(context.store, visitor.company_id, name=name)
    keys = api_keys_of(context.store, visitor.company_id)
    return render(request, context, "api_keys.html", {"keys": keys, "new_key": made}, visitor=visitor)


@router.post("/settings/api-keys/{key_id}/revoke")
def api_key_revoke(request: Request, context: Context, visitor: Administrator, key_id: int) -> Response:
    revoke_api_key(context.store, visitor.company_id, str(key_id))
    return redirect("/settings/api-keys")


def _people(
    request: Request,
    context: Context,
    visitor: Administrator,
    *,
    error: str = "",
    field: str = "",
    **values: str,
) -> Response:
    people = users_of(context.store, visitor.company_id)
    return render(
        request,
        context,
        "users.html",
        {"people": people, "error": error, "field": field, "values": values},
        visitor=visitor,
        status_code=422 if error else 200,
    )


@router.get("/settings/users")
def users_page(request: Request, context: Context, visitor: Administrator) -> Response:
    return _people(request, context, visitor)


@router.post("/settings/users")
def user_add(
    request: Request,
    context: Context,
    visitor: Administrator,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    is_admin: Annotated[bool, Form()] = False,
) -> Response:
    try:
        user = add_user(
            context.store, visitor.company, email=email, password=password, name=name, is_admin=is_admin
        )
    except AccountRefused as refused:
        return _people(
            request, context, visitor, error=str(refused), field=refused.field, email=email, name=name
        )
    return redirect("/settings/users", flash=f"{user.email} can now sign in.", request=request)
