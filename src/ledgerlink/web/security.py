"""What keeps a browser session honest: the Secure cookie flag on HTTPS, a CSRF token on every form, and
the headers that tell the browser what a page may do.

The session cookie is signed (Starlette's SessionMiddleware), HttpOnly and SameSite=Lax. Whether it is
Secure depends on the request: over HTTPS (directly, or behind a proxy that says so through
X-Forwarded-Proto, which uvicorn's proxy headers turn into the request's scheme) it is, and on plain
http://127.0.0.1 during setup it cannot be, or the browser would drop it.
"""

from __future__ import annotations

import secrets

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "ledgerlink_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Scripts, styles and everything else come from the app itself: no inline script or event handler, no
# eval (HTMX is told so in base.html), no plugin, and no page of another site may frame ours. Forms are
# not limited, since connecting sends the person on to the package's own sign-in page.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
# The API's interactive documentation runs Swagger UI from its CDN, as FastAPI serves it.
SWAGGER_CDN = "https://cdn.jsdelivr.net"
DOCS_CONTENT_SECURITY_POLICY = (
    f"default-src 'self'; script-src 'self' {SWAGGER_CDN}; style-src 'self' {SWAGGER_CDN}; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeaders:
    """Adds the content security policy and the other security headers to every answer."""

    def __init__(self, app: ASGIApp, *, docs_path: str = "/docs") -> None:
        self.app = app
        self.docs_path = docs_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_CONTENT_SECURITY_POLICY if scope["path"] == self.docs_path else CONTENT_SECURITY_POLICY

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"content-security-policy"
                ]
                headers.append((b"content-security-policy", policy.encode()))
                headers.extend(SECURITY_HEADERS)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class SecureCookieOnHttps:
    """Adds `Secure` to the session cookie when the request came over HTTPS."""

    def __init__(self, app: ASGIApp, *, cookie: str = SESSION_COOKIE) -> None:
        self.app = app
        self.cookie = cookie.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = []
                for name, value in message.get("headers", []):
                    if (
                        name.lower() == b"set-cookie"
                        and value.startswith(self.cookie + b"=")
                        and b"secure" not in value.lower()
                    ):
                        value += b"; secure"
                    headers.append((name, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, secured)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Every unsafe request from a page must carry the session's token (form field or HTMX header)."""
    if request.method not in UNSAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        form = await request.form()
        value = form.get(CSRF_FIELD, "")
        sent = value if isinstance(value, str) else ""
    if not isinstance(expected, str) or not expected or not secrets.compare_digest(sent, expected):
        raise HTTPException(
            status_code=403,
            detail="this form has expired or did not come from ledgerlink; reload the page and try again",
        )
