"""/api/v1/datasets: keyed JSONB records written by tasks, read over HTTP."""
