"""The accounting packages: the port every package is reached through (`base.py`), what all of them
share (HTTP, pacing, budgets shared by workers), the registry, and one plugin folder per package."""
