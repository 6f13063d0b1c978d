"""QuickBooks Online (Accounting API v3): OAuth2 with rolling refresh tokens, one company (realm) per
connection, batched creates under a requestid, sparse updates with SyncTokens."""

from datetime import timedelta

from ledgerlink.packages.quickbooks.auth import SCOPE, QuickBooksAuth
from ledgerlink.packages.quickbooks.connector import QuickBooksConnector
from ledgerlink.packages.quickbooks.import_fields import IMPORT_FIELDS
from ledgerlink.packages.quickbooks.opening import OPENING_ITEMS
from ledgerlink.packages.quickbooks.settings import QuickBooksConfig
from ledgerlink.packages.registry import PackageEntry

PACKAGE = PackageEntry(
    name="quickbooks",
    label="QuickBooks Online",
    auth=QuickBooksAuth,
    connector=QuickBooksConnector,
    config=QuickBooksConfig,
    default_scopes=(SCOPE,),
    import_fields=IMPORT_FIELDS,
    refresh_token_life=timedelta(days=100),  # rolling: each refresh starts it again
    opening_items=OPENING_ITEMS,
)

__all__ = ["PACKAGE", "QuickBooksAuth", "QuickBooksConfig", "QuickBooksConnector"]
