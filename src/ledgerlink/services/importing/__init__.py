"""The package's customers and suppliers brought into the job system: staged, explained, reversible."""
