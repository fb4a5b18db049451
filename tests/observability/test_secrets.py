"""No configured secret ever leaves a process: not in its logs, its error responses or /workers."""

from __future__ import annotations

import io
import logging
import secrets
import signal
from collections.abc import Callable, Iterator
from contextlib import redirect_stdout
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import structlog
from sqlalchemy.orm import Session, sessionmaker

from conveyor_cli.devstack import commands
from conveyor_cli.devstack.ports import free_port
from conveyor_core.observability.logging import REDACTED, configure_logging
from conveyor_core.settings import Settings
from tests import processes
from tests.factories import bearer, make_key
from tests.paths import API, JOBS, WORKERS, job
from tests.processes import Running
from tests.waiting import job_reaches


def _with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    user = parts.username or "postgres"
    netloc = f"{user}:{password}@{parts.hostname}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


@pytest.mark.usefixtures("restore_logging")
def test_log_lines_redact_every_secret_setting_even_inside_exceptions() -> None:
    password, key = secrets.token_hex(12), "cvk_" + secrets.token_hex(20)
    settings = Settings.model_validate(
        {
            "DATABASE_URL": f"postgresql://conveyor:{password}@db.internal:5432/conveyor",
            "REDIS_URL": f"redis://:{password}x@redis.internal:6379/0",
            "bootstrap_admin_key": key,
        }
    )
    out = io.StringIO()
    with redirect_stdout(out):
        configure_logging(settings, "test")
        log = structlog.get_logger("secrets")
        log.info("connecting", url=settings.database_dsn, key=key)
        logging.getLogger("stdlib").warning("redis at %s", settings.redis_dsn)
        try:
            raise ConnectionError(f"password authentication failed: {password}")
        except ConnectionError:
            log.exception("database unreachable")
    text = out.getvalue()
    for secret in (password, f"{password}x", key, settings.database_dsn):
        assert secret not in text
    assert text.count(REDACTED) >= 4


@pytest.mark.integration
def test_no_secret_in_api_and_worker_logs_error_responses_or_workers(
    process_env: dict[str, str],
    logs_dir: Path,
    start_worker: Callable[..., Running],
    sessions: sessionmaker[Session],
) -> None:
    password, admin_key = secrets.token_hex(12), "cvk_" + secrets.token_hex(24)
    env = {
        **process_env,
        # the embedded server trusts local connections, so any password is accepted
        "DATABASE_URL": _with_password(process_env["DATABASE_URL"], password),
        "CONVEYOR_BOOTSTRAP_ADMIN_KEY": admin_key,
        "CONVEYOR_BOOTSTRAP_TENANT": "ops",
    }
    api_port = free_port()
    api = processes.start("api", commands.api(api_port), env, logs_dir)
    user_key = make_key(sessions)
    bodies: list[str] = []
    try:
        api.wait_for_output("Application startup complete")
        worker = start_worker(queues="default", extra_env={**env, "CONVEYOR_METRICS_PORT": "0"})
        with httpx.Client(base_url=f"http://127.0.0.1:{api_port}", timeout=30) as http:
            admin, user = bearer(admin_key), bearer(user_key)
            created = http.post(
                JOBS, json={"kind": "diag.echo", "params": {"message": "m"}}, headers=user
            )
            job_reaches(sessions, created.json()["id"], "succeeded")
            responses = [
                http.get(
                    job(created.json()["id"]),
                    headers=bearer(f"{admin_key}x"),
                ),
                http.get(job("not-a-uuid"), headers=user),
                http.post(JOBS, json={"kind": "no.such.kind", "params": {}}, headers=user),
                http.post(
                    JOBS, json={"kind": "diag.echo", "params": {"message": password}}, headers=user
                ),
                http.get(f"{API}/nothing-here", headers=admin),
            ]
            workers = http.get(WORKERS, headers=admin)
        bodies = [r.text for r in responses if r.status_code >= 400]
        if workers.status_code != 404:  # the endpoint exists from the operations api on
            assert workers.status_code == 200
            bodies.append(workers.text)
        outputs = [api.output(), worker.output()]
    finally:
        api.stop(signal.SIGTERM)
    assert len(bodies) >= 3
    for secret in (password, admin_key, user_key):
        for text in [*bodies, *outputs]:
            assert secret not in text
