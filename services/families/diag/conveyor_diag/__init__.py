"""The diagnostic family: small, observable kinds that exercise the platform end to end, and the
side-effect ledger of ``diag.effect`` with its own migrations. It is loaded only where
CONVEYOR_DIAGNOSTICS is on; production has neither its kinds nor its table.

``contracts`` is import-light (pydantic and the SDK); ``tasks`` holds the bodies (workers);
``ledger`` the table and its Alembic branch ``diag``.
"""
