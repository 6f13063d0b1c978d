"""Demo books, the demo's steps and sandboxes for trying ledgerlink: the only room that imports sandbox/."""
