"""The HTTP layer every connector shares: tokens, pacing, retries, and errors turned into types.

A connector supplies a `ReplyReader` that knows its package's error bodies and headers; this module
knows what every package has in common and what sending exactly once demands of all of them:

- a 401 refreshes the token once (single-flight, through the connection's TokenSource) and retries once;
- a 429 waits as the package says (minute limits) or stops at once (a daily limit) and tells the pacer;
- a write whose reply never came (timeout, dropped connection, 5xx) is an UncertainOutcome, never
  "not sent"; a read in the same position is simply retried;
- a connection that could not be opened applied nothing: PackageUnavailable;
- any other 4xx becomes Rejected (with the package's own message and field), NotFound, or whatever the
  reader recognises (ReconnectNeeded, FeatureUnavailable).
"""

from __future__ import annotations

import asyncio
import logging
import time
import urllib.request
from collections.abc import Mapping
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Protocol

import httpx
import orjson

from ledgerlink.errors import (
    AuthExpired,
    NotFound,
    PackageError,
    PackageUnavailable,
    Problem,
    RateLimited,
    RateLimitScope,
    Rejected,
    UncertainOutcome,
)
from ledgerlink.packages.connection import ConnectionContext, Exchange, LimitReport

log = logging.getLogger(__name__)


def _version() -> str:
    try:
        return version("ledgerlink")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "dev"


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
NO_REPLY = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


class ReplyReader(Protocol):
    """What only the package knows: how it words errors and limits."""

    def problems(self, response: httpx.Response) -> tuple[Problem, ...]:
        """The package's own messages and the fields they name."""
        ...

    def rate_limit(self, response: httpx.Response) -> tuple[float | None, RateLimitScope]:
        """From a 429: seconds to wait (None if the package did not say) and which limit it was."""
        ...

    def limit_report(self, response: httpx.Response) -> LimitReport | None: ...

    def request_id(self, response: httpx.Response) -> str: ...

    def special_error(self, response: httpx.Response) -> PackageError | None:
        """A package-specific reading of an error reply (lapsed plan, missing tier, ...), if any."""
        ...


def reply_json(response: httpx.Response) -> Any:
    """A reply's JSON body. The packages answer in UTF-8 (JSON's own encoding), so orjson reads the
    bytes as they came, at a fraction of the standard library's cost for the replies a send reads."""
    return orjson.loads(response.content)


def request_body(body: Any) -> bytes:
    """A request's JSON body as bytes, encoded once by orjson: what `json=` would send, for less.

    An amount held as a Decimal goes as a JSON number with exactly its digits (orjson writes the
    shortest form that reads back to the same float, and amounts to the penny are well inside a
    float's exact range), so a connector need not copy its body to convert them first."""
    return orjson.dumps(body, default=_number, option=orjson.OPT_NON_STR_KEYS)


def _number(value: Any) -> float:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


URLS_KEPT = 256


# What httpx's client would add, and a name the packages' logs can show their support staff.
BASE_HEADERS = {
    "Accept": "application/json",
    "Accept-Encoding": "gzip, deflate",
    "User-Agent": f"ledgerlink/{_version()}",
}


def _with_trailing_slash(url: httpx.URL) -> httpx.URL:
    """The base address ending in a slash, so that a path joins under it rather than beside it."""
    return url if url.raw_path.endswith(b"/") else url.copy_with(raw_path=url.raw_path + b"/")


def network_transport(base_url: httpx.URL) -> httpx.AsyncBaseTransport:
    """The transport to the package over the network, through the proxy the environment names for
    its address (HTTPS_PROXY, ALL_PROXY, NO_PROXY), as httpx's client would choose it."""
    proxies = urllib.request.getproxies()
    host = base_url.host
    proxy = None
    if not urllib.request.proxy_bypass(host):
        proxy = proxies.get(base_url.scheme) or proxies.get("all")
    return httpx.AsyncHTTPTransport(proxy=proxy)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The Retry-After header in seconds, when it is a number (packages here never send dates)."""
    value = response.headers.get("Retry-After", "").strip()
    try:
        return max(float(value), 0.0) if value else None
    except ValueError:
        return None


class PackageHttp:
    """An httpx client bound to one connection, applying the rules above to every request."""

    def __init__(
        self,
        context: ConnectionContext,
        *,
        base_url: str,
        reader: ReplyReader,
        headers: Mapping[str, str] | None = None,
        max_rate_limit_waits: int = 8,
        read_attempts: int = 4,
        backoff: float = 1.0,
        unsaid_wait: float | None = None,
    ) -> None:
        self.context = context
        self.reader = reader
        # What the package advises waiting after a 429 that names no wait, in seconds of its own clock.
        self.unsaid_wait = unsaid_wait
        self.max_rate_limit_waits = max_rate_limit_waits
        self.read_attempts = read_attempts
        self.backoff = backoff
        self._base_url = _with_trailing_slash(httpx.URL(base_url))
        self._headers = {**BASE_HEADERS, **(headers or {})}
        self._timeout = httpx.Timeout(context.timeout).as_dict()
        self._transport = context.transport or network_transport(self._base_url)
        self._urls: dict[tuple[str, tuple[tuple[str, Any], ...]], httpx.URL] = {}

    def _url(self, path: str, params: Mapping[str, Any] | None = None) -> httpx.URL:
        """The whole address for `path` (a path under the base address, or an address of its own) with
        `params` as its query, worked out once: for a send of one record a call, parsing it again each
        time costs more than its JSON does, and building a batch call's query more than its request."""
        key = (path, tuple(params.items()) if params else ())
        try:
            url = self._urls.get(key)
        except TypeError:  # a query value of several values (a list): built each time, not kept
            return httpx.URL(self._url(path), params=params)
        if url is None:
            if len(self._urls) >= URLS_KEPT:  # paths naming one object each: keep the common ones only
                self._urls.clear()
            url = httpx.URL(path)
            if url.is_relative_url:
                url = self._base_url.copy_with(raw_path=self._base_url.raw_path + url.raw_path.lstrip(b"/"))
            if params:  # as httpx's Request puts them in
                url = httpx.URL(url, params=params)
            self._urls[key] = url
        return url

    async def _exchange(
        self,
        method: str,
        url: httpx.URL,
        content: bytes | None,
        headers: dict[str, str],
    ) -> httpx.Response:
        """One request through the transport, its reply read whole.

        httpx's client would add redirects, cookies, auth flows and event hooks, none of which a
        package's API uses (a bearer token is set here, and a redirect would be a fault), and they cost
        a call more than the transport does: measured, about 160 microseconds a call against 100 for
        building the request and its reply. The transport is the client's own (connection pooling,
        TLS, HTTP/1.1), so nothing the network sees changes."""
        request = httpx.Request(
            method,
            url,
            content=content,
            headers=headers,
            extensions={"timeout": self._timeout},
        )
        response = await self._transport.handle_async_request(request)
        response.request = request
        try:
            await response.aread()
        finally:
            await response.aclose()
        return response

    async def aclose(self) -> None:
        await self._transport.aclose()

    def _unsaid_wait(self, rate_waits: int) -> float:
        """A 429 naming no wait: the package's advised pause on its own clock (a sandbox's may run faster
        than real time, and its minute with it), else pauses growing up to a minute."""
        if self.unsaid_wait is None:
            return min(2.0 * 2.0**rate_waits, 60.0)
        return self.unsaid_wait / self._time_scale

    def _backoff(self, failures: int) -> float:
        """The pause before a read is tried again, doubling with each failure, on the package's clock: a
        sandbox whose clock runs faster than real time recovers as much faster."""
        return self.backoff * 2.0 ** (failures - 1) / self._time_scale

    @property
    def _time_scale(self) -> float:
        return float(getattr(self.context.pacer, "time_scale", 1.0) or 1.0)

    async def _sleep(self, seconds: float) -> None:
        if self.context.sleep is not None:
            await self.context.sleep(seconds)
        else:
            await asyncio.sleep(seconds)

    def _observe(self, exchange: Exchange) -> None:
        if self.context.observer is not None:
            self.context.observer(exchange)

    def _observe_lost(self, method: str, path: str, started: float, error: Exception) -> None:
        self._observe(Exchange(method, path, None, duration=time.monotonic() - started, error=repr(error)))

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        write: bool | None = None,
        kind: str | None = None,
    ) -> httpx.Response:
        """Send one request and return its 2xx reply, or raise the port's error for what happened.

        `kind` names a kind of call the package limits on its own (`Limits.calls_per_minute`), for the
        pacer to keep under that limit too."""
        method = method.upper()
        is_write = method in WRITE_METHODS if write is None else write
        url = self._url(path, params)  # the query is in the address
        content = None if json is None else request_body(json)
        sent_headers = {**self._headers, **(headers or {})}
        if content is not None:
            sent_headers["Content-Type"] = "application/json"
        token = await self.context.tokens.access_token()
        refreshed = False
        rate_waits = 0
        failures = 0
        while True:
            started = time.monotonic()
            try:
                async with self.context.pacer.slot(kind):
                    response = await self._exchange(
                        method, url, content, {**sent_headers, "Authorization": f"Bearer {token}"}
                    )
            except NOT_SENT as error:
                self._observe_lost(method, path, started, error)
                failures += 1
                if is_write or failures >= self.read_attempts:
                    raise PackageUnavailable(f"could not reach the package: {error}") from error
                await self._sleep(self._backoff(failures))
                continue
            except NO_REPLY as error:
                self._observe_lost(method, path, started, error)
                if is_write:
                    raise UncertainOutcome(f"{method} {path}: no reply ({type(error).__name__})") from error
                failures += 1
                if failures >= self.read_attempts:
                    raise PackageUnavailable(f"the package did not answer: {error}") from error
                await self._sleep(self._backoff(failures))
                continue

            status = response.status_code
            self._observe(
                Exchange(
                    method,
                    path,
                    status,
                    request_id=self.reader.request_id(response),
                    duration=time.monotonic() - started,
                    error="" if status < 400 else response.text[:500],
                )
            )
            report = self.reader.limit_report(response)
            if report is not None:
                self.context.pacer.observe(report)
            if status < 400:
                return response

            special = self.reader.special_error(response)
            if special is not None:
                raise special
            if status == 401:
                if refreshed:
                    raise AuthExpired("the package refused a freshly refreshed token")
                token = await self.context.tokens.refresh(token)
                refreshed = True
                continue
            if status == 429:
                wait, scope = self.reader.rate_limit(response)
                seconds = wait if wait is not None else self._unsaid_wait(rate_waits)
                self.context.pacer.slow_down(seconds, scope)
                rate_waits += 1
                if scope == "day" or rate_waits > self.max_rate_limit_waits:
                    message = f"the package's {scope} limit was reached"
                    raise RateLimited(message, retry_after=seconds, scope=scope)
                log.info("%s %s: %s limit, waiting %.1fs as the package asked", method, path, scope, seconds)
                await self._sleep(seconds)
                continue
            if status >= 500:
                if is_write:
                    raise UncertainOutcome(f"{method} {path}: the package answered {status}")
                failures += 1
                if failures >= self.read_attempts:
                    raise PackageUnavailable(
                        f"the package answered {status}", retry_after=retry_after_seconds(response)
                    )
                await self._sleep(retry_after_seconds(response) or self._backoff(failures))
                continue
            if status == 404:
                raise NotFound(f"{method} {path}: not found")
            raise Rejected(self.reader.problems(response), status=status)
