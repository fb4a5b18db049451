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


def test_events_match_by_name_and_fields_and_skip_a_line_still_being_written(
    tmp_path: Path,
) -> None:
    lines = [
        '{"event": "beat leadership changed", "leading": false}',
        "plain banner text",
        '{"event": "beat leadership changed", "leading": true}',
    ]
    script = "import sys; sys.stdout.write(" + repr("\n".join(lines) + '\n{"event": "beat') + ")"
    running = processes.start("speaker", [sys.executable, "-c", script], dict(os.environ), tmp_path)
    running.process.wait(30)

    assert [e["leading"] for e in running.events("beat leadership changed")] == [False, True]
    assert running.wait_for_event("beat leadership changed", leading=True)["leading"] is True
    assert running.events("beat leadership changed", leading=None) == []
