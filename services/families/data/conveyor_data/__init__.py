"""Conveyor's data family: ``data.validate_file``, ``data.import_file`` and ``data.export``
(contracts in :mod:`.contracts`, loaded by the api and beat; bodies in :mod:`.tasks`, loaded by
workers)."""
