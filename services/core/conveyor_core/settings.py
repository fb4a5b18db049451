"""Conveyor's one settings class, read from the environment.

Every variable is prefixed ``CONVEYOR_`` except the two conventional connection URLs,
``DATABASE_URL`` and ``REDIS_URL``, which are also accepted with the prefix.
"""

from __future__ import annotations

import tempfile
from enum import StrEnum
from functools import lru_cache
from typing import Self
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_PRODUCTION_KEY_LENGTH = 32  # a bootstrap key shorter than this is guessable
DEFAULT_METRICS_PORT = 9808  # celery-exporter's port, so existing scrape configs fit


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONVEYOR_", extra="ignore")

    env: Environment = Environment.DEVELOPMENT
    database_url: SecretStr = Field(
        default=SecretStr("postgresql+psycopg://postgres@127.0.0.1:5432/conveyor"),
        validation_alias=AliasChoices("CONVEYOR_DATABASE_URL", "DATABASE_URL"),
    )
    redis_url: SecretStr = Field(
        default=SecretStr("redis://127.0.0.1:6379/0"),
        validation_alias=AliasChoices("CONVEYOR_REDIS_URL", "REDIS_URL"),
    )

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    max_request_bytes: int = 1024 * 1024
    # an artifact upload's own limit (its route is exempt from max_request_bytes)
    max_upload_bytes: int = 100 * 1024 * 1024
    # where artifacts' content goes: PostgreSQL when unset, or s3://bucket/prefix; credentials
    # come from boto3's usual chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a role...)
    artifacts_url: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CONVEYOR_S3_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"),
    )

    diagnostics: bool = False
    bootstrap_admin_key: SecretStr | None = None
    bootstrap_tenant: str = "default"

    # Broker redelivers an unacknowledged message after this long; one value for every queue.
    visibility_timeout_seconds: int = 3600
    # A running row whose lease expired is presumed dead; heartbeats renew the lease.
    heartbeat_seconds: float = 10.0
    lease_seconds: float = 45.0
    # The reconciler's period.
    reconcile_interval_seconds: float = 5.0

    db_pool_size: int = 5

    # metrics and traces (traces also follow the standard OTEL_* variables)
    metrics_enabled: bool = True
    metrics_port: int = DEFAULT_METRICS_PORT
    # Prometheus scrapes the pod's address, so the worker's server listens on every interface.
    metrics_host: str = "0.0.0.0"  # noqa: S104
    # One hostname label value per pool instead of one per pod: bounded cardinality on Kubernetes.
    metrics_generic_hostname: bool = False
    # Scrapes within this window reuse the last database and broker figures.
    metrics_cache_seconds: float = 5.0
    # Prometheus's scrape interval of the api: a new metrics reporter waits this long before it
    # serves the cluster-wide gauges, so two replicas never serve them at once.
    metrics_scrape_interval_seconds: float = 30.0
    tracing_enabled: bool = True
    # Celery's task events (received, started, succeeded... on Redis pub/sub) feed Flower and
    # ``celery events``; Conveyor's own metrics do not need them. Each costs the worker's main
    # process a Redis round trip, three per task: off when nothing consumes them.
    task_events: bool = True
    # SIGTERM: running tasks get this long to finish; unstarted work goes back at once.
    # The chart's terminationGracePeriodSeconds must exceed it.
    worker_soft_shutdown_seconds: float = 30.0
    # worker probes: files the consumer keeps fresh while it is connected and consuming
    probe_dir: str = Field(default_factory=tempfile.gettempdir)
    worker_liveness_seconds: float = 60.0
    # which worker pool this process is (the chart sets it per Deployment); names DB connections
    worker_pool: str = "all"
    log_level: str = "INFO"
    log_format: str = "json"

    @field_validator("artifacts_url")
    @classmethod
    def _artifacts_url_names_a_bucket(cls, url: str | None) -> str | None:
        if url is not None and not (url.startswith("s3://") and urlsplit(url).netloc):
            raise ValueError("CONVEYOR_ARTIFACTS_URL must be s3://bucket[/prefix] (or unset)")
        return url

    @model_validator(mode="after")
    def _refuse_unsafe_production_values(self) -> Self:
        if self.env is not Environment.PRODUCTION:
            return self
        problems = list(self._production_problems())
        if problems:
            raise ValueError("unsafe production settings: " + "; ".join(problems))
        return self

    def _production_problems(self) -> list[str]:
        problems = []
        if not urlsplit(self.database_url.get_secret_value()).password:
            problems.append("DATABASE_URL has no password")
        if not urlsplit(self.redis_url.get_secret_value()).password:
            problems.append("REDIS_URL has no password")
        key = self.bootstrap_admin_key
        if key is not None and len(key.get_secret_value()) < MIN_PRODUCTION_KEY_LENGTH:
            problems.append(
                "CONVEYOR_BOOTSTRAP_ADMIN_KEY is shorter than "
                f"{MIN_PRODUCTION_KEY_LENGTH} characters"
            )
        if self.diagnostics:
            problems.append("CONVEYOR_DIAGNOSTICS must be off in production")
        if self.lease_seconds <= 2 * self.heartbeat_seconds:
            problems.append("CONVEYOR_LEASE_SECONDS must exceed two heartbeats")
        return problems

    @property
    def database_dsn(self) -> str:
        return self.database_url.get_secret_value()

    @property
    def redis_dsn(self) -> str:
        return self.redis_url.get_secret_value()


@lru_cache
def get_settings() -> Settings:
    return Settings()
