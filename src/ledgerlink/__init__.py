"""ledgerlink: a field-service job system's records, sent exactly once to an accounting package."""

__version__ = "0.1.0"
