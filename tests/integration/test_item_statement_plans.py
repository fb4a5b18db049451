"""An item's claim and outcome find the item by its primary key, whatever the planner knows.

With a generic plan (what a prepared statement gets after a few executions) and statistics
that lag behind a freshly fanned-out job, the (job_id, status) index looks as good as the key:
a statement that took it would walk the job's queued items one by one."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from psycopg.types.json import Jsonb
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.db.engine import transaction
from conveyor_core.jobs.repository import hot_path
from conveyor_core.jobs.states import Status
from conveyor_core.models import JobItem
from tests.factories import make_running_fanout

pytestmark = pytest.mark.integration

ITEMS = 3000


def _indexes(plan: Any) -> set[str]:
    found = {plan["Index Name"]} if "Index Name" in plan else set()
    for child in plan.get("Plans", []):
        found |= _indexes(child)
    return found


def _job_items_indexes(session: Session, statement: str, params: dict[str, Any]) -> set[str]:
    driver = session.connection().connection.driver_connection
    assert driver is not None
    driver.execute("SET LOCAL plan_cache_mode = force_generic_plan")
    (plan,) = driver.execute("EXPLAIN (FORMAT JSON) " + statement, params).fetchone()
    parsed = plan if isinstance(plan, list) else json.loads(plan)
    return {name for name in _indexes(parsed[0]["Plan"]) if "job_items" in name}


@pytest.mark.parametrize("step", ["claim", "outcome"])
def test_item_statements_use_the_items_primary_key_under_a_generic_plan(
    step: str, sessions: sessionmaker[Session], tenant_id: uuid.UUID
) -> None:
    job_id = make_running_fanout(sessions, tenant_id=tenant_id, items=ITEMS)
    with sessions() as session:
        item_id = session.scalars(
            select(JobItem.id).where(JobItem.job_id == job_id, JobItem.position == ITEMS // 2)
        ).one()
    params = {"job_id": job_id, "item_id": item_id, "task_id": "t", "lease": 30.0}
    statement = hot_path._CLAIM_ITEM
    if step == "outcome":
        statement = hot_path._FINISH_ITEM[Status.SUCCEEDED]
        params |= {"status": "succeeded", "result": Jsonb({}), "error": None}
    with transaction(sessions) as session:
        assert _job_items_indexes(session, statement, params) == {"pk_job_items"}
