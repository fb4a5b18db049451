"""Conveyor's ingest family: ``ingest.feed`` and ``ingest.all_sources`` (contracts in
:mod:`.contracts`, loaded by the api and beat; bodies in :mod:`.tasks`, loaded by workers)."""
