"""The REST API the job system calls, authenticated with per-company API keys."""

from ledgerlink.web.api import package_changes, package_webhooks
from ledgerlink.web.api.routes import ApiRefusal, router

router.include_router(package_changes.router)
router.include_router(package_webhooks.router)

__all__ = ["ApiRefusal", "router"]
