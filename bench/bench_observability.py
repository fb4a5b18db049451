"""Worker throughput with metrics and tracing on versus off, in the same run.

The same number of echo jobs waits in the queue before a worker starts; the clock runs from the
end of a short warm-up to the last row finished. "On" serves metrics and exports every span to a
local OTLP/HTTP receiver; "off" disables both. Each round runs every mode, in alternating order
so drift hits them alike; the figure is the median of the rounds' ratios to "off" (on a shared
machine single rounds vary a lot). Beside throughput, the CPU time the worker's processes spent
per job: what observability costs, whatever else the machine is doing. Target: overhead at
most 10 %.
"""

from __future__ import annotations

import os
import signal
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from bench.config import rounds, size
from bench.cpu import tree_seconds
from bench.stack import backing_services, settings_for
from conveyor_cli.devstack import commands
from conveyor_cli.devstack.ports import free_port
from conveyor_core.auth.service import create_key
from conveyor_core.broker.app import create_celery_app
from conveyor_core.broker.publishing import Publisher
from conveyor_core.db.engine import make_engine, make_sessionmaker, transaction
from conveyor_core.jobs import service
from conveyor_core.jobs.service import JobRequest
from conveyor_core.models import Job
from conveyor_core.settings import Settings
from conveyor_worker.observability.probes import ready_file
from tests import processes
from tests.observability.otlp_receiver import otlp_receiver
from tests.waiting import until

JOBS_PER_ROUND = size("observability_jobs", 1000, 200)
ROUNDS = int(os.environ.get("BENCH_OBSERVABILITY_ROUNDS", str(rounds())))
CONCURRENCY = 4
WARM_UP_JOBS = 50  # not measured: the first jobs of each pool process pay for its set-up
TARGET_OVERHEAD = 0.10
SAMPLED_RATIO = 0.1  # the chart's default tracing.sampleRatio
BATCH = 100


def _enqueue(sessions: sessionmaker[Session], settings: Settings, count: int) -> None:
    with transaction(sessions) as session:
        key, _ = create_key(session, "bench")
        tenant = key.tenant_id
    app = create_celery_app(settings, "conveyor.bench")
    publisher = Publisher(app)
    for start in range(0, count, BATCH):
        requests = [
            JobRequest(kind="diag.echo", params={"message": str(n)})
            for n in range(start, min(start + BATCH, count))
        ]
        service.create_jobs(sessions, publisher, settings, tenant, requests)
    app.close()


def _finished(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(
            session.scalar(select(func.count()).where(Job.status.in_(["succeeded", "failed"]))) or 0
        )


@dataclass(frozen=True)
class Measured:
    jobs_per_second: float
    cpu_ms_per_job: float


def _round(env: dict[str, str], logs: Path, sessions: sessionmaker[Session], name: str) -> Measured:
    settings = settings_for(env)
    with transaction(sessions) as session:
        session.execute(delete(Job))
    _enqueue(sessions, settings, JOBS_PER_ROUND)
    argv = commands.worker(queues="default", concurrency=CONCURRENCY, name=name)
    probes = logs / name
    probes.mkdir()
    worker = processes.start(name, argv, {**env, "CONVEYOR_PROBE_DIR": str(probes)}, logs)
    try:
        # the consumer's ready probe: logs stay at WARNING so they cost both modes little
        ready = ready_file(settings.model_copy(update={"probe_dir": str(probes)}))
        until(ready.exists, 60, "the worker to be ready")
        # the steady state: pool processes connect and set up on their first jobs
        until(lambda: _finished(sessions) >= WARM_UP_JOBS, 60, "the warm-up jobs")
        before = _finished(sessions)
        started, cpu_started = time.monotonic(), tree_seconds(worker.process.pid)
        while _finished(sessions) < JOBS_PER_ROUND:
            time.sleep(0.05)
        elapsed, cpu = time.monotonic() - started, tree_seconds(worker.process.pid) - cpu_started
        jobs = JOBS_PER_ROUND - before
        return Measured(jobs / elapsed, 1000 * cpu / jobs)
    finally:
        worker.stop(signal.SIGTERM)


def main() -> None:
    with backing_services() as (_, env, root), otlp_receiver(decode=False) as (endpoint, receiver):
        logs = root / "logs"
        engine = make_engine(settings_for(env), "conveyor.bench")
        sessions = make_sessionmaker(engine)
        off = {**env, "CONVEYOR_METRICS_ENABLED": "0", "CONVEYOR_TRACING_ENABLED": "0"}
        on = {
            **env,
            "CONVEYOR_METRICS_PORT": str(free_port()),
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        }
        metrics_only = {**on, "CONVEYOR_TRACING_ENABLED": "0"}
        sampled = {**on, "OTEL_TRACES_SAMPLER": "parentbased_traceidratio"}
        sampled["OTEL_TRACES_SAMPLER_ARG"] = str(SAMPLED_RATIO)
        modes = {"off": off, "metrics": metrics_only, "sampled": sampled, "on": on}
        rounds: dict[str, list[Measured]] = {mode: [] for mode in modes}
        for n in range(ROUNDS):
            order = list(modes.items())
            for mode, mode_env in order if n % 2 == 0 else reversed(order):
                rounds[mode].append(_round(mode_env, logs, sessions, f"bench-{mode}-{n}"))
        engine.dispose()
        exports = receiver.requests
    _report(rounds, exports)


LABELS = {
    "off": "metrics+tracing off",
    "metrics": "metrics only",
    "sampled": f"metrics + {SAMPLED_RATIO:.0%} of traces (the chart's default)",
    "on": "metrics+tracing on",
}


def _report(rounds: dict[str, list[Measured]], exports: int) -> None:
    print(f"jobs per round: {JOBS_PER_ROUND}, worker concurrency {CONCURRENCY}, rounds {ROUNDS}")
    rates = {mode: [m.jobs_per_second for m in measured] for mode, measured in rounds.items()}
    cpu = {mode: [m.cpu_ms_per_job for m in measured] for mode, measured in rounds.items()}
    for mode, label in LABELS.items():
        print(
            f"{label:>50}: {statistics.median(rates[mode]):6.1f} jobs/s median, "
            f"ratio to off {_median_ratio(rates[mode], rates['off']):.3f} "
            f"(rounds: {_fmt(rates[mode])}); "
            f"worker CPU {statistics.median(cpu[mode]):.2f} ms/job, "
            f"ratio to off {_median_ratio(cpu[mode], cpu['off']):.3f}"
        )
    for mode in ("sampled", "on"):
        ratio = _median_ratio(rates[mode], rates["off"])
        print(
            f"{LABELS[mode]} vs off: throughput overhead {1 - ratio:.1%} (median of rounds), "
            f"worker CPU per job x{_median_ratio(cpu[mode], cpu['off']):.3f} "
            f"(target: overhead <= {TARGET_OVERHEAD:.0%})"
        )
        if 1 - ratio > TARGET_OVERHEAD:
            print("WARNING: overhead above target")
    print(f"OTLP export requests received: {exports}")


def _median_ratio(values: list[float], baseline: list[float]) -> float:
    return statistics.median(a / b for a, b in zip(values, baseline, strict=True))


def _fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values)
