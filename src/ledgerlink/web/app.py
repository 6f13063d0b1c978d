"""The web app: the setup wizard and dashboard for people, and the REST API for the job system.

`create_app` is the only way to build it, in production and in tests alike: tests hand in a store and a
connectors whose sandboxes run where the test wants them, and nothing is patched.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Match

from ledgerlink.errors import RecordNotFound, StepNotReady
from ledgerlink.services.access import session_secret
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.inline_schedule import LOOK_EVERY_SECONDS, send_on_schedule
from ledgerlink.services.passwords import PasswordWorkBusy
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.web import (
    auth,
    connecting,
    consents,
    dashboard,
    from_package,
    held_back,
    importing,
    linking,
    open_items,
    wizard,
)
from ledgerlink.web.api import ApiRefusal
from ledgerlink.web.api import router as api_router
from ledgerlink.web.background import SendJobs
from ledgerlink.web.deps import SignInRequired, WebContext, make_templates, render, sign_in_redirect
from ledgerlink.web.errors import printable
from ledgerlink.web.security import SESSION_COOKIE, SecureCookieOnHttps, SecurityHeaders

STATIC = Path(__file__).parent / "static"

DESCRIPTION = """
The job system's way into ledgerlink: create or update records by the job system's own id, read each
record's send state and the package's id for it, list what could not be sent, start a send, and read
where the company stands on its onboarding path.

Every call carries a company's API key: `Authorization: Bearer <key>` (make one with
`ledgerlink api-keys create`). A key sees its own company only; anything else answers 404.
"""


def create_app(
    store: Store,
    settings: Settings,
    connectors: ConnectorFactory | None = None,
    *,
    inline_every: float = LOOK_EVERY_SECONDS,
) -> FastAPI:
    """The web app; on SQLite it also sends for automatic connections, looking every `inline_every`
    seconds (0: never)."""
    connectors = connectors or ConnectorFactory.from_settings(store, settings)
    context = WebContext(
        store=store,
        settings=settings,
        connectors=connectors,
        sends=SendJobs(connectors),
        templates=make_templates(),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # SQLite has no worker: this process sends for automatic connections (inline_schedule.py)
        schedule = (
            asyncio.create_task(send_on_schedule(store, context.sends.start, every=inline_every))
            if store.dialect == "sqlite" and inline_every
            else None
        )
        yield
        if schedule is not None:
            schedule.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await schedule
        await context.sends.aclose()

    app = FastAPI(
        title="ledgerlink",
        summary="Send a job system's records to an accounting package, exactly once.",
        description=DESCRIPTION,
        version="1",
        lifespan=lifespan,
        docs_url=None,  # served below, without the inline script FastAPI's page has
        redoc_url=None,
    )
    app.state.web = context
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie=SESSION_COOKIE,
        max_age=12 * 60 * 60,
        same_site="lax",
        https_only=False,  # SecureCookieOnHttps adds Secure whenever the request is HTTPS
    )
    app.add_middleware(SecureCookieOnHttps)  # added after the session, so it wraps it and sees its cookie
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(auth.router)
    app.include_router(wizard.router)
    app.include_router(consents.router)
    app.include_router(open_items.router)
    app.include_router(connecting.router)
    app.include_router(importing.router)
    app.include_router(linking.router)
    app.include_router(dashboard.router)
    app.include_router(held_back.router)
    app.include_router(from_package.router)
    app.include_router(api_router)

    @app.get("/docs", include_in_schema=False)
    def api_docs(request: Request) -> Response:
        return context.templates.TemplateResponse(request, "api_docs.html", {"openapi_url": app.openapi_url})

    _handlers(app, context)
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _allowed_methods(request: Request) -> str:
    """Every method some route takes at this path: a path served by two routes (`GET` and `POST
    /api/v1/send`) would otherwise name only the first one's in a 405's `Allow`."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        match, _ = route.route.matches(request.scope)
        if match != Match.NONE:
            methods.update(route.methods or ())
    return ", ".join(sorted(methods))


def _handlers(app: FastAPI, context: WebContext) -> None:
    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, error: SignInRequired) -> Response:
        return sign_in_redirect(request, context)

    @app.exception_handler(ApiRefusal)
    async def refused(request: Request, error: ApiRefusal) -> Response:
        return error.response

    @app.exception_handler(RecordNotFound)
    async def not_found(request: Request, error: RecordNotFound) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": str(error)}, status_code=404)
        return render(
            request, context, "error.html", {"title": "Not found", "message": str(error)}, status_code=404
        )

    @app.exception_handler(StepNotReady)
    async def not_ready(request: Request, error: StepNotReady) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": str(error), "missing": list(error.missing)}, status_code=409)
        return render(
            request, context, "error.html", {"title": "Not yet", "message": str(error)}, status_code=409
        )

    @app.exception_handler(PasswordWorkBusy)
    async def busy(request: Request, error: PasswordWorkBusy) -> Response:
        page = render(
            request, context, "error.html", {"title": "Busy", "message": str(error)}, status_code=503
        )
        page.headers["Retry-After"] = str(error.retry_after)
        return page

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        """Each problem names its field; the values refused are echoed only as JSON can carry them."""
        problems = printable(list(error.errors()))
        if _is_api(request):
            return JSONResponse({"detail": problems}, status_code=422)
        message = "; ".join(
            f"{' '.join(str(part) for part in problem['loc'][1:])}: {problem['msg']}" for problem in problems
        )
        return render(
            request,
            context,
            "error.html",
            {"title": "That did not work", "message": message},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
        if _is_api(request) or request.url.path in ("/docs", "/openapi.json"):
            return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=headers)
        title = "Not found" if error.status_code == 404 else "That did not work"
        page = render(
            request,
            context,
            "error.html",
            {"title": title, "message": str(error.detail)},
            status_code=error.status_code,
        )
        page.headers.update(headers)
        return page


__all__ = ["create_app"]
