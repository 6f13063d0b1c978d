"""The REST API against its own OpenAPI document: generated requests never get a 5xx, and every answer
has a documented status, content type and shape."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from ledgerlink.services.runtime import Runtime
from ledgerlink.services.secrets import SecretBox
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.web import create_app
from tests.integration.web.conftest import make_tenant


def _app_with_a_company() -> tuple[object, dict[str, str]]:
    """The app on a store of its own (made when the module is collected: the schema needs the app)."""
    folder = Path(tempfile.mkdtemp(prefix="ledgerlink-openapi-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    store = Store.open(f"sqlite:///{folder}/api.db")
    atexit.register(store.close)
    key = {"Authorization": f"Bearer {make_tenant(store, 'Hollis Heating', 'C-HOLLIS').api_key}"}
    found = Settings(data_dir=folder, secret_key="openapi tests")
    return create_app(store, found, Runtime(store=store, settings=found, box=SecretBox("openapi"))), key


APP, KEY = _app_with_a_company()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_keeps_to_its_own_openapi_document(case: schemathesis.Case) -> None:
    case.call_and_validate(
        headers=KEY,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
