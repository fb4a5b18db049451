"""Artifacts: files in and out, stored in PostgreSQL or an S3-compatible bucket."""
