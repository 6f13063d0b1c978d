"""What a burst of sign-ins costs the web app: its memory, and how long every other page waits meanwhile.

    .venv/bin/python benchmarks/sign_in_burst.py [--attempts 40] [--rounds 3]

Serves the app (`ledgerlink serve`'s server, in a process of its own, on SQLite) with one person, then
fires `--attempts` sign-ins with wrong passwords at once, `--rounds` times, each from its own client
address (as a botnet would, so the per-address throttle does not stop them early), while another client
asks for the sign-in page over and over. Prints the server's resident memory before and at its peak, the
other page's median and slowest answer before and during the bursts, and how the sign-ins were answered
(401 wrong, 429 throttled, 503 told to come back).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter
from multiprocessing import Process
from pathlib import Path

import httpx
import psutil

EMAIL = "office@hollis.example.com"
PASSWORD = "correct horse battery"


def serve(folder: str, port: int) -> None:
    from ledgerlink.services.access import add_user
    from ledgerlink.settings import Settings
    from ledgerlink.store import Store
    from ledgerlink.web import create_app
    from ledgerlink.web.serving import server

    store = Store.open(f"sqlite:///{folder}/burst.db")
    with store.unit_of_work() as uow:
        company = uow.companies.add("Hollis Heating")
        uow.commit()
    add_user(store, company, email=EMAIL, password=PASSWORD, is_admin=True)
    settings = Settings(data_dir=Path(folder), secret_key="burst")
    running = server(create_app(store, settings), host="127.0.0.1", port=port)
    logging.getLogger("uvicorn.access").disabled = True  # a line for every request would be all one sees
    running.run()


async def other_page(base: str, until: asyncio.Event, times: list[float]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while not until.is_set():
            started = time.perf_counter()
            await client.get("/sign-in")
            times.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)


async def sign_in(base: str, number: int, answers: Counter[int]) -> None:
    # each its own address, as behind a proxy that says so (uvicorn trusts 127.0.0.1's X-Forwarded-For)
    headers = {"X-Forwarded-For": f"198.51.{number // 250}.{number % 250 + 1}"}
    async with httpx.AsyncClient(base_url=base, timeout=60, headers=headers) as client:
        page = await client.get("/sign-in")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        reply = await client.post(
            "/sign-in", data={"csrf_token": token, "email": EMAIL, "password": f"wrong guess {number}"}
        )
        answers[reply.status_code] += 1


def spread(seconds: list[float]) -> str:
    tenth = statistics.quantiles(seconds, n=20)
    return (
        f"median {statistics.median(seconds) * 1000:.0f} ms, 95th percentile {tenth[-1] * 1000:.0f} ms,"
        f" slowest {max(seconds) * 1000:.0f} ms ({len(seconds)} asked)"
    )


async def measure(base: str, pid: int, attempts: int, rounds: int) -> None:
    process = psutil.Process(pid)
    quiet: list[float] = []
    stop = asyncio.Event()
    watcher = asyncio.create_task(other_page(base, stop, quiet))
    await asyncio.sleep(3)
    stop.set()
    await watcher
    before = process.memory_info().rss
    peak = before
    busy: list[float] = []
    answers: Counter[int] = Counter()
    stop = asyncio.Event()
    watcher = asyncio.create_task(other_page(base, stop, busy))
    burst_started = time.perf_counter()
    for round_number in range(rounds):
        burst = asyncio.gather(
            *(sign_in(base, round_number * attempts + n, answers) for n in range(attempts))
        )
        while not burst.done():
            peak = max(peak, process.memory_info().rss)
            await asyncio.sleep(0.02)
        await burst
    burst_seconds = time.perf_counter() - burst_started
    stop.set()
    await watcher
    mib = 1024 * 1024
    print(f"server memory: {before / mib:.0f} MiB before, {peak / mib:.0f} MiB at the peak of the bursts")
    print(f"other page, quiet: {spread(quiet)}")
    print(
        f"other page, during {rounds} bursts of {attempts} sign-ins ({burst_seconds:.1f} s): {spread(busy)}"
    )
    print("sign-ins answered:", ", ".join(f"{count} x {status}" for status, count in sorted(answers.items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=8797)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server = Process(target=serve, args=(folder, options.port), daemon=True)
        server.start()
        base = f"http://127.0.0.1:{options.port}"
        for _ in range(200):
            try:
                httpx.get(f"{base}/sign-in", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            sys.exit("the server did not start")
        try:
            asyncio.run(measure(base, server.pid or 0, options.attempts, options.rounds))
        finally:
            server.terminate()
            server.join()


if __name__ == "__main__":
    main()
