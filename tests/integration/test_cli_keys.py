"""`conveyor keys` through the api (no database URL in the CLI's environment), and the one
direct-database path, `keys bootstrap`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from conveyor_cli.devstack import stackfile
from conveyor_core.auth.keys import Scope, hash_key
from conveyor_core.models import ApiKey
from tests.cli import conveyor, one_line_error
from tests.factories import make_key


def _key_id(created: subprocess.CompletedProcess[str]) -> str:
    assert created.returncode == 0, created.stderr
    return created.stderr.split("key id ")[1].split(",")[0]


def test_keys_are_created_listed_and_revoked_through_the_api(
    api_server: str, sessions: sessionmaker[Session]
) -> None:
    admin = make_key(sessions, tenant="ops", scopes=[Scope.ADMIN])
    created = conveyor("keys", "create", "--tenant", "analytics", url=api_server, key=admin)
    key_id = _key_id(created)
    new_key = created.stdout.strip()
    assert conveyor("jobs", url=api_server, key=new_key).returncode == 0

    listed = conveyor("keys", "list", "--tenant", "analytics", url=api_server, key=admin)
    assert key_id in listed.stdout
    assert "active" in listed.stdout
    assert new_key not in listed.stdout
    assert conveyor("keys", "revoke", key_id, url=api_server, key=admin).returncode == 0
    assert "unauthorized" in one_line_error(conveyor("jobs", url=api_server, key=new_key))
    assert "revoked" in conveyor("keys", "list", url=api_server, key=admin).stdout


def test_admin_scope_is_asked_for_and_needed(
    api_server: str, sessions: sessionmaker[Session]
) -> None:
    admin = make_key(sessions, tenant="ops", scopes=[Scope.ADMIN])
    created = conveyor(
        "keys", "create", "--tenant", "ops", "--scopes", "admin", url=api_server, key=admin
    )
    assert "scopes admin" in created.stderr
    refused = conveyor("keys", "list", url=api_server, key=make_key(sessions))
    assert "forbidden" in one_line_error(refused)


def test_revoking_an_unknown_key_is_one_line(
    api_server: str, sessions: sessionmaker[Session]
) -> None:
    admin = make_key(sessions, scopes=[Scope.ADMIN])
    unknown = "00000000-0000-0000-0000-000000000000"
    assert "not_found" in one_line_error(
        conveyor("keys", "revoke", unknown, url=api_server, key=admin)
    )


def _bootstrap(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["conveyor", "keys", "bootstrap", "--tenant", "ops"],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={"PATH": os.environ["PATH"], **env},
        timeout=60,
    )


def test_bootstrap_finds_the_running_dev_stack_without_database_url(
    process_env: dict[str, str], sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    data_dir = tmp_path / ".conveyor"
    data_dir.mkdir()
    # a dev stack records itself so; this process stands in for its supervisor
    stack = stackfile.Stack(os.getpid(), "http://x", process_env["DATABASE_URL"], "redis://x")
    stackfile.write(data_dir, stack)
    made = _bootstrap({}, tmp_path)
    key_id = _key_id(made)
    with sessions() as session:
        row = session.scalars(
            select(ApiKey).where(ApiKey.key_hash == hash_key(made.stdout.strip()))
        ).one()
    assert str(row.id) == key_id
    assert row.scopes == ["admin"]


def test_bootstrap_without_database_or_stack_is_one_line(tmp_path: Path) -> None:
    line = one_line_error(_bootstrap({}, tmp_path))
    assert "DATABASE_URL" in line
    assert "make dev" in line
    unreachable = _bootstrap({"DATABASE_URL": "postgresql://u:pw@127.0.0.1:9/x"}, tmp_path)
    line = one_line_error(unreachable)
    assert "127.0.0.1:9" in line
    assert "pw" not in line
