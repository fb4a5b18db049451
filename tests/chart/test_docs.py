"""The chart's README values table and schema annotations are generated from values.yaml and
current; every key is documented; every worker pool follows one schema definition."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.chart import rendering

GENERATOR = rendering.REPO / "scripts" / "chart_docs.py"
POOL_REF = "#/$defs/workerPool"
POOL_GROUPS = ("image", "probes", "autoscaling")  # keys whose children are documented one by one
END = "<!-- values:end -->"


def _chart_docs(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(GENERATOR), *args], capture_output=True, text=True, check=False
    )


@pytest.fixture
def chart_copy(tmp_path: Path) -> Path:
    chart = tmp_path / "conveyor"
    shutil.copytree(rendering.CHART, chart)
    return chart


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def test_readme_and_schema_are_current_with_values_yaml() -> None:
    result = _chart_docs("--check")
    assert result.returncode == 0, result.stderr


def test_a_changed_description_makes_the_check_fail_until_regenerated(chart_copy: Path) -> None:
    _edit(
        chart_copy / "values.yaml", "# -- Processes per worker pod", "# -- Celery processes per pod"
    )
    stale = _chart_docs("--check", "--chart", str(chart_copy))
    assert stale.returncode == 1
    assert "README.md is not current" in stale.stderr
    assert "values.schema.json is not current" in stale.stderr
    assert _chart_docs("--chart", str(chart_copy)).returncode == 0
    assert "| `workerDefaults.concurrency` | int | `2` | Celery processes per pod" in (
        (chart_copy / "README.md").read_text()
    )
    schema = json.loads((chart_copy / "values.schema.json").read_text())
    concurrency = schema["$defs"]["workerPool"]["properties"]["concurrency"]
    assert concurrency["description"].startswith("Celery processes per pod")
    assert concurrency["default"] == 2
    assert _chart_docs("--check", "--chart", str(chart_copy)).returncode == 0


def test_a_key_without_a_description_is_refused(chart_copy: Path) -> None:
    _edit(chart_copy / "values.yaml", "    # -- Service port of the api.\n", "")
    result = _chart_docs("--check", "--chart", str(chart_copy))
    assert result.returncode == 2
    assert "api.service.port has no `# --` comment" in result.stderr


def test_a_key_missing_from_the_schema_is_refused(chart_copy: Path) -> None:
    _edit(
        chart_copy / "values.yaml",
        "tmpSizeLimit: 256Mi\n",
        "tmpSizeLimit: 256Mi\n# -- New.\nnewKey: 1\n",
    )
    result = _chart_docs("--check", "--chart", str(chart_copy))
    assert result.returncode == 2
    assert "no property for newKey" in result.stderr


def test_regeneration_rewrites_only_the_table_between_the_markers(chart_copy: Path) -> None:
    readme = chart_copy / "README.md"
    current = readme.read_text()
    begin = next(line for line in current.splitlines() if line.startswith("<!-- values:begin"))
    head, rest = current.split(begin)
    table, tail = rest.split(END)
    readme.write_text(f"{head}{begin}\n| stale |\n{END}{tail}")
    assert _chart_docs("--chart", str(chart_copy)).returncode == 0
    assert readme.read_text() == current
    assert "## Upgrading" in tail
    assert '| `metrics.jobName` | string | `"celery"` |' in table


def test_every_pool_setting_has_its_values_yaml_default_in_the_shared_definition() -> None:
    schema = json.loads((rendering.CHART / "values.schema.json").read_text())
    values = yaml.safe_load((rendering.CHART / "values.yaml").read_text())
    assert schema["properties"]["workers"]["default"] == values["workers"]
    pool = schema["$defs"]["workerPool"]["properties"]
    for key, value in values["workerDefaults"].items():
        if key in POOL_GROUPS:
            for child, child_value in value.items():
                assert pool[key]["properties"][child]["default"] == child_value, (key, child)
        else:
            assert pool[key]["default"] == value, key


def test_every_worker_pool_follows_the_one_shared_definition() -> None:
    schema = json.loads((rendering.CHART / "values.schema.json").read_text())
    assert schema["properties"]["workerDefaults"]["$ref"] == POOL_REF
    assert schema["properties"]["workers"]["additionalProperties"]["$ref"] == POOL_REF


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"workerDefaults.concurency": "3"}, "additional properties 'concurency' not allowed"),
        ({"workers.ai.autoscaling.maxReplica": "3"}, "additional properties 'maxReplica'"),
        ({"workerDefaults.queues": "{default}"}, "/workerDefaults/queues"),
        ({"workers.ai.concurrency": "many"}, "/workers/ai/concurrency"),
    ],
)
def test_the_pool_definition_refuses_bad_pools_and_defaults(
    helm_bin: str, overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(AssertionError, match=message):
        rendering.template(helm_bin, [rendering.CI_VALUES[0]], overrides)


def test_chart_metadata_names_maintainers_sources_and_kubernetes_versions() -> None:
    chart = yaml.safe_load((rendering.CHART / "Chart.yaml").read_text())
    assert chart["maintainers"]
    assert all(m["name"] for m in chart["maintainers"])
    assert chart["sources"]
    assert chart["kubeVersion"].startswith(">=1.30")
