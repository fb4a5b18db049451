"""The side-effect ledger of ``diag.effect``: how "exactly-once recorded effect" is kept."""
