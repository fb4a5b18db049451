"""The diagnostic family: small, observable kinds that exercise the platform end to end, and the
side-effect ledger of ``diag.effect`` with its own migrations. It exists only where
CONVEYOR_DIAGNOSTICS is on; production has neither its kinds nor its table."""

from conveyor_core.diag import ledger  # noqa: F401  (its table, for the branch's comparison)
