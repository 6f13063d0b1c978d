"""Where ledgerlink keeps companies, records and reference lists: SQLite by default, PostgreSQL by URL."""

from ledgerlink.store.companies import Company, slugify
from ledgerlink.store.records import KindSummary, Outcome, Page, RecordWrite, StoredRecord
from ledgerlink.store.store import Store
from ledgerlink.store.unit_of_work import UnitOfWork

__all__ = [
    "Company",
    "KindSummary",
    "Outcome",
    "Page",
    "RecordWrite",
    "Store",
    "StoredRecord",
    "UnitOfWork",
    "slugify",
]
