"""/api/v1/artifacts: upload, describe, download and delete files."""
