"""Statements run straight on the psycopg connection beneath an SQLAlchemy connection or session.

A fan-out's items each claim and finish their row: thousands of single statements a second,
where SQLAlchemy's work per execution (processing parameters, building the result's metadata)
costs the client more than psycopg's. These statements skip it and keep everything else: the
connection comes from the same pool and, under a session, runs in its transaction; psycopg
prepares them on the server after a few executions, as it does under SQLAlchemy; each gets a
span; and errors are raised as SQLAlchemy raises them, a dropped connection invalidated and
flagged (``connection_invalidated``) so the caller may retry on a fresh one.
"""

from __future__ import annotations

from typing import Any, TypeVar

import psycopg
from psycopg.rows import RowFactory, class_row, namedtuple_row
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from conveyor_core.db.engine import Executor
from conveyor_core.observability.database import statement_span

T = TypeVar("T")


def fetch_one(executor: Executor, statement: str, params: dict[str, Any]) -> Any:
    """Run ``statement`` (psycopg's ``%(name)s`` placeholders); its first row as a named
    tuple, or ``None``."""
    return _fetch(executor, namedtuple_row, statement, params)


def fetch_row(executor: Executor, row: type[T], statement: str, params: dict[str, Any]) -> T | None:
    """``fetch_one``, its row built as ``row`` from the columns by name."""
    return _fetch(executor, class_row(row), statement, params)


def _fetch(
    executor: Executor, factory: RowFactory[T], statement: str, params: dict[str, Any]
) -> T | None:
    connection: Connection = executor.connection() if isinstance(executor, Session) else executor
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    with statement_span(connection.engine.url.database, statement):
        try:
            with driver.cursor(row_factory=factory) as cursor:
                return cursor.execute(statement, params).fetchone()
        except psycopg.Error as error:
            if driver.broken:
                connection.invalidate(error)
            raise DBAPIError.instance(
                statement,
                params,
                error,
                psycopg.Error,
                hide_parameters=True,
                connection_invalidated=driver.broken,
            ) from error
