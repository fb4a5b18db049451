"""Which backend a process writes new artifacts to, and which it can read earlier ones from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from conveyor_core.artifacts.postgres_storage import PostgresStorage
from conveyor_core.artifacts.storage import Storage, StorageUnavailable
from conveyor_core.settings import Settings


@dataclass(frozen=True, slots=True)
class ArtifactStore:
    writer: Storage
    readers: Mapping[str, Storage]

    @classmethod
    def from_settings(cls, settings: Settings) -> ArtifactStore:
        postgres = PostgresStorage()
        backends: dict[str, Storage] = {postgres.name: postgres}
        writer: Storage = postgres
        if settings.artifacts_url is not None:
            from conveyor_core.artifacts.s3_storage import S3Storage

            writer = S3Storage.from_settings(settings)
            backends[writer.name] = writer
        return cls(writer=writer, readers=backends)

    def reader(self, backend: str) -> Storage:
        try:
            return self.readers[backend]
        except KeyError:
            raise StorageUnavailable(
                f"this artifact is stored in {backend!r}, which this process is not configured for"
            ) from None
