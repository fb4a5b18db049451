"""All tables; importing this package registers every model on ``Base.metadata``."""

from conveyor_core.models.api_key import ApiKey
from conveyor_core.models.job import Job, JobItem
from conveyor_core.models.schedule import Schedule
from conveyor_core.models.tenant import Tenant

__all__ = ["ApiKey", "Job", "JobItem", "Schedule", "Tenant"]
