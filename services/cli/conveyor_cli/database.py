"""The database for the commands that bypass the API (bootstrapping a key, migrating): the
one DATABASE_URL names, else the running dev stack's, found under its data folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from pydantic import SecretStr
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from conveyor_cli.devstack import stackfile
from conveyor_cli.errors import fail
from conveyor_core.db.engine import make_engine, make_sessionmaker
from conveyor_core.settings import get_settings

URL_VARIABLES = ("CONVEYOR_DATABASE_URL", "DATABASE_URL")


def database_url() -> str:
    for variable in URL_VARIABLES:
        if os.environ.get(variable):
            return os.environ[variable]
    stack = stackfile.running()
    if stack is None:
        fail(
            f"DATABASE_URL is not set and no dev stack runs from {stackfile.data_dir()}/ "
            "(start one with make dev, or set DATABASE_URL)"
        )
    return stack.database_url


def sessions(url: str) -> sessionmaker[Session]:
    settings = get_settings().model_copy(update={"database_url": SecretStr(url)})
    return make_sessionmaker(make_engine(settings, "conveyor.cli", pool_size=1))


def _where(url: str) -> str:
    """host:port/database, never the user or password."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 5432}{parts.path}"


@contextmanager
def reporting_errors(url: str) -> Iterator[None]:
    """A database that cannot be reached, or has no schema yet, is one line, not a traceback."""
    try:
        yield
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        fail(f"database {_where(url)}: {reason}")
