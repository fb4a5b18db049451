"""Run a rendered pod's container on this machine, as the kubelet would start it.

The container's command and args (with Kubernetes' $(VAR) expansion), its env from literal
values, the ConfigMap and the Secret, and its mounts mapped to local directories: /tmp to a
fresh directory per pod (the emptyDir), a ConfigMap volume to a directory holding the rendered
ConfigMap's entries as files, as the kubelet projects them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.chart import rendering
from tests.chart.rendering import Manifest

VAR_REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
IMAGE_WORKDIR = "/app"  # the images' working directory; the repository root holds the same files
VENV_BIN = str(Path(sys.executable).parent)


@dataclass(frozen=True)
class LocalPod:
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    container: dict[str, Any]

    def run_exec_probe(self, probe: str) -> int:
        command = self.container[probe]["exec"]["command"]
        result = subprocess.run(
            _local_argv(command), env=self.env, cwd=self.cwd, capture_output=True, check=False
        )
        return result.returncode


def _local_argv(argv: list[str]) -> list[str]:
    """The images put the venv's bin first on PATH; here the test's venv plays that part."""
    first = argv[0]
    local = sys.executable if first in ("python", "python3") else os.path.join(VENV_BIN, first)
    return [local if os.path.exists(local) else first, *argv[1:]]


def _config_maps(manifests: list[Manifest]) -> dict[str, dict[str, str]]:
    return {
        m["metadata"]["name"]: m.get("data", {}) for m in rendering.of_kind(manifests, "ConfigMap")
    }


def _env(
    container: dict[str, Any], config_maps: dict[str, dict[str, str]], secrets: dict[str, str]
) -> dict[str, str]:
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(config_maps[source["configMapRef"]["name"]])
    for entry in container.get("env", []):
        if "value" in entry:
            env[entry["name"]] = VAR_REFERENCE.sub(lambda m: env.get(m[1], m[0]), entry["value"])
            continue
        ref = entry["valueFrom"]["secretKeyRef"]
        if ref["key"] in secrets:
            env[entry["name"]] = secrets[ref["key"]]
        elif not ref.get("optional"):
            raise KeyError(f"secret key {ref['key']} is not provided")
    return env


def _projected(config_map: dict[str, str], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in config_map.items():
        (folder / name).write_text(content)
    return folder


def _mounts(
    pod: dict[str, Any],
    container: dict[str, Any],
    config_maps: dict[str, dict[str, str]],
    tmp: Path,
) -> dict[str, Path]:
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    mounts: dict[str, Path] = {}
    for mount in container.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        if "emptyDir" in volume:
            mounts[mount["mountPath"]] = tmp
        elif "configMap" in volume:
            data = config_maps[volume["configMap"]["name"]]
            mounts[mount["mountPath"]] = _projected(data, tmp / "volumes" / mount["name"])
    return mounts


def _remap(value: str, mounts: dict[str, Path]) -> str:
    for mount_path, local in mounts.items():
        if value == mount_path or value.startswith(mount_path + "/"):
            return str(local) + value[len(mount_path) :]
    return value


def local_pod(
    manifests: list[Manifest], owner: Manifest, secrets: dict[str, str], tmp: Path
) -> LocalPod:
    pod = owner["spec"]["template"]["spec"]
    container = pod["containers"][0]
    config_maps = _config_maps(manifests)
    mounts = _mounts(pod, container, config_maps, tmp)
    env = {k: _remap(v, mounts) for k, v in _env(container, config_maps, secrets).items()}
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        HOME=str(tmp),
        TMPDIR=str(tmp),
        LANG="C.UTF-8",
    )
    words = [*container.get("command", []), *container.get("args", [])]
    expanded = [VAR_REFERENCE.sub(lambda m: env.get(m[1], m[0]), w) for w in words]
    argv = _local_argv([_remap(w, mounts) for w in expanded])
    workdir = container.get("workingDir", IMAGE_WORKDIR)
    cwd = rendering.REPO if workdir == IMAGE_WORKDIR else Path(workdir)
    return LocalPod(owner["metadata"]["name"], argv, env, cwd, container)
