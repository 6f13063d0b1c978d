"""The outbox: every record drafted, sent once in dependency order, its attempts kept, and reconciled."""
