"""Task packages through real processes: the example package installed into a folder on
PYTHONPATH (entry points), modules named in CONVEYOR_TASK_MODULES, the worker's TaskContext,
retries steered by the task, kinds a worker lacks, and the start-up refusals."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from conveyor_cli.devstack import commands
from conveyor_cli.devstack.ports import free_port
from conveyor_core.models import Job
from tests import processes
from tests.processes import Running
from tests.waiting import job_reaches, job_row, until

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ACME = ROOT / "examples" / "acme-tasks"
TEAM_MODULES = ROOT / "examples" / "task-modules"
PROBE_MODULES = Path(__file__).resolve().parent / "task_modules"
JOBS = "/api/v1/jobs"
REFUSAL_TIMEOUT_SECONDS = 120
PORT_ATTEMPTS = 3
BUILT_IN_FAMILY_KINDS = {
    "backfill.fetch",
    "data.validate_file",
    "data.import_file",
    "data.export",
    "ingest.feed",
    "ingest.all_sources",
}


@pytest.fixture(scope="module")
def acme_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example package installed as a team would, into a folder of its own."""
    target = tmp_path_factory.mktemp("acme-site")
    uv = shutil.which("uv")
    installer = (
        [uv, "pip", "install", "--python", sys.executable]
        if uv
        else [
            sys.executable,
            "-m",
            "pip",
            "install",
        ]
    )
    subprocess.run(
        [*installer, "--quiet", "--no-deps", "--target", str(target), str(ACME)],
        check=True,
        capture_output=True,
    )
    return target


def task_env(*paths: Path, modules: str = "") -> dict[str, str]:
    return {
        "PYTHONPATH": ":".join(str(path) for path in paths),
        "CONVEYOR_TASK_MODULES": modules,
    }


@pytest.fixture
def packages_env(acme_site: Path) -> dict[str, str]:
    """Both ways at once: the installed example, and modules on the path."""
    return task_env(acme_site, TEAM_MODULES, PROBE_MODULES, modules="team_tasks,probe_tasks")


@dataclass
class Api:
    url: str
    headers: dict[str, str]

    def submit(self, kind: str, **params: Any) -> dict[str, Any]:
        body = {"kind": kind, "params": params}
        answer = httpx.post(f"{self.url}{JOBS}", json=body, headers=self.headers, timeout=30)
        assert answer.status_code == 201, answer.text
        created: dict[str, Any] = answer.json()
        return created

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", headers=self.headers, timeout=30)

    def job(self, job_id: str) -> dict[str, Any]:
        answer = self.get(f"{JOBS}/{job_id}")
        assert answer.status_code == 200, answer.text
        job: dict[str, Any] = answer.json()
        return job


@pytest.fixture
def start_api(
    process_env: dict[str, str], logs_dir: Path, auth: dict[str, str]
) -> Iterator[Callable[[dict[str, str]], Api]]:
    started: list[Running] = []

    def start(extra_env: dict[str, str]) -> Api:
        for _ in range(PORT_ATTEMPTS):  # a free port may be taken by another program meanwhile
            port = free_port()
            running = processes.start(
                f"api-{len(started)}", commands.api(port), {**process_env, **extra_env}, logs_dir
            )
            started.append(running)
            try:
                running.wait_for_output(f"running on http://127.0.0.1:{port}")
            except RuntimeError:
                if "address already in use" in running.output():
                    continue
                raise
            return Api(f"http://127.0.0.1:{port}", auth)
        raise RuntimeError(f"no free port for the api in {PORT_ATTEMPTS} attempts")

    yield start
    for running in started:
        running.stop(signal.SIGKILL)


def finished(sessions: sessionmaker[Session], job: dict[str, Any]) -> str:
    return job_reaches(sessions, job["id"], "succeeded", "failed", timeout=120).status


def test_both_discovery_ways_and_the_built_in_families_are_listed(
    start_api: Callable[[dict[str, str]], Api], packages_env: dict[str, str]
) -> None:
    api = start_api(packages_env)
    answer = api.get("/api/v1/task-kinds")
    assert answer.status_code == 200
    listed = {kind["kind"]: kind for kind in answer.json()["items"]}
    assert {"acme.double", "acme.squares", "acme.report", "team.greet"} <= set(listed)
    assert set(listed) >= BUILT_IN_FAMILY_KINDS
    assert "diag.echo" in listed
    assert listed["acme.squares"]["fanout"] is True
    assert listed["acme.report"]["queue"] == "data"
    assert listed["acme.double"]["params_schema"]["properties"]["n"]["type"] == "integer"


def test_the_example_package_runs_end_to_end(
    start_api: Callable[[dict[str, str]], Api],
    start_worker: Callable[..., Running],
    packages_env: dict[str, str],
    sessions: sessionmaker[Session],
) -> None:
    api = start_api(packages_env)
    start_worker(extra_env=packages_env)
    double = api.submit("acme.double", n=21)
    squares = api.submit("acme.squares", count=10)
    report = api.submit("acme.report", title="values", values=[1.0, 2.0, 6.0])
    greet = api.submit("team.greet", name="Ada")
    assert finished(sessions, double) == "succeeded"
    assert api.job(double["id"])["result"] == {"value": 42}
    assert finished(sessions, squares) == "succeeded"
    squared = api.job(squares["id"])["result"]
    assert squared["sum"] == sum(n * n for n in range(1, 11))
    assert squared["items"] == {"succeeded": 10, "failed": 0}
    assert finished(sessions, report) == "succeeded"
    detail = api.job(report["id"])
    assert detail["result"]["count"] == 3
    assert [a["id"] for a in detail["artifacts"]] == [detail["result"]["artifact_id"]]
    content = api.get(f"/api/v1/artifacts/{detail['result']['artifact_id']}/content")
    assert content.text.splitlines() == ["index,value", "0,1.0", "1,2.0", "2,6.0"]
    assert finished(sessions, greet) == "succeeded"
    assert api.job(greet["id"])["result"] == {"greeting": "Hello, Ada!"}


def test_bad_params_are_refused_against_the_packages_model(
    start_api: Callable[[dict[str, str]], Api], packages_env: dict[str, str]
) -> None:
    api = start_api(packages_env)
    answer = httpx.post(
        f"{api.url}{JOBS}",
        json={"kind": "acme.double", "params": {"n": "many"}},
        headers=api.headers,
        timeout=30,
    )
    assert answer.status_code == 422
    assert "n" in json.dumps(answer.json())
    assert api.get(JOBS).json()["items"] == []


def test_the_context_is_stable_across_retries_and_knows_the_tenant(
    start_api: Callable[[dict[str, str]], Api],
    start_worker: Callable[..., Running],
    beat: Running,  # its reconciler sends the retry once it is due
    packages_env: dict[str, str],
    sessions: sessionmaker[Session],
) -> None:
    api = start_api(packages_env)
    start_worker(extra_env=packages_env)
    job = api.submit("probe.context", dataset="probe-context")
    assert finished(sessions, job) == "succeeded"
    seen = api.job(job["id"])["result"]["seen"]
    assert [record["attempt"] for record in seen] == [1, 2]
    assert {record["idempotency_key"] for record in seen} == {f"conveyor:{job['id']}"}
    assert {record["tenant"] for record in seen} == {"acme"}
    assert {record["job_id"] for record in seen} == {job["id"]}
    stored = api.get("/api/v1/datasets/probe-context").json()
    assert stored["record_count"] == 2


def test_fanout_items_have_their_own_keys_and_finalize_joins_the_result(
    start_api: Callable[[dict[str, str]], Api],
    start_worker: Callable[..., Running],
    packages_env: dict[str, str],
    sessions: sessionmaker[Session],
) -> None:
    api = start_api(packages_env)
    start_worker(extra_env=packages_env)
    job = api.submit("probe.items", count=5)
    assert finished(sessions, job) == "succeeded"
    result = api.job(job["id"])["result"]
    assert result["total"] == 0 + 1 + 2 + 3 + 4
    assert result["counted"] == {"succeeded": 5, "failed": 0}
    assert len(result["keys"]) == 5
    assert all(key.startswith(f"conveyor:{job['id']}/") for key in result["keys"])
    assert api.job(job["id"])["progress"]["percent"] == 100.0


def test_a_finalize_that_raises_fails_the_job_once_with_its_error(
    start_api: Callable[[dict[str, str]], Api],
    start_worker: Callable[..., Running],
    packages_env: dict[str, str],
    sessions: sessionmaker[Session],
) -> None:
    api = start_api(packages_env)
    start_worker(extra_env=packages_env)
    job = api.submit("probe.items", count=3, fail_finalize=True)
    assert finished(sessions, job) == "failed"
    detail = api.job(job["id"])
    assert detail["error"] == {
        "type": "ValueError",
        "message": "finalize: finalize fails on purpose",
    }
    assert detail["result"]["items"] == {"succeeded": 3, "failed": 0}


def test_progress_shows_in_the_job_and_on_its_event_stream(
    start_api: Callable[[dict[str, str]], Api],
    start_worker: Callable[..., Running],
    packages_env: dict[str, str],
    sessions: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    api = start_api(packages_env)
    start_worker(extra_env=packages_env)
    release = tmp_path / "release"
    job = api.submit("probe.progress", release_file=str(release))
    quarter = until(
        lambda: api.job(job["id"])["progress"]["percent"] == 25.0, what="a quarter reported"
    )
    assert quarter
    assert api.job(job["id"])["progress"]["message"] == "a quarter"
    snapshots = []
    with httpx.stream(
        "GET", f"{api.url}{JOBS}/{job['id']}/events", headers=api.headers, timeout=60
    ) as stream:
        for line in stream.iter_lines():
            if not line.startswith("data:"):
                continue
            snapshots.append(json.loads(line.removeprefix("data:").strip()))
            release.touch()  # the stream saw the running job: let the task finish
    assert snapshots[0]["progress"]["percent"] == 25.0
    assert snapshots[0]["progress"]["message"] == "a quarter"
    assert snapshots[-1]["status"] == "succeeded"
    assert snapshots[-1]["progress"]["percent"] == 100.0
    assert finished(sessions, job) == "succeeded"
    assert api.job(job["id"])["progress"]["message"] == "done"


def test_retry_after_waits_at_least_its_seconds_and_non_retryable_fails_at_once(
    start_api: Callable[[dict[str, str]], Api],
    start_worker: Callable[..., Running],
    packages_env: dict[str, str],
    sessions: sessionmaker[Session],
) -> None:
    api = start_api(packages_env)
    start_worker(extra_env=packages_env)
    wait = timedelta(hours=1)  # far beyond the default queue's 60 s backoff cap
    delayed = api.submit("probe.retry_after", seconds=wait.total_seconds())
    refused = api.submit("probe.refuse", reason="bad input")
    assert finished(sessions, refused) == "failed"
    assert api.job(refused["id"])["attempts"] == 1
    assert api.job(refused["id"])["error"] == {"type": "NonRetryable", "message": "bad input"}

    def retry_scheduled() -> Job | None:
        row = job_row(sessions, delayed["id"])
        return row if row.attempts == 1 and row.status == "queued" else None

    row = until(retry_scheduled, what="the retry to be scheduled")
    assert row.error is not None
    assert row.error["type"] == "RetryAfter"
    assert row.due_at > datetime.now(UTC) + wait - timedelta(minutes=5)


def test_a_kind_the_worker_lacks_fails_instead_of_being_sent_forever(
    start_api: Callable[[dict[str, str]], Api],
    start_worker: Callable[..., Running],
    acme_site: Path,
    sessions: sessionmaker[Session],
) -> None:
    with_contract = task_env(PROBE_MODULES, modules="probe_tasks,probe_contract_only")
    api = start_api(with_contract)
    start_worker(extra_env=task_env(PROBE_MODULES, modules="probe_tasks"))
    job = api.submit("probe.unbuilt", n=1)
    assert finished(sessions, job) == "failed"
    detail = api.job(job["id"])
    assert detail["error"]["type"] == "NoImplementation"
    assert "probe.unbuilt" in detail["error"]["message"]
    assert detail["attempts"] == 1


def test_diagnostic_kinds_are_neither_offered_nor_bound_with_diagnostics_off(
    start_api: Callable[[dict[str, str]], Api],
    start_worker: Callable[..., Running],
    sessions: sessionmaker[Session],
) -> None:
    off = {"CONVEYOR_DIAGNOSTICS": "0"}
    api_off = start_api(off)
    kinds = {kind["kind"] for kind in api_off.get("/api/v1/task-kinds").json()["items"]}
    assert not {kind for kind in kinds if kind.startswith("diag.")}
    assert kinds >= BUILT_IN_FAMILY_KINDS
    refused = httpx.post(
        f"{api_off.url}{JOBS}",
        json={"kind": "diag.echo", "params": {"message": "hi"}},
        headers=api_off.headers,
        timeout=30,
    )
    assert refused.status_code == 422
    # a job accepted where diagnostics are on finds a worker without them: it fails
    api_on = start_api({})
    start_worker(extra_env=off)
    job = api_on.submit("diag.echo", message="hi")
    assert finished(sessions, job) == "failed"
    assert api_on.job(job["id"])["error"]["type"] == "NoImplementation"


def refusal(argv: list[str], env: dict[str, str]) -> str:
    """A process that must not start: its exit status and what it said."""
    done = subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=REFUSAL_TIMEOUT_SECONDS
    )
    assert done.returncode != 0, done.stdout + done.stderr
    return done.stderr


@pytest.mark.parametrize(
    ("modules", "says"),
    [
        ("probe_broken", "CONVEYOR_TASK_MODULES module probe_broken failed to import"),
        ("probe_missing", "CONVEYOR_TASK_MODULES module probe_missing failed to import"),
        (
            "probe_tasks,probe_duplicate",
            "kind 'probe.refuse' is registered twice: by module probe_tasks (not installed) "
            "and by module probe_duplicate (not installed)",
        ),
        ("probe_unknown_queue", "'probe.lost' on 'nowhere' (module probe_unknown_queue"),
        ("probe_contract_only", "'probe.unbuilt' (module probe_contract_only"),
    ],
)
def test_a_worker_refuses_to_start_naming_the_module(
    modules: str, says: str, process_env: dict[str, str]
) -> None:
    env = {**process_env, **task_env(PROBE_MODULES, modules=modules)}
    said = refusal(commands.worker(name=f"refused-{uuid.uuid4().hex[:6]}"), env)
    assert "conveyor worker: cannot start:" in said
    assert says in said


def test_the_api_and_beat_refuse_to_start_naming_the_module(process_env: dict[str, str]) -> None:
    env = {**process_env, **task_env(PROBE_MODULES, modules="probe_unknown_queue")}
    for process, argv in (("api", commands.api(free_port())), ("beat", commands.beat())):
        said = refusal(argv, env)
        assert f"conveyor {process}: cannot start:" in said
        assert "'probe.lost' on 'nowhere' (module probe_unknown_queue" in said


def test_the_api_accepts_a_contract_a_worker_would_refuse(
    start_api: Callable[[dict[str, str]], Api],
) -> None:
    api = start_api(task_env(PROBE_MODULES, modules="probe_contract_only"))
    assert api.submit("probe.unbuilt", n=2)["status"] == "queued"
