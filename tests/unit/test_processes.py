"""The test harness's own promise: a process started again under a name reads only its own
output, so waiting for a line never finds the one its predecessor wrote."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tests import processes


def _say(line: str, logs: Path) -> processes.Running:
    argv = [sys.executable, "-c", f"print({line!r}, flush=True)"]
    running = processes.start("speaker", argv, dict(os.environ), logs)
    running.process.wait(30)
    return running


def test_a_restarted_process_reads_only_its_own_output(tmp_path: Path) -> None:
    first = _say("first ready.", tmp_path)
    second = _say("second ready.", tmp_path)

    assert first.output() == "first ready.\n"
    assert second.output() == "second ready.\n"
    # both kept, for reading after a failure
    assert sorted(p.name for p in tmp_path.iterdir()) == ["speaker.2.log", "speaker.log"]
