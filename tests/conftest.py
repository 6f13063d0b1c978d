"""Fixtures every test folder may use: a fresh store on SQLite, and on PostgreSQL when one is reachable."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from hypothesis import settings
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from ledgerlink.store import Store
from tests.support import tryton_books

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# Property tests check what holds, not how fast: on a busy machine one example can take longer than
# Hypothesis's default 200 ms, which would fail a rule that holds. Speed is the benchmarks' business.
settings.register_profile("ledgerlink", deadline=None)
# CI runs the same examples every time (`.ci/run` chooses this profile), so a run passes or fails on the
# code alone; a developer's run draws new ones, which is how property tests find what nobody thought of.
settings.register_profile("ci", parent=settings.get_profile("ledgerlink"), derandomize=True)
settings.load_profile(os.environ.get("LEDGERLINK_HYPOTHESIS_PROFILE", "ledgerlink"))


def postgres_server_url() -> str:
    return os.environ.get("LEDGERLINK_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def scratch_database(label: str) -> Iterator[str]:
    """A database of its own on the test server for the time of the block, dropped afterwards.

    Every PostgreSQL test gets its database here; the test is skipped when there is no server.
    """
    server = postgres_server_url()
    name = f"ll_{label[:30]}_{uuid.uuid4().hex[:8]}".lower()
    try:
        admin = psycopg.connect(_libpq(server), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable at {server} ({error}); set LEDGERLINK_TEST_POSTGRES_URL")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(server), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def postgres_database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A database of its own for each test module, dropped afterwards; skips when there is no server."""
    with scratch_database(request.module.__name__.rsplit(".", 1)[-1]) as url:
        yield url


@pytest.fixture
def sqlite_store(tmp_path: os.PathLike[str]) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path}/ledgerlink.db")
    yield store
    store.close()


@pytest.fixture
def postgres_store(postgres_database_url: str) -> Iterator[Store]:
    """The module's PostgreSQL database, emptied after each test so every test starts clean."""
    store = Store.open(postgres_database_url)
    yield store
    tables = [t for t in inspect(store.engine).get_table_names() if t != "alembic_version"]
    if tables:
        with store.engine.begin() as connection:
            quoted = ", ".join(f'"{table}"' for table in tables)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest) -> Store:
    """The same test on both backends ledgerlink supports."""
    store: Store = request.getfixturevalue(f"{request.param}_store")
    return store


@pytest.fixture(scope="session", autouse=True)
def _shared_tryton_template(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One Tryton template for the whole run, in the folder its test processes share."""
    base = tmp_path_factory.getbasetemp()
    tryton_books.shared_templates = (
        base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    ) / "tryton"
