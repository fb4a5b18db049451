"""The shipped alert rules are valid for Prometheus and every alert has a unit test and runbook."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from tests.observability.prometheus_tools import binary

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "charts" / "conveyor" / "rules"
RUNBOOK = ROOT / "docs" / "operations.md"


def _alerts() -> list[str]:
    return [
        rule["alert"]
        for path in sorted(RULES.glob("*.yaml"))
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=RULES)


def test_promtool_accepts_every_rule_file() -> None:
    files = [str(p) for p in sorted(RULES.glob("*.yaml"))]
    assert files
    done = _run(binary("promtool"), "check", "rules", *files)
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_unit_tests_pass() -> None:
    tests = [str(p) for p in sorted((RULES / "tests").glob("*.yaml"))]
    assert tests
    done = _run(binary("promtool"), "test", "rules", *tests)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_has_a_firing_unit_test() -> None:
    fired = {
        case["alertname"]
        for path in (RULES / "tests").glob("*.yaml")
        for test in yaml.safe_load(path.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert set(_alerts()) <= fired, f"alerts never shown firing: {set(_alerts()) - fired}"


def test_every_alert_has_a_runbook_entry() -> None:
    runbook = RUNBOOK.read_text()
    missing = [alert for alert in _alerts() if f"### {alert}" not in runbook]
    assert not missing, f"docs/operations.md lacks a section for {missing}"
