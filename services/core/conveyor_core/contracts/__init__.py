"""Task contracts: the names the api enqueues by, and the schemas their params must satisfy.

Contracts live in core; implementations live in the worker. The api never imports worker code.
"""

from conveyor_core.contracts.catalogue import catalogue, get_contract
from conveyor_core.contracts.registry import TaskContract, UnknownKind, register

__all__ = ["TaskContract", "UnknownKind", "catalogue", "get_contract", "register"]
