"""Background work on PostgreSQL: procrastinate's queue, ledgerlink's tasks, budgets shared by all workers."""

from ledgerlink.services.operations.shared_pacer import shared_pacers
from ledgerlink.worker.app import WorkerEnv, WorkerRuntime, build_app, recover_stalled, schedule_due
from ledgerlink.worker.run import WorkerOptions, run_worker

__all__ = [
    "WorkerEnv",
    "WorkerOptions",
    "WorkerRuntime",
    "build_app",
    "recover_stalled",
    "run_worker",
    "schedule_due",
    "shared_pacers",
]
