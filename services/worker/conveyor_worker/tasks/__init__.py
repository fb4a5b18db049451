"""Task implementations, one module per family; importing them registers them."""

from conveyor_worker.tasks import diag, maintenance

__all__ = ["diag", "maintenance"]
