"""The browser's and the job system's way in: the setup wizard, the dashboard and the REST API."""

from ledgerlink.web.app import create_app

__all__ = ["create_app"]
