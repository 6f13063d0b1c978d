"""ledgerlink's words and rules in pure Python: records, money and VAT, validation, contact details,
balances, and the outbox's states and order. No I/O, so every rule is tested in milliseconds and the
store, the faces and reconcile all apply the same ones."""
