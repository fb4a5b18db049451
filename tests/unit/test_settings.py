from __future__ import annotations

import pytest
from pydantic import ValidationError

from conveyor_core.settings import Settings

SAFE = {
    "env": "production",
    "DATABASE_URL": "postgresql://conveyor:s3cret-pass@db:5432/conveyor",
    "REDIS_URL": "redis://:r3dis-pass@redis:6379/0",
}


def test_production_accepts_urls_with_passwords() -> None:
    assert Settings.model_validate(SAFE).env == "production"


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"DATABASE_URL": "postgresql://conveyor@db/conveyor"}, "DATABASE_URL has no password"),
        ({"REDIS_URL": "redis://redis:6379/0"}, "REDIS_URL has no password"),
        ({"bootstrap_admin_key": "short"}, "BOOTSTRAP_ADMIN_KEY is shorter"),
        ({"diagnostics": True}, "DIAGNOSTICS must be off"),
        ({"heartbeat_seconds": 10, "lease_seconds": 15}, "must exceed two heartbeats"),
    ],
)
def test_production_refuses_unsafe_values(override: dict[str, object], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        Settings.model_validate({**SAFE, **override})


def test_development_allows_passwordless_local_servers() -> None:
    settings = Settings(env="development", DATABASE_URL="postgresql://postgres@127.0.0.1/x")
    assert settings.database_dsn.endswith("/x")


def test_conventional_url_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@elsewhere/db")
    monkeypatch.setenv("REDIS_URL", "redis://elsewhere:6380/1")
    settings = Settings()
    assert settings.database_dsn == "postgresql://u:p@elsewhere/db"
    assert settings.redis_dsn == "redis://elsewhere:6380/1"
