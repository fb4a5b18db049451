"""Beat's scheduler closes what it opened when beat stops, as the api and the worker do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from conveyor_beat.scheduler import LeaderScheduler
from conveyor_core.broker.app import create_celery_app
from conveyor_core.settings import Settings, get_settings


@pytest.fixture
def beat_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("DATABASE_URL", settings.database_dsn)
    monkeypatch.setenv("REDIS_URL", settings.redis_dsn)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def _beat_connections(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        query = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'conveyor.beat'"
        return int(session.scalar(text(query)) or 0)


@pytest.mark.commits  # pg_stat_activity is read once per transaction: each look needs its own
def test_closing_the_scheduler_releases_its_database_connections(
    beat_settings: Settings, sessions: sessionmaker[Session]
) -> None:
    scheduler = LeaderScheduler(app=create_celery_app(beat_settings, "conveyor.beat"))
    scheduler.tick()  # leads, and fires the (no) due schedules through its engine
    assert _beat_connections(sessions) == 1
    scheduler.close()
    assert _beat_connections(sessions) == 0
