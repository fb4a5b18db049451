"""Locating Prometheus's own binaries (Debian's ``prometheus`` package), installing it if needed.

The rule and dashboard tests run the real tools. A machine without them and without a way to
install them fails these tests loudly: a skipped check would pass CI with untested alerts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from functools import lru_cache
from typing import Any

import pytest

PACKAGE = "prometheus"  # Debian's package ships both prometheus and promtool
INSTALL_TIMEOUT_SECONDS = 600


def _install() -> str:
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "not root or no apt-get"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    steps = [
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", PACKAGE],
    ]
    for step in steps:
        done = subprocess.run(
            step, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_SECONDS
        )
        if done.returncode != 0:
            return f"{' '.join(step)} failed: {done.stderr[-2000:]}"
    return ""


@lru_cache
def binary(name: str) -> str:
    """The path of ``promtool`` or ``prometheus``; installs the package once if both are absent."""
    found = shutil.which(name)
    if found is None:
        problem = _install()
        found = shutil.which(name)
        if found is None:
            pytest.fail(
                f"{name} is required (apt-get install {PACKAGE}) and could not be installed: "
                f"{problem or 'package installed without it'}",
                pytrace=False,
            )
    return found


def ready(url: str) -> bool:
    """Whether the Prometheus at ``url`` answers its readiness endpoint."""
    try:
        with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def query(url: str, expr: str) -> dict[str, Any]:
    """An instant query's JSON answer (a parse error's 400 answer too)."""
    encoded = urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(f"{url}/api/v1/query?{encoded}", timeout=10) as response:
            body: dict[str, Any] = json.loads(response.read())
    except urllib.error.HTTPError as error:
        body = json.loads(error.read())
    return body
