"""All tables; importing this package registers every model on ``Base.metadata``."""

from conveyor_core.artifacts.models import Artifact, ArtifactChunk
from conveyor_core.datasets.models import Dataset, DatasetRecord
from conveyor_core.models.api_key import ApiKey
from conveyor_core.models.job import Job, JobItem
from conveyor_core.models.schedule import Schedule
from conveyor_core.models.tenant import Tenant

__all__ = [
    "ApiKey",
    "Artifact",
    "ArtifactChunk",
    "Dataset",
    "DatasetRecord",
    "Job",
    "JobItem",
    "Schedule",
    "Tenant",
]
