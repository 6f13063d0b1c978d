"""The use cases, by capability; each runs through a unit of work, for the CLI, the web and the worker alike.

access        who may sign in and which keys may call the REST API
feeding       records coming in from the job system: the Python API, the REST API, CSV files
onboarding    connecting a package, the settings sending follows, the steps, nominal mapping
linking       customers and suppliers that exist on both sides, proposed, reviewed and linked
importing     the package's contacts brought into the job system (the package-first path)
sending       the outbox: drafting, sending in tiers, attempts, changes after sending, reconcile
operations    what keeps connections alive: tokens, secrets, scheduling, reaching the packages
demo          demo books, the demo's steps and local sandboxes: the only room that imports sandbox/
spreadsheets  what every CSV file in and out shares: no cell a spreadsheet would run, any encoding
"""
