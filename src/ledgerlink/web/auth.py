"""Signing in and out, the first administrator on a fresh install, and (for administrators only) the
company's people and API keys."""

from __future__ import annotations

from functools import partial
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from ledgerlink.services.access import (
    AccountRefused,
    SignInRefused,
    add_user,
    api_keys_of,
    authenticate,
    change_password,
    create_api_key,
    create_first_administrator,
    needs_first_administrator,
    revoke_api_key,
    sign_out,
    users_of,
)
from ledgerlink.services.onboarding.steps import onboarding_state
from ledgerlink.services.passwords import HASHING_AT_ONCE, HASHING_WAIT, PasswordWorkBusy
from ledgerlink.services.sign_in_throttle import SignInThrottled
from ledgerlink.store import User
from ledgerlink.web.deps import (
    Administrator,
    Context,
    CurrentVisitor,
    RowId,
    SignInRequired,
    WebContext,
    get_visitor,
    redirect,
    render,
)
from ledgerlink.web.security import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


def _begin_session(request: Request, user: User) -> None:
    """A fresh session on sign-in, so a token planted before it is worth nothing after; it holds the
    person's session version, which signing out or a new password moves on."""
    request.session.clear()
    request.session["user_id"] = user.id
    request.session["session_version"] = user.session_version


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
    _begin_session(request, user)
    return redirect("/wizard")


@router.get("/sign-in")
def sign_in_page(request: Request, context: Context) -> Response:
    if needs_first_administrator(context.store):
        return redirect("/setup")
    return render(request, context, "sign_in.html", {"email": "", "error": ""})


async def _authenticate(context: WebContext, *, email: str, password: str, address: str) -> User:
    """`authenticate` in a worker thread, once one of the app's turns to hash is free.

    Waiting for a turn happens here, on the event loop: a burst of sign-ins waiting in worker threads
    would hold the threads every other page needs.
    """
    if context.password_turns is None:
        context.password_turns = anyio.CapacityLimiter(HASHING_AT_ONCE)
    with anyio.move_on_after(HASHING_WAIT) as waiting:
        await context.password_turns.acquire()
    if waiting.cancelled_caught:
        raise PasswordWorkBusy("too many sign-ins at once; try again in a moment")
    try:
        return await anyio.to_thread.run_sync(
            partial(
                authenticate,
                context.store,
                email=email,
                password=password,
                address=address,
                now=context.clock(),
            )
        )
    finally:
        context.password_turns.release()


@router.post("/sign-in")
async def sign_in(
    request: Request,
    context: Context,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    address = request.client.host if request.client else ""
    try:
        user = await _authenticate(context, email=email, password=password, address=address)
    except SignInRefused as refused:
        return render(
            request, context, "sign_in.html", {"email": email, "error": str(refused)}, status_code=401
        )
    except SignInThrottled as throttled:
        page = render(
            request, context, "sign_in.html", {"email": email, "error": str(throttled)}, status_code=429
        )
        page.headers["Retry-After"] = str(throttled.retry_after)
        return page
    _begin_session(request, user)
    return redirect("/")


@router.post("/sign-out")
def sign_out_page(request: Request, context: Context) -> Response:
    """Ends every session of the person, so a copy of this cookie opens nothing either."""
    try:
        visitor = get_visitor(request, context)
    except SignInRequired:
        pass
    else:
        sign_out(context.store, visitor.user.id)
    request.session.clear()
    return redirect("/sign-in")


@router.get("/settings/password")
def password_page(request: Request, context: Context, visitor: CurrentVisitor) -> Response:
    return render(request, context, "password.html", {"error": "", "field": ""}, visitor=visitor)


@router.post("/settings/password")
def password_change(
    request: Request,
    context: Context,
    visitor: CurrentVisitor,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
) -> Response:
    try:
        user = change_password(
            context.store,
            visitor.user,
            current=current_password,
            new=new_password,
            company_name=visitor.company.name,
        )
    except AccountRefused as refused:
        values = {"error": str(refused), "field": refused.field}
        return render(request, context, "password.html", values, visitor=visitor, status_code=422)
    _begin_session(request, user)
    return redirect(
        "/settings/password",
        flash="Your password is changed; anywhere else you were signed in, you are signed out.",
        request=request,
    )


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
def api_key_revoke(request: Request, context: Context, visitor: Administrator, key_id: RowId) -> Response:
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
