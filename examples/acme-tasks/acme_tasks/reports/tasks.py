"""The body of acme.report: only workers import this module (and whatever heavy libraries a
real report would need)."""

from __future__ import annotations

import csv
import io
import statistics
from typing import Any

from acme_tasks.reports.contracts import ReportParams
from conveyor import TaskContext, task


@task("acme.report")
def report(params: ReportParams, ctx: TaskContext) -> dict[str, Any]:
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["index", "value"])
    writer.writerows(enumerate(params.values))
    artifact = ctx.artifacts.write(
        f"{params.title}.csv", rows.getvalue().encode(), content_type="text/csv"
    )
    return {
        "artifact_id": str(artifact),
        "count": len(params.values),
        "mean": statistics.fmean(params.values),
    }
