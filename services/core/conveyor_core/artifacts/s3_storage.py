"""Artifact content in an S3-compatible bucket (``CONVEYOR_ARTIFACTS_URL=s3://bucket/prefix``).

Large files go up as a multipart upload, one part in memory at a time; an upload that fails
midway is aborted so the bucket keeps no half-written parts. The row records the object's full
``s3://bucket/key`` URL, so a later change of bucket or prefix leaves earlier artifacts
readable.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from conveyor_core.artifacts.storage import CHUNK_BYTES, Meter, Written, rechunk
from conveyor_core.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

NAME = "s3"
PART_BYTES = 8 * 1024 * 1024  # S3 refuses parts under 5 MiB but the last


def _split(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.netloc, parts.path.strip("/")


class S3Storage:
    name = NAME

    def __init__(self, client: S3Client, url: str) -> None:
        self._client = client
        self._bucket, self._prefix = _split(url)

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        import boto3  # only a process configured for S3 pays for importing it

        client = boto3.session.Session().client(
            "s3", endpoint_url=settings.s3_endpoint_url, region_name=settings.s3_region
        )
        assert settings.artifacts_url is not None
        return cls(client, settings.artifacts_url)

    def write(self, session: Session, artifact_id: uuid.UUID, key: str, content: Meter) -> Written:
        object_key = f"{self._prefix}/{key}" if self._prefix else key
        parts = rechunk(content, PART_BYTES)
        first = next(parts, b"")
        if len(first) < PART_BYTES:  # the whole file fits in one part: one request
            self._client.put_object(Bucket=self._bucket, Key=object_key, Body=first)
        else:
            self._upload_parts(object_key, first, parts)
        return Written(
            size=content.size, sha256=content.sha256, location=f"s3://{self._bucket}/{object_key}"
        )

    def _upload_parts(self, object_key: str, first: bytes, rest: Iterator[bytes]) -> None:
        upload_id = self._client.create_multipart_upload(Bucket=self._bucket, Key=object_key)[
            "UploadId"
        ]
        try:
            done = [self._part(object_key, upload_id, 1, first)]
            for number, part in enumerate(rest, start=2):
                done.append(self._part(object_key, upload_id, number, part))
            self._client.complete_multipart_upload(
                Bucket=self._bucket,
                Key=object_key,
                UploadId=upload_id,
                MultipartUpload={"Parts": done},
            )
        except BaseException:
            self._client.abort_multipart_upload(
                Bucket=self._bucket, Key=object_key, UploadId=upload_id
            )
            raise

    def _part(
        self, object_key: str, upload_id: str, number: int, body: bytes
    ) -> CompletedPartTypeDef:
        answer = self._client.upload_part(
            Bucket=self._bucket, Key=object_key, UploadId=upload_id, PartNumber=number, Body=body
        )
        return {"PartNumber": number, "ETag": answer["ETag"]}

    def open(
        self, session: Session, artifact_id: uuid.UUID, location: str | None
    ) -> Iterator[bytes]:
        bucket, object_key = _split(self._location(location))
        body = self._client.get_object(Bucket=bucket, Key=object_key)["Body"]
        return self._drain(body)

    @staticmethod
    def _drain(body: object) -> Iterator[bytes]:
        try:
            yield from body.iter_chunks(CHUNK_BYTES)  # type: ignore[attr-defined]
        finally:
            body.close()  # type: ignore[attr-defined]

    def delete(self, session: Session, artifact_id: uuid.UUID, location: str | None) -> None:
        bucket, object_key = _split(self._location(location))
        self._client.delete_object(Bucket=bucket, Key=object_key)

    @staticmethod
    def _location(location: str | None) -> str:
        if location is None:
            raise ValueError("an S3 artifact without a location")
        return location
