"""The server `ledgerlink serve` runs the web app in, and what its access log leaves out.

uvicorn writes every request's path with its query string to the access log. A query string can carry
a secret: an OAuth code on `/connect/callback`, or an API key a client sent as `?api_key=` though the
API reads keys only from the Authorization header. Access lines keep the path and drop the query.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import uvicorn
from starlette.types import ASGIApp


class QueryStringsLeftOut(logging.Filter):
    """Cuts the query string off every path (an argument starting with `/`) of an access line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                value.split("?", 1)[0] if isinstance(value, str) and value.startswith("/") else value
                for value in record.args
            )
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's own logging, with the filter on its access logger."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config.setdefault("filters", {})["query_strings_left_out"] = {"()": QueryStringsLeftOut}
    config["loggers"]["uvicorn.access"]["filters"] = ["query_strings_left_out"]
    return config


def server(app: ASGIApp, *, host: str, port: int) -> uvicorn.Server:
    """The app's server: proxy headers on (so HTTPS behind a proxy is seen), access lines without queries."""
    return uvicorn.Server(
        uvicorn.Config(
            app, host=host, port=port, proxy_headers=True, log_level="info", log_config=log_config()
        )
    )
