"""A database as a long-lived installation has it: finished jobs and fan-out items generated in
PostgreSQL itself (``INSERT ... SELECT generate_series``), then vacuumed and analyzed as
autovacuum would have left them. One tenant owns them all: the api's per-tenant queries see
every row."""

from __future__ import annotations

import time

from bench.stack import Database

ITEMS_PER_FANOUT = 5000
CHUNK_JOBS = 100_000  # rows per statement: progress to print, WAL spread over checkpoints

JOBS_SQL = """
INSERT INTO jobs (id, tenant_id, kind, queue, priority, status, params, result, error,
                  attempts, created_at, due_at, published_at, started_at, finished_at,
                  finalized_at, total_items, succeeded_items, unfinished_items)
SELECT gen_random_uuid(), %(tenant)s::uuid,
       CASE WHEN fanout THEN 'diag.fanout' ELSE 'diag.echo' END, 'default', 5,
       CASE WHEN failed THEN 'failed' ELSE 'succeeded' END,
       CASE WHEN fanout THEN '{"items": 5000}'::jsonb ELSE '{"message": "x"}'::jsonb END,
       CASE WHEN failed THEN NULL ELSE '{"message": "x"}'::jsonb END,
       CASE WHEN failed THEN '{"type": "ValueError", "message": "x"}'::jsonb END,
       1, t, t, t, t, t + interval '10 ms',
       CASE WHEN fanout THEN t + interval '10 ms' END,
       CASE WHEN fanout THEN %(per_fanout)s::int ELSE 0 END,
       CASE WHEN fanout THEN %(per_fanout)s::int ELSE 0 END, 0
FROM generate_series(%(first)s::int, %(last)s::int) AS g,
     LATERAL (SELECT g <= %(fanouts)s::int AS fanout,
                     g > %(fanouts)s::int AND g %% 50 = 0 AS failed,
                     now() - interval '30 days' + g * interval '1 second' AS t) AS row
"""

ITEMS_SQL = """
INSERT INTO job_items (id, job_id, position, status, params, result, attempts, created_at,
                       due_at, published_at, started_at, finished_at)
SELECT gen_random_uuid(), j.id, p, 'succeeded', '{}'::jsonb, '{"ok": true}'::jsonb, 1,
       j.created_at, j.created_at, j.created_at, j.created_at, j.created_at + interval '5 ms'
FROM (SELECT id, created_at FROM jobs
      WHERE tenant_id = %(tenant)s::uuid AND kind = 'diag.fanout'
      ORDER BY created_at OFFSET %(offset)s LIMIT %(count)s) AS j,
     generate_series(0, %(per_fanout)s::int - 1) AS p
"""


# the indexes that back no constraint, as the migrations made them: dropped for the load and
# built again from their own definitions, faster than maintaining them row by row
SECONDARY_INDEXES = """
SELECT indexname, indexdef FROM pg_indexes
WHERE schemaname = current_schema() AND tablename = %s
  AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)
"""


def _drop_secondary_indexes(db: Database, table: str) -> list[str]:
    found = db.rows(SECONDARY_INDEXES, table, table)
    for name, _ in found:
        db.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in found]


def load(db: Database, tenant: str, jobs: int, items: int) -> float:
    """Insert ``jobs`` finished jobs, ``items // ITEMS_PER_FANOUT`` of them fan-outs owning
    ``items`` items; returns the seconds it took."""
    started = time.perf_counter()
    fanouts = items // ITEMS_PER_FANOUT
    # the load itself need not wait for each commit's flush; the benchmark's statements do
    db.execute("SET synchronous_commit = off")
    db.execute("SET maintenance_work_mem = '256MB'")
    indexes = [*_drop_secondary_indexes(db, "jobs"), *_drop_secondary_indexes(db, "job_items")]
    for first in range(1, jobs + 1, CHUNK_JOBS):
        last = min(jobs, first + CHUNK_JOBS - 1)
        values = {"tenant": tenant, "first": first, "last": last}
        db.execute_named(JOBS_SQL, {**values, "fanouts": fanouts, "per_fanout": ITEMS_PER_FANOUT})
        print(f"    {last} jobs loaded ({time.perf_counter() - started:.0f} s)", flush=True)
    per_chunk = max(1, CHUNK_JOBS * 5 // ITEMS_PER_FANOUT)
    for offset in range(0, fanouts, per_chunk):
        values = {"tenant": tenant, "offset": offset, "count": per_chunk}
        db.execute_named(ITEMS_SQL, {**values, "per_fanout": ITEMS_PER_FANOUT})
        done = min(fanouts, offset + per_chunk) * ITEMS_PER_FANOUT
        print(f"    {done} items loaded ({time.perf_counter() - started:.0f} s)", flush=True)
    for definition in indexes:
        db.execute(definition)
    print(f"    indexes built ({time.perf_counter() - started:.0f} s)", flush=True)
    db.execute("RESET synchronous_commit")
    db.execute("RESET maintenance_work_mem")
    db.execute("VACUUM (ANALYZE) jobs, job_items")
    db.execute("CHECKPOINT")
    return time.perf_counter() - started
