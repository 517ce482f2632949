"""A PostgreSQL server of the school's own, in a folder: Debian's postgresql, run as a child.

initdb refuses to run as root, so as root the server runs as the `postgres` user, and the folder
is given to that user. The server listens on 127.0.0.1 only and asks for a password (generated
once, kept in the folder), so other users of the machine cannot read the class's answers.
"""

from __future__ import annotations

import glob
import logging
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg

log = logging.getLogger(__name__)

DATABASE = "sagdet"
SUPERUSER = "postgres"


class PostgresError(RuntimeError):
    """The server cannot be set up or did not start; the message says why."""


def find_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps it off PATH), or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass(frozen=True)
class PostgresFolder:
    """The server's folder: `data/` (the cluster), its sockets, and the password file."""

    root: Path
    port: int
    bin: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def user(self) -> str | None:
        """Whom the server runs as: `postgres` when we are root, else ourselves (None)."""
        return SUPERUSER if os.geteuid() == 0 else None

    def password(self) -> str:
        return (self.root / "password").read_text(encoding="utf-8").strip()

    def prepare(self) -> None:
        """Create the cluster unless the folder already holds one (a --data kept from before)."""
        if (self.data / "PG_VERSION").is_file():
            if not (self.root / "password").is_file():
                raise PostgresError(f"{self.data} holds a cluster but no password file beside it")
            log.info("using the database kept in %s", self.data)
            return
        self.root.mkdir(parents=True, exist_ok=True)
        secret = self.root / "password"
        secret.write_text(secrets.token_urlsafe(24) + "\n", encoding="utf-8")
        secret.chmod(0o600)
        if self.user:
            shutil.chown(self.root, self.user, self.user)
            shutil.chown(secret, self.user, self.user)
        command = [str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER]
        command += ["-A", "scram-sha-256", f"--pwfile={secret}", "-E", "UTF8"]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
            user=self.user,
            cwd=self.root,
        )
        if done.returncode != 0:
            where = " (it runs as the postgres user: put --data where that user can reach)"
            raise PostgresError(
                f"initdb failed{where if self.user else ''}: {done.stderr.strip()[-600:]}"
            )

    def command(self) -> list[str]:
        """The server in the foreground, on 127.0.0.1 and a socket in the folder."""
        return [
            str(self.bin / "postgres"),
            "-D",
            str(self.data),
            "-p",
            str(self.port),
            "-k",
            str(self.root),
            "-c",
            "listen_addresses=127.0.0.1",
        ]

    def url(self, database: str = DATABASE) -> str:
        """The SQLAlchemy URL of `database`, password included."""
        return (
            f"postgresql+psycopg://{SUPERUSER}:{self.password()}@127.0.0.1:{self.port}/{database}"
        )

    def wait_ready(self, running: Callable[[], bool], timeout: float = 60.0) -> None:
        """Once the server takes connections, create the app's database if it is not there.

        `running()` says whether the server process is still alive (it is watched meanwhile).
        """
        deadline = time.monotonic() + timeout
        conninfo = dict(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            dbname="postgres",
            password=self.password(),
            connect_timeout=2,
        )
        while True:
            if not running():
                raise PostgresError("the PostgreSQL server exited while starting")
            try:
                with psycopg.connect(**conninfo, autocommit=True) as conn:
                    query = "SELECT 1 FROM pg_database WHERE datname = %s"
                    if conn.execute(query, (DATABASE,)).fetchone() is None:
                        conn.execute(f"CREATE DATABASE {DATABASE}")
                        log.info("created the database %s", DATABASE)
                    return
            except psycopg.OperationalError as e:
                if time.monotonic() > deadline:
                    raise PostgresError(f"PostgreSQL did not take connections: {e}") from e
                time.sleep(0.2)
