"""Getting a company ready to send: connecting, settings, the steps of its path, and nominal mapping."""
