"""The use cases: each module does one job through a unit of work, for the CLI, the web and scripts alike."""
