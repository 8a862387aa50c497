"""Usage: what each workspace has used (the ledger, ``schemas/postgres/0024``) against its plan."""
