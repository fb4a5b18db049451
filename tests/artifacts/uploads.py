"""What the artifact tests share: the small upload limit, the S3 server's credentials, and an
upload through the api."""

from __future__ import annotations

from typing import Any

import httpx

from tests.paths import ARTIFACTS

SMALL_LIMIT = 64 * 1024
S3_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "conveyor-test",
    "AWS_SECRET_ACCESS_KEY": "conveyor-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def upload(
    client: httpx.Client,
    headers: dict[str, str],
    content: bytes = b"hello, artifact\n",
    *,
    name: str = "hello.txt",
    content_type: str = "text/plain",
) -> dict[str, Any]:
    """Upload ``content`` and return the artifact's JSON."""
    response = client.post(
        ARTIFACTS, files={"file": (name, content, content_type)}, headers=headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())
