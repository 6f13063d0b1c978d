"""Local emulators of the accounting packages' HTTP APIs, one per package, held against their specs.

`sandbox/registry.py` lists them by package name; the demo, the command line (through the demo's
services) and the tests find a sandbox only through it.
"""
