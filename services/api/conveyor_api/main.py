"""The api process: ``uvicorn --factory conveyor_api.main:create_app``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI

from conveyor.deployment import load_kinds_or_exit
from conveyor_api import errors, observability
from conveyor_api.admin.routes import router as admin_router
from conveyor_api.artifacts import errors as artifact_errors
from conveyor_api.artifacts.routes import UPLOAD_PATH
from conveyor_api.artifacts.routes import router as artifacts_router
from conveyor_api.catalogue.routes import router as catalogue_router
from conveyor_api.datasets import errors as dataset_errors
from conveyor_api.datasets.routes import router as datasets_router
from conveyor_api.health.routes import router as health_router
from conveyor_api.jobs.routes import router as jobs_router
from conveyor_api.jobs.stream import router as stream_router
from conveyor_api.keys.routes import router as keys_router
from conveyor_api.limits import BodySizeLimit
from conveyor_api.resources import ApiResources
from conveyor_api.schedules import errors as schedule_errors
from conveyor_api.schedules.routes import router as schedules_router
from conveyor_core.artifacts.backends import ArtifactStore
from conveyor_core.auth.service import bootstrap_admin_key
from conveyor_core.db.engine import transaction
from conveyor_core.observability.logging import configure_logging
from conveyor_core.settings import Settings, get_settings

log = structlog.get_logger(__name__)


def _bootstrap(res: ApiResources) -> None:
    key = res.settings.bootstrap_admin_key
    if key is None:
        return
    with transaction(res.sessions) as session:
        created = bootstrap_admin_key(
            session, res.settings.bootstrap_tenant, key.get_secret_value()
        )
    if created:
        log.info("bootstrap admin key installed", tenant=res.settings.bootstrap_tenant)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings, "api")
    load_kinds_or_exit(settings, "contracts", "api")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        res = ApiResources.open(settings)
        _bootstrap(res)
        app.state.resources = res
        app.state.artifact_store = ArtifactStore.from_settings(settings)
        app.state.reporter = observability.start_reporter(res)
        yield
        if app.state.reporter is not None:
            app.state.reporter.stop()
        res.close()

    app = FastAPI(
        title="Conveyor",
        version="0.1.0",
        summary="Submit, track, retry and cancel background jobs that run on Celery workers.",
        lifespan=lifespan,
    )
    errors.install(app)
    artifact_errors.install(app, settings)
    dataset_errors.install(app)
    schedule_errors.install(app)
    errors.document(app)
    app.include_router(health_router)
    app.include_router(jobs_router)
    app.include_router(stream_router)
    app.include_router(catalogue_router)
    app.include_router(admin_router)
    app.include_router(artifacts_router)
    app.include_router(datasets_router)
    app.include_router(schedules_router)
    app.include_router(keys_router)
    # an upload streams under its own limit, CONVEYOR_MAX_UPLOAD_BYTES
    app.add_middleware(
        BodySizeLimit, max_bytes=settings.max_request_bytes, exempt={("POST", UPLOAD_PATH)}
    )
    observability.install(app)  # last: its latency middleware sees every response
    return app
