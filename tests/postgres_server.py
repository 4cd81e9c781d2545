"""A throwaway PostgreSQL server for the hub's tests: a real one, on a free loopback port.

`.ci/run` starts one and exports WORKSTATION_TEST_PG_URL; without it the test session starts its
own the same way (initdb into a temporary folder, pg_ctl on a free 127.0.0.1 port, as the
`postgres` user when run as root: PostgreSQL refuses to run as root), stopped at the end.
Each test gets a database of its own (`fresh_database`).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

URL_ENV = "WORKSTATION_TEST_PG_URL"
DATA_ENV = "WORKSTATION_TEST_PG_DATA"


def find_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps them out of PATH)."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str  # postgresql://postgres@127.0.0.1:PORT/postgres
    port: int
    data: Path | None  # its data folder, when known (WORKSTATION_TEST_PG_DATA for a server started outside)
    bin_dir: Path | None
    owned: bool = True  # started here: stopped and removed at the end

    def _as_owner(self, *argv: str) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *argv]
        return list(argv)

    def stop(self) -> None:
        if not self.owned or self.data is None or self.bin_dir is None:
            return
        subprocess.run(
            self._as_owner(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.data.parent, ignore_errors=True)

    def restart(self) -> None:
        """Stop the server hard and start it again on the same port (connections are cut)."""
        if self.data is None or self.bin_dir is None:
            raise RuntimeError(f"the server's data folder is unknown: set {DATA_ENV} with {URL_ENV}")
        pg_ctl = str(self.bin_dir / "pg_ctl")
        subprocess.run(
            self._as_owner(pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"),
            check=True,
            capture_output=True,
        )
        _start(self, pg_ctl)


def _start(server: Server, pg_ctl: str) -> None:
    assert server.data is not None
    opts = f"-c listen_addresses=127.0.0.1 -c port={server.port} -c unix_socket_directories='' -c fsync=off"
    subprocess.run(
        server._as_owner(
            pg_ctl, "-D", str(server.data), "-o", opts, "-l", str(server.data.parent / "log"), "-w", "start"
        ),
        check=True,
        capture_output=True,
    )


def start() -> Server | None:
    """The server named by WORKSTATION_TEST_PG_URL, else a new one; None when PostgreSQL is not installed."""
    url = os.environ.get(URL_ENV)
    if url:
        data = os.environ.get(DATA_ENV)
        port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
        return Server(
            url=url, port=port, data=Path(data) if data else None, bin_dir=find_bin_dir(), owned=False
        )
    bin_dir = find_bin_dir()
    if bin_dir is None:
        return None
    root = Path(tempfile.mkdtemp(prefix="workstation-pg-"))
    data = root / "data"
    server = Server(url="", port=free_port(), data=data, bin_dir=bin_dir)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    subprocess.run(
        server._as_owner(
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ),
        check=True,
        capture_output=True,
    )
    _start(server, str(bin_dir / "pg_ctl"))
    server.url = f"postgresql://postgres@127.0.0.1:{server.port}/postgres"
    return server


def fresh_database(server_url: str) -> str:
    """A new, empty database on the server; returns its URL."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:16]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name
