"""The web app: the setup wizard and dashboard for people, and the REST API for the job system.

`create_app` is the only way to build it, in production and in tests alike: tests hand in a store and a
runtime whose sandboxes run where the test wants them, and nothing is patched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from ledgerlink.errors import RecordNotFound, StepNotReady
from ledgerlink.services.accounts import session_secret
from ledgerlink.services.runtime import Runtime
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.web import auth, connecting, dashboard, importing, linking, wizard
from ledgerlink.web.api import ApiRefusal
from ledgerlink.web.api import router as api_router
from ledgerlink.web.background import SendJobs
from ledgerlink.web.deps import SignInRequired, WebContext, make_templates, render, sign_in_redirect
from ledgerlink.web.security import SESSION_COOKIE, SecureCookieOnHttps

STATIC = Path(__file__).parent / "static"

DESCRIPTION = """
The job system's way into ledgerlink: create or update records by the job system's own id, read each
record's send state and the package's id for it, list what could not be sent, start a send, and read
where the company stands on its onboarding path.

Every call carries a company's API key: `Authorization: Bearer <key>` (make one with
`ledgerlink api-keys create`). A key sees its own company only; anything else answers 404.
"""


def create_app(store: Store, settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    runtime = runtime or Runtime.from_settings(store, settings)
    context = WebContext(
        store=store,
        settings=settings,
        runtime=runtime,
        sends=SendJobs(runtime),
        templates=make_templates(),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await context.sends.aclose()

    app = FastAPI(
        title="ledgerlink",
        summary="Send a job system's records to an accounting package, exactly once.",
        description=DESCRIPTION,
        version="1",
        lifespan=lifespan,
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
    app.add_middleware(SecureCookieOnHttps)  # added last, so it wraps the session and sees its cookie
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(auth.router)
    app.include_router(wizard.router)
    app.include_router(connecting.router)
    app.include_router(importing.router)
    app.include_router(linking.router)
    app.include_router(dashboard.router)
    app.include_router(api_router)
    _handlers(app, context)
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


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

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if _is_api(request) or request.url.path in ("/docs", "/openapi.json"):
            return JSONResponse(
                {"detail": error.detail}, status_code=error.status_code, headers=error.headers
            )
        title = "Not found" if error.status_code == 404 else "That did not work"
        return render(
            request,
            context,
            "error.html",
            {"title": title, "message": str(error.detail)},
            status_code=error.status_code,
        )


__all__ = ["create_app"]
