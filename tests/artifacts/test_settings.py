"""The artifact settings read from the environment."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from conveyor_core.settings import Settings


@pytest.mark.parametrize("url", ["postgresql://db/x", "s3://", "/var/files", "bucket/prefix"])
def test_an_artifacts_url_that_names_no_bucket_is_refused(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVEYOR_ARTIFACTS_URL", url)
    with pytest.raises(ValidationError, match="s3://bucket"):
        Settings()


def test_the_s3_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVEYOR_ARTIFACTS_URL", "s3://files/conveyor")
    monkeypatch.setenv("CONVEYOR_S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    monkeypatch.setenv("CONVEYOR_MAX_UPLOAD_BYTES", "1024")
    settings = Settings()
    assert settings.artifacts_url == "s3://files/conveyor"
    assert settings.s3_endpoint_url == "http://127.0.0.1:9000"
    assert settings.s3_region == "eu-west-3"
    assert settings.max_upload_bytes == 1024


def test_uploads_default_to_100_mib_in_postgresql() -> None:
    settings = Settings()
    assert settings.max_upload_bytes == 100 * 1024 * 1024
    assert settings.artifacts_url is None
