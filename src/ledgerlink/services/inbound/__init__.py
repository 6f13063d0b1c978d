"""What comes back from the package: payments, allocations, voids and deletions made there, read with
the package's own change feeds, applied to the jobs side as records whose origin is the package, and
handed to the job system through the changes feed and signed webhooks.
"""
