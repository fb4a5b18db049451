from __future__ import annotations

import errno
import socket
import time

from conveyor_cli.errors import CliError

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def port_is_open(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def wait_for_port(port: int, timeout: float, host: str = LOOPBACK) -> None:
    deadline = time.monotonic() + timeout
    while not port_is_open(port, host):
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f}s")
        time.sleep(0.05)


def ensure_free(port: int, what: str, variable: str, host: str = LOOPBACK) -> None:
    """Fail, naming the variable that moves it, when another process holds ``port``."""
    with socket.socket() as s:
        # a port some closed connection left in TIME_WAIT is free for a server (they all set
        # SO_REUSEADDR); on Linux a listening socket still refuses the bind
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            raise CliError(
                f"port {port} ({what}) is already in use, by another dev stack or another "
                f"program; set {variable} to a free port"
            ) from error
