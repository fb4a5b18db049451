"""Statements run straight on the driver behave as SQLAlchemy's own would: in the session's
transaction, with SQLAlchemy's errors, and a dropped connection flagged and replaced."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.db import direct
from conveyor_core.db.engine import make_engine
from conveyor_core.settings import Settings

pytestmark = pytest.mark.integration


def test_a_dropped_connection_is_flagged_invalidated_and_the_next_checkout_is_fresh(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    engine = make_engine(settings, "test.direct", pool_size=1, pre_ping=False, autocommit=True)
    try:
        with engine.connect() as connection:
            pid = direct.fetch_one(connection, "SELECT pg_backend_pid() AS pid", {}).pid
        with sessions() as session:
            session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with engine.connect() as connection, pytest.raises(DBAPIError) as raised:
            direct.fetch_one(connection, "SELECT 1 AS one", {})
        assert raised.value.connection_invalidated
        with engine.connect() as connection:
            row = direct.fetch_one(connection, "SELECT pg_backend_pid() AS pid", {})
        assert row.pid != pid
    finally:
        engine.dispose()


def test_under_a_session_the_statement_runs_in_its_transaction(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        session.execute(text("CREATE TEMPORARY TABLE direct_probe (n int)"))
        session.execute(text("INSERT INTO direct_probe VALUES (1), (2)"))
        row = direct.fetch_one(
            session, "UPDATE direct_probe SET n = n + %(by)s RETURNING n", {"by": 10}
        )
        assert row.n in (11, 12)
        total = session.execute(text("SELECT sum(n) FROM direct_probe")).scalar_one()
        assert total == 23  # the session sees the driver's write: one transaction
        session.rollback()


def test_a_failing_statement_raises_sqlalchemys_error_and_leaves_the_connection_usable(
    settings: Settings,
) -> None:
    engine = make_engine(settings, "test.direct", pool_size=1, pre_ping=False, autocommit=True)
    try:
        with engine.connect() as connection:
            with pytest.raises(DataError) as raised:
                direct.fetch_one(
                    connection,
                    "SELECT 1 / (length(%(token)s) - 12) AS x",
                    {"token": "s3cret-token"},
                )
            assert not raised.value.connection_invalidated
            assert "s3cret-token" not in str(raised.value)  # values are not echoed
            assert direct.fetch_one(connection, "SELECT 2 AS two", {}).two == 2
    finally:
        engine.dispose()


def test_no_row_is_none(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        assert direct.fetch_one(session, "SELECT 1 AS one WHERE false", {}) is None
