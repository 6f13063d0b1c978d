"""Customers and suppliers that exist on both sides: matched, reviewed by a person, linked once."""
