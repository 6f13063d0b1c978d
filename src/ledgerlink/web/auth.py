"""Signing in and out, the first administrator on a fresh install, and the company's API keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from ledgerlink.services.accounts import (
    AccountRefused,
    SignInRefused,
    api_keys_of,
    authenticate,
    create_api_key,
    create_first_administrator,
    needs_first_administrator,
    revoke_api_key,
)
from ledgerlink.services.onboarding import onboarding_state
from ledgerlink.web.deps import Context, CurrentVisitor, SignInRequired, get_visitor, redirect, render
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
def api_keys_page(request: Request, context: Context, visitor: CurrentVisitor) -> Response:
    keys = api_keys_of(context.store, visitor.company_id)
    return render(request, context, "api_keys.html", {"keys": keys, "new_key": None}, visitor=visitor)


@router.post("/settings/api-keys")
def api_key_create(
    request: Request, context: Context, visitor: CurrentVisitor, name: Annotated[str, Form()] = ""
) -> Response:
    made = create_api_key(context.store, visitor.company_id, name=name)
    keys = api_keys_of(context.store, visitor.company_id)
    return render(request, context, "api_keys.html", {"keys": keys, "new_key": made}, visitor=visitor)


@router.post("/settings/api-keys/{key_id}/revoke")
def api_key_revoke(request: Request, context: Context, visitor: CurrentVisitor, key_id: int) -> Response:
    revoke_api_key(context.store, visitor.company_id, str(key_id))
    return redirect("/settings/api-keys")
