"""Datasets: JSONB records keyed per dataset by a declared key, upserted in bulk."""
