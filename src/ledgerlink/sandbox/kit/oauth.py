"""An OAuth2 authorization server core for sandboxes: consent, codes, access and rotating refresh tokens.

It behaves like the strict end of what real packages do: codes live a minute and work once, the
redirect URI must match exactly, and every refresh issues a new refresh token and kills the old one
(at once, or after a grace window). Time comes from an injected clock so tests can expire anything.
"""

from __future__ import annotations

import base64
import html
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ledgerlink.sandbox.kit.clock import Clock


class OAuthError(Exception):
    """An OAuth2 error reply: `{"error": ..., "error_description": ...}` with its HTTP status."""

    def __init__(self, error: str, description: str = "", *, status: int = 400) -> None:
        super().__init__(f"{error}: {description}" if description else error)
        self.error = error
        self.description = description
        self.status = status

    def response(self) -> JSONResponse:
        body = {"error": self.error}
        if self.description:
            body["error_description"] = self.description
        return JSONResponse(body, status_code=self.status)


@dataclass(frozen=True)
class OAuthClient:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...] = ()  # empty: any redirect URI (a sandbox's convenience default)


@dataclass(frozen=True)
class Grant:
    """What a token holder may reach: a user and the businesses they chose (the first one leads)."""

    client_id: str
    user: str
    business_ids: tuple[str, ...]
    scope: str = ""


@dataclass(frozen=True)
class _Code:
    grant: Grant
    redirect_uri: str
    expires_at: float


@dataclass(frozen=True)
class AccessToken:
    grant: Grant
    expires_at: float
    issued_at: float


@dataclass(frozen=True)
class _RefreshToken:
    grant: Grant
    expires_at: float
    dies_at: float | None = None  # set once rotated away


@dataclass(frozen=True)
class OAuthConfig:
    code_lifetime: float = 60.0
    access_lifetime: float = 300.0
    refresh_lifetime: float = 2678400.0
    refresh_grace: float = 0.0  # how long a rotated-away refresh token still works
    require_registered_client: bool = False  # False: any client id/secret pair is accepted and remembered


@dataclass
class OAuthCounters:
    codes_issued: int = 0
    codes_exchanged: int = 0
    refreshes: int = 0
    invalid_grants: int = 0
    tokens_issued: int = 0


@dataclass
class OAuthServer:
    """The state of one sandbox's authorization server."""

    config: OAuthConfig = field(default_factory=OAuthConfig)
    clock: Clock = time.time
    clients: dict[str, OAuthClient] = field(default_factory=dict)
    counters: OAuthCounters = field(default_factory=OAuthCounters)
    _codes: dict[str, _Code] = field(default_factory=dict)
    _access: dict[str, AccessToken] = field(default_factory=dict)
    _refresh: dict[str, _RefreshToken] = field(default_factory=dict)
    _revoked_before: dict[str, float] = field(default_factory=dict)  # business id -> issued-before cut

    def reset(self) -> None:
        self._codes.clear()
        self._access.clear()
        self._refresh.clear()
        self._revoked_before.clear()
        self.counters = OAuthCounters()

    def register_client(self, client_id: str, client_secret: str, redirect_uris: Iterable[str] = ()) -> None:
        self.clients[client_id] = OAuthClient(client_id, client_secret, tuple(redirect_uris))

    # --- the authorise step -----------------------------------------------------------------------

    def check_authorisation_request(self, client_id: str, redirect_uri: str, response_type: str) -> None:
        if response_type != "code":
            raise OAuthError("unsupported_response_type", "response_type must be code")
        if not redirect_uri:
            raise OAuthError("invalid_request", "redirect_uri is required")
        client = self.clients.get(client_id)
        if client is None:
            if self.config.require_registered_client or not client_id:
                raise OAuthError("invalid_client", "unknown client_id", status=401)
            return
        if client.redirect_uris and redirect_uri not in client.redirect_uris:
            raise OAuthError("invalid_request", "redirect_uri does not match the registered callback")

    def issue_code(self, grant: Grant, redirect_uri: str) -> str:
        code = secrets.token_urlsafe(24)
        self._codes[code] = _Code(grant, redirect_uri, self.clock() + self.config.code_lifetime)
        self.counters.codes_issued += 1
        return code

    # --- the token endpoint -----------------------------------------------------------------------

    def _client(self, client_id: str, client_secret: str) -> OAuthClient:
        client = self.clients.get(client_id)
        if client is None:
            if self.config.require_registered_client or not client_id:
                raise OAuthError("invalid_client", "unknown client", status=401)
            client = OAuthClient(client_id, client_secret)
            self.clients[client_id] = client
        if not secrets.compare_digest(client.client_secret, client_secret):
            raise OAuthError("invalid_client", "wrong client secret", status=401)
        return client

    def _invalid_grant(self, description: str) -> OAuthError:
        self.counters.invalid_grants += 1
        return OAuthError("invalid_grant", description)

    def token(self, form: dict[str, str]) -> dict[str, object]:
        """Answer a token request (authorization_code or refresh_token grant) or raise OAuthError."""
        client = self._client(form.get("client_id", ""), form.get("client_secret", ""))
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            return self._exchange(client, form.get("code", ""), form.get("redirect_uri", ""))
        if grant_type == "refresh_token":
            return self._rotate(client, form.get("refresh_token", ""))
        raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")

    def _exchange(self, client: OAuthClient, code: str, redirect_uri: str) -> dict[str, object]:
        issued = self._codes.pop(code, None)  # single use, whatever happens next
        if issued is None:
            raise self._invalid_grant("the code is unknown or was already used")
        if issued.expires_at <= self.clock():
            raise self._invalid_grant("the code has expired")
        if issued.grant.client_id != client.client_id:
            raise self._invalid_grant("the code was issued to another client")
        if issued.redirect_uri != redirect_uri:
            raise self._invalid_grant("redirect_uri does not match the one used to authorise")
        self.counters.codes_exchanged += 1
        return self.issue_tokens(issued.grant)

    def _rotate(self, client: OAuthClient, refresh_token: str) -> dict[str, object]:
        now = self.clock()
        stored = self._refresh.get(refresh_token)
        if stored is None or stored.grant.client_id != client.client_id:
            raise self._invalid_grant("the refresh token is unknown")
        if stored.expires_at <= now:
            raise self._invalid_grant("the refresh token has expired")
        if stored.dies_at is not None and stored.dies_at <= now:
            raise self._invalid_grant("the refresh token was already used")
        if stored.dies_at is None:
            grace = self.config.refresh_grace
            if grace <= 0:
                del self._refresh[refresh_token]
            else:
                self._refresh[refresh_token] = replace(stored, dies_at=now + grace)
        self.counters.refreshes += 1
        return self.issue_tokens(stored.grant)

    def issue_tokens(self, grant: Grant) -> dict[str, object]:
        """A fresh access and refresh token pair for `grant`, in the token endpoint's reply shape."""
        now = self.clock()
        access = secrets.token_urlsafe(32)
        refresh = secrets.token_urlsafe(32)
        self._access[access] = AccessToken(grant, now + self.config.access_lifetime, now)
        self._refresh[refresh] = _RefreshToken(grant, now + self.config.refresh_lifetime)
        self.counters.tokens_issued += 1
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": int(self.config.access_lifetime),
            "refresh_token": refresh,
            "refresh_token_expires_in": int(self.config.refresh_lifetime),
            "scope": grant.scope,
            "requested_by_id": grant.user,
        }

    # --- resource servers ask ---------------------------------------------------------------------

    def authenticate(self, authorization: str) -> AccessToken | None:
        """The live access token behind an `Authorization: Bearer ...` header, or None."""
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value:
            return None
        token = self._access.get(value.strip())
        if token is None or token.expires_at <= self.clock():
            return None
        for business_id in token.grant.business_ids:
            if token.issued_at < self._revoked_before.get(business_id, float("-inf")):
                return None
        return token

    def revoke(self, token: str) -> Grant | None:
        """Forget a refresh (or access) token and every access token of its grant, as RFC 7009 asks.

        Returns the grant it belonged to; an unknown token is not an error (None).
        """
        refresh = self._refresh.pop(token, None)
        access = self._access.pop(token, None)
        grant = refresh.grant if refresh is not None else access.grant if access is not None else None
        if grant is not None:
            for value in [key for key, held in self._access.items() if held.grant == grant]:
                del self._access[value]
            for value in [key for key, held in self._refresh.items() if held.grant == grant]:
                del self._refresh[value]
        return grant

    def expire_tokens(self, business_id: str) -> None:
        """Kill every access token issued so far for the business (a token expiring mid-run)."""
        self._revoked_before[business_id] = self.clock() + 1e-6

    def issued_json(self) -> dict[str, list[dict[str, object]]]:
        """The live tokens and whom they serve, so a test can tell whether a token is kept in clear."""

        def grant(held: Grant) -> dict[str, object]:
            return {"client_id": held.client_id, "business_ids": list(held.business_ids)}

        now = self.clock()
        return {
            "access": [
                {"token": value, **grant(held.grant)}
                for value, held in self._access.items()
                if held.expires_at > now
            ],
            "refresh": [
                {"token": value, **grant(held.grant)}
                for value, held in self._refresh.items()
                if held.expires_at > now and (held.dies_at is None or held.dies_at > now)
            ],
        }

    def counter_json(self) -> dict[str, int]:
        counters = self.counters
        return {
            "codes_issued": counters.codes_issued,
            "codes_exchanged": counters.codes_exchanged,
            "refreshes": counters.refreshes,
            "invalid_grants": counters.invalid_grants,
            "tokens_issued": counters.tokens_issued,
        }


# --- the consent page ------------------------------------------------------------------------------

BusinessLister = Callable[[], Sequence[tuple[str, str]]]  # (id, name) of every business one may pick

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}: allow access</title></head>
<body>
<h1>{title}</h1>
<p>An application ({client}) asks for access to your books.</p>
<form method="post" action="{action}">
{hidden}
<p><label>Sign in as <input name="user" value="sandbox user" required></label></p>
<fieldset><legend>Choose a business</legend>
{choices}
</fieldset>
<p><button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button></p>
</form>
</body></html>
"""


def consent_routes(
    server: OAuthServer,
    *,
    path: str,
    list_businesses: BusinessLister,
    title: str,
    required_query: dict[str, str] | None = None,
    carried_params: Sequence[str] = ("client_id", "redirect_uri", "response_type", "scope", "state"),
) -> list[Route]:
    """GET `path` shows a sign-in and business picker; POST `path` approves and redirects with a code.

    `required_query` holds parameters the real package insists on (e.g. a filter): a request without
    them is refused, as the real authorise page would.
    """

    def _params(source: dict[str, str]) -> dict[str, str]:
        return {name: source.get(name, "") for name in carried_params}

    def _check(params: dict[str, str]) -> OAuthError | None:
        for name, value in (required_query or {}).items():
            if params.get(name) != value:
                return OAuthError("invalid_request", f"{name}={value} is required")
        try:
            server.check_authorisation_request(
                params.get("client_id", ""), params.get("redirect_uri", ""), params.get("response_type", "")
            )
        except OAuthError as error:
            return error
        return None

    async def show(request: Request) -> Response:
        params = _params(dict(request.query_params))
        params.update({name: request.query_params.get(name, "") for name in required_query or {}})
        error = _check(params)
        if error is not None:
            return error.response()
        businesses = list(list_businesses())
        hidden = "\n".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
        )
        choices = (
            "\n".join(
                f'<label><input type="radio" name="business" value="{html.escape(bid)}"{" checked" if i == 0 else ""}>'
                f" {html.escape(name)}</label><br>"
                for i, (bid, name) in enumerate(businesses)
            )
            or "<p>No business exists yet: seed one through /_sandbox/seed.</p>"
        )
        page = _PAGE.format(
            title=html.escape(title),
            client=html.escape(params.get("client_id", "")),
            action=html.escape(path),
            hidden=hidden,
            choices=choices,
        )
        return HTMLResponse(page)

    async def approve(request: Request) -> Response:
        form = await request.form()
        values = {key: str(value) for key, value in form.items()}
        params = _params(values)
        params.update({name: values.get(name, "") for name in required_query or {}})
        error = _check(params)
        if error is not None:
            return error.response()
        redirect_uri = params["redirect_uri"]
        joiner = "&" if "?" in redirect_uri else "?"
        state = params.get("state", "")
        if values.get("decision", "allow") != "allow":
            query = urlencode({"error": "access_denied", "state": state})
            return RedirectResponse(f"{redirect_uri}{joiner}{query}", status_code=302)
        known = {bid for bid, _ in list_businesses()}
        chosen = [str(value) for value in form.getlist("business") if str(value) in known]
        if not chosen:
            return OAuthError("invalid_request", "choose a business").response()
        grant = Grant(
            client_id=params.get("client_id", ""),
            user=values.get("user", "") or "sandbox user",
            business_ids=tuple(chosen),
            scope=params.get("scope", ""),
        )
        code = server.issue_code(grant, redirect_uri)
        query = urlencode({"code": code, "state": state})
        return RedirectResponse(f"{redirect_uri}{joiner}{query}", status_code=302)

    return [Route(path, show, methods=["GET"]), Route(path, approve, methods=["POST"])]


def token_route(server: OAuthServer, *, path: str) -> Route:
    """The token endpoint: form-encoded body with the client credentials in it (or HTTP Basic)."""

    async def endpoint(request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("basic ") and "client_id" not in form:
            decoded = base64.b64decode(auth[6:]).decode()
            form["client_id"], _, form["client_secret"] = decoded.partition(":")
        try:
            return JSONResponse(server.token(form))
        except OAuthError as error:
            return error.response()

    return Route(path, endpoint, methods=["POST"])
