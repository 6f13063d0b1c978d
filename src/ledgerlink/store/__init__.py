"""Where ledgerlink keeps companies, records and reference lists: SQLite by default, PostgreSQL by URL.

Services reach the store through `Store.unit_of_work()` and the repositories it hands out. The faces
(the web, the command line, the worker, the Python API) open a `Store` and pass it to services; of the
store they use only what is exported here: the store itself and the values services hand back.
"""

from ledgerlink.store.accounts import ApiKey, User
from ledgerlink.store.companies import Company, slugify
from ledgerlink.store.connections import Connection, MappingKind
from ledgerlink.store.job_queue import StalledJob
from ledgerlink.store.records import KindSummary, Outcome, Page, RecordWrite, StoredRecord
from ledgerlink.store.store import Store
from ledgerlink.store.unit_of_work import UnitOfWork

__all__ = [
    "ApiKey",
    "Company",
    "Connection",
    "KindSummary",
    "MappingKind",
    "Outcome",
    "Page",
    "RecordWrite",
    "StalledJob",
    "Store",
    "StoredRecord",
    "UnitOfWork",
    "User",
    "slugify",
]
