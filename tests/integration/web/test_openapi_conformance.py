"""The REST API against its own OpenAPI document, with every check schemathesis has: generated requests
never get a 5xx; every answer has a documented status, content type, headers and shape; what the
document calls invalid is refused; and what it calls valid is kept, unless it breaks a rule only the
company's books can settle (a VAT rate, nominal account or payment method the company does not hold, an
allocation to a document it does not hold or beyond what is outstanding, lines adding up to less than
zero): those answer 422 naming that field, and `valid_records_are_refused_only_for_the_books` holds
every such refusal to it."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from ledgerlink.domain.records import NominalAccount, NominalKind
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.web import create_app
from tests.integration.web.conftest import make_tenant

# the fields a record the document allows may still be refused for: each names something of the books
RULES_OF_THE_BOOKS = ("vat_rate", "nominal_code", "default_expense_nominal", "method", "document_id")
SUMS_OF_THE_BOOKS = ("lines", "allocations", "amount", "invoice_id", "supplier_invoice_id")


def _app_with_a_company() -> tuple[object, dict[str, str]]:
    """The app on a store of its own (made when the module is collected: the schema needs the app)."""
    folder = Path(tempfile.mkdtemp(prefix="ledgerlink-openapi-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    store = Store.open(f"sqlite:///{folder}/api.db")
    atexit.register(store.close)
    tenant = make_tenant(store, "Hollis Heating", "C-HOLLIS")
    with store.unit_of_work() as uow:  # the document's supplier examples book costs to 5000
        accounts = uow.reference(tenant.company_id)
        accounts.put_nominal_accounts(
            [NominalAccount(code="5000", name="Materials", kind=NominalKind.EXPENSE)]
        )
        uow.commit()
    key = {"Authorization": f"Bearer {tenant.api_key}"}
    found = Settings(data_dir=folder, secret_key="openapi tests")
    return create_app(
        store, found, ConnectorFactory(store=store, settings=found, box=SecretBox("openapi"))
    ), key


APP, KEY = _app_with_a_company()
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            # 422 joins the statuses a valid request may get: the check below says for which rules
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
            }
        }
    }
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


def _blamed(problem: dict[str, Any]) -> str:
    """The field a refusal names, without its place: `line 2 vat_rate` and `allocation 1 amount` alike."""
    return str(problem["loc"][-1]).rsplit(" ", 1)[-1]


def valid_records_are_refused_only_for_the_books(
    ctx: object, response: schemathesis.Response, case: schemathesis.Case
) -> None:
    """A request the document allows, refused with 422, is refused only for a rule of the books: never
    for its shape or a rule about the record alone, which the document states."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return
    problems = response.json()["detail"]
    wrong = [
        problem
        for problem in problems
        if problem.get("type") != "record_invalid"
        or _blamed(problem) not in (*RULES_OF_THE_BOOKS, *SUMS_OF_THE_BOOKS)
    ]
    assert not wrong, f"the document allows what the API refuses: {wrong}"


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_keeps_to_its_own_openapi_document(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=KEY, additional_checks=[valid_records_are_refused_only_for_the_books])


def test_the_document_states_the_rules_the_api_keeps() -> None:
    """Clients generated from the document send what the API keeps."""
    components = schema.raw_schema["components"]["schemas"]
    invoice, line = components["InvoiceCreate"], components["DocumentLine"]
    assert invoice["properties"]["lines"]["minItems"] == 1
    assert line["properties"]["unit_price"]["type"] == "string"
    assert line["properties"]["unit_price"]["pattern"]
    assert "anyOf" in components["CustomerCreate"]
    assert "name" in components["SupplierCreate"]["required"]
