"""A sandbox in a process of its own, counting every API call by endpoint, for the send benchmarks.

A sandbox keeps what it is sent in memory and spends CPU answering; in its own process it neither
shares the sender's interpreter nor its memory, so the sender's time and memory are its own. Over
loopback the sender talks to it exactly as it would to the package.

    python benchmarks/send_sandbox.py PACKAGE --port 8790 [--time-scale 10] [--unlimited]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import socket
import subprocess
import sys
import time
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from ledgerlink.sandbox.build import sandbox_app, sandbox_config
from ledgerlink.sandbox.registry import SandboxEntry, get_sandbox, sandbox_names

# What each sandbox enforces per business a minute, as its package does.
PER_MINUTE = {name: int(sandbox_config(name).minute_limit or 0) for name in sandbox_names()}
_ID = re.compile(r"^([0-9a-fA-F-]{20,}|[0-9]+)$")


def endpoint_of(method: str, path: str) -> str:
    """`PUT /CreditNotes/{id}/Allocations`: the method and the path (within the API) with ids left out."""
    parts = ["{id}" if _ID.match(part) else part for part in path.strip("/").split("/")]
    return f"{method} /{'/'.join(parts)}"


class CountingMiddleware:
    """Counts the API calls of each business by endpoint, and the 429s it answered; the package's
    sandbox entry says where its API is and how a request names its business."""

    def __init__(self, app: Any, entry: SandboxEntry) -> None:
        self.app = app
        self.entry = entry
        self.calls: dict[str, Counter[str]] = defaultdict(Counter)
        self.refused: Counter[str] = Counter()
        self.times: dict[str, list[float]] = defaultdict(list)  # when each answered call came in
        # the same, by endpoint
        self.endpoint_times: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/_bench/stats":
            body = json.dumps(
                {
                    "calls": self.calls,
                    "refused": self.refused,
                    "times": self.times,
                    "endpoint_times": self.endpoint_times,
                    "cpu": time.process_time(),
                }
            ).encode()
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        headers = {
            key.decode("latin-1").lower(): value.decode("latin-1")
            for key, value in scope.get("headers") or []
        }
        call = self.entry.api_call(scope["path"], headers) if scope["type"] == "http" else None
        if call is None:
            await self.app(scope, receive, send)
            return
        business, path = call
        endpoint = endpoint_of(scope["method"], path)
        arrived = time.monotonic()

        async def counting_send(message: Any) -> None:
            if message["type"] == "http.response.start" and business:
                self.calls[business][endpoint] += 1
                if message["status"] == 429:
                    self.refused[business] += 1
                else:
                    self.times[business].append(arrived)
                    self.endpoint_times[business][endpoint].append(arrived)
            await send(message)

        await self.app(scope, receive, counting_send)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def sandbox_process(package: str, *, time_scale: float = 1.0, limits: bool = True) -> Iterator[str]:
    """A sandbox serving on a free loopback port in a child process; yields its address."""
    port = free_port()
    command = [sys.executable, __file__, package, "--port", str(port), "--time-scale", str(time_scale)]
    if not limits:
        command.append("--unlimited")
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/_sandbox/state", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the {package} sandbox did not start")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass
class Stats:
    """What the sandbox saw of one business so far."""

    calls: Counter[str]  # by endpoint, 429s included
    refused: int  # 429s answered
    times: list[float]  # when each answered call arrived (the sandbox's monotonic clock)
    cpu: float  # CPU seconds the sandbox process has used
    endpoint_times: dict[str, list[float]]  # the same, by endpoint

    def busiest(self, window: float, since: float = 0.0, endpoint: str = "") -> int:
        """The most answered calls (to `endpoint`, or any) that arrived within any `window` seconds
        (after `since`)."""
        times = self.endpoint_times.get(endpoint, []) if endpoint else self.times
        ordered = sorted(t for t in times if t > since)
        return max((bisect_right(ordered, t + window - 1e-9) - i for i, t in enumerate(ordered)), default=0)


def stats(url: str, business_id: str) -> Stats:
    body = httpx.get(f"{url}/_bench/stats", timeout=60).json()
    return Stats(
        calls=Counter(body["calls"].get(business_id, {})),
        refused=int(body["refused"].get(business_id, 0)),
        times=[float(t) for t in body["times"].get(business_id, [])],
        cpu=float(body["cpu"]),
        endpoint_times={
            endpoint: [float(t) for t in times]
            for endpoint, times in body["endpoint_times"].get(business_id, {}).items()
        },
    )


def business_counts(url: str, business_id: str) -> dict[str, int]:
    """What the sandbox holds for one business, by its own names (invoices, contacts, ...)."""
    state = httpx.get(f"{url}/_sandbox/state", timeout=300).json()
    found = next(b for b in state["businesses"] if b["id"] == business_id)
    return {name: int(count) for name, count in found["counts"].items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("package", choices=sorted(PER_MINUTE))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--unlimited", action="store_true", help="no rate limits at all")
    args = parser.parse_args()
    import uvicorn

    app = CountingMiddleware(
        sandbox_app(args.package, time_scale=args.time_scale, limits=not args.unlimited),
        get_sandbox(args.package),
    )
    # Idle connections kept a minute, as the packages' load balancers do; uvicorn's own 5 seconds would
    # close them just as a client paced to a 6-second minute reuses them, losing requests on the way.
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, log_level="warning", lifespan="off", timeout_keep_alive=60
    )


if __name__ == "__main__":
    main()
