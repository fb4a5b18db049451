"""Conveyor's backfill family: ``backfill.fetch`` (contracts in :mod:`.contracts`, loaded by the
api and beat; the body in :mod:`.tasks`, loaded by workers)."""
