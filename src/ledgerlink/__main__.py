"""`python -m ledgerlink`: the same command line as `ledgerlink`."""

from ledgerlink.cli import main

main()
