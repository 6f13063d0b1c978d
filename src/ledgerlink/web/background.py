"""Sends started from the browser or the REST API run as tasks of the web app, one per company.

A send takes minutes on a large company; the page that started it polls its progress every second
instead of waiting. A second start while one runs answers the running one, never a parallel send;
one running elsewhere (a worker, `ledgerlink send`) is named in the job's error.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ledgerlink.errors import LedgerlinkError
from ledgerlink.services.onboarding.steps import require_step
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.sending.controls import connection_of, send_now
from ledgerlink.services.sending.engine import SendReport


@dataclass
class SendJob:
    company_id: int
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    done: int = 0
    total: int = 0
    report: SendReport | None = None
    error: str = ""
    waiting: str = ""  # what the send waits for, in words, while the package's limits set its pace
    task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def tick(self, done: int, total: int) -> None:
        self.done, self.total = done, total

    def wait_for(self, note: str) -> None:
        self.waiting = note


class SendJobs:
    def __init__(self, connectors: ConnectorFactory) -> None:
        self.connectors = connectors
        self._jobs: dict[int, SendJob] = {}

    def get(self, company_id: int) -> SendJob | None:
        return self._jobs.get(company_id)

    def start(self, company_id: int) -> SendJob:
        """Start sending now; refuses (StepNotReady, RecordNotFound) before anything starts."""
        running = self._jobs.get(company_id)
        if running is not None and running.running:
            return running
        connection_of(self.connectors.store, company_id)
        require_step(self.connectors.store, company_id, "send")
        job = SendJob(company_id)
        job.task = asyncio.get_running_loop().create_task(self._run(job), name=f"send-{company_id}")
        self._jobs[company_id] = job
        return job

    async def _run(self, job: SendJob) -> None:
        try:
            job.report = await send_now(
                self.connectors,
                job.company_id,
                progress=job.tick,
                started_by="the web app",
                on_waiting=job.wait_for,
            )
            if job.report.stopped:
                job.error = f"sending stopped: {job.report.stopped}"
        except LedgerlinkError as error:
            job.error = str(error)

    async def aclose(self) -> None:
        for job in self._jobs.values():
            if job.task is not None and not job.task.done():
                job.task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await job.task
