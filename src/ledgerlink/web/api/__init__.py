"""The REST API the job system calls, authenticated with per-company API keys."""

from ledgerlink.web.api.routes import ApiRefusal, router

__all__ = ["ApiRefusal", "router"]
