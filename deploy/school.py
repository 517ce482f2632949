"""Serve a school from one machine, with one command:

    python -m deploy.school --replicas 2 --port 8080 --model WHISPER_CT2_DIR --data /srv/sagdet

starts and supervises a PostgreSQL server for class mode (unless `--db` names one), a recognition
engine (faster-whisper-server on the model folder, unless `--asr-url` names a running one), N app
replicas (`python app.py` on loopback ports, one shared browser secret) and nginx in front of them,
sticky by browser session (see deploy/nginx.py). Ctrl-C or SIGTERM stops everything; a replica
that dies is reported and restarted, any other child is reported. `School` is the same as a
Python API: `with School(SchoolOptions(...)) as school: ... school.url`.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

from deploy import engine, nginx
from deploy.children import Child, ChildFailed, Supervisor, stop_in_order, wait_http
from deploy.options import SchoolOptions, addresses, invalid, missing, parse_args, scheme
from deploy.postgres import PostgresError, PostgresFolder, find_bin

log = logging.getLogger(__name__)

APP = Path(__file__).resolve().parent.parent / "app.py"

__all__ = ["School", "SchoolError", "SchoolOptions", "main", "missing"]


class SchoolError(RuntimeError):
    """The school cannot start here, or a part of it failed while starting; says which and why."""


def free_port() -> int:
    """A loopback port nothing listens on now (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class School:
    """The processes of one school; `start()` returns the URL to open, `stop()` ends them all."""

    def __init__(self, options: SchoolOptions) -> None:
        problems = missing(options) + invalid(options)
        if problems:
            raise SchoolError("cannot serve the school: " + "; ".join(problems))
        self.options = options
        self.root = Path()
        self.url = ""  # where the school is served, as this machine reaches it
        self.replicas: list[Child] = []  # in the order of their names, r1, r2, ...
        self.replica_ports: list[int] = []
        self.engine: Child | None = None
        self.postgres: Child | None = None
        self.proxy: Child | None = None
        self._supervisor: Supervisor | None = None
        self._temporary = options.data is None

    def __enter__(self) -> School:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> str:
        """Start every part, wait until each answers, and return the URL to open."""
        try:
            self._start()
        except (ChildFailed, PostgresError, nginx.NginxError, OSError) as e:
            self.stop()
            raise SchoolError(str(e)) from e
        except BaseException:
            self.stop()
            raise
        return self.url

    def _start(self) -> None:
        options = self.options
        deadline = time.monotonic() + options.start_timeout
        # 1. The folder: everything the school writes, removed at the end unless --data.
        self.root = self._make_root()
        # 2. The database, ready before any replica migrates it.
        db_url = options.db or self._start_postgres(deadline)
        # 3. The engine loads its model while the replicas start.
        if options.asr_url:
            asr_url, model = options.asr_url, options.model
        else:
            asr_url, model = self._start_engine()
        # 4. The replicas, all with the same secret, database and engine.
        secret = self._secret()
        self.replica_ports = [free_port() for _ in range(options.replicas)]
        for index, port in enumerate(self.replica_ports):
            self.replicas.append(self._replica(index, port, db_url, asr_url, model, secret))
            self.replicas[-1].start()
        if self.engine:
            wait_http(f"{asr_url}/health", self.engine, deadline)
        for child, port in zip(self.replicas, self.replica_ports, strict=True):
            wait_http(f"http://127.0.0.1:{port}/", child, deadline)
        # 5. The proxy, once there is something behind it.
        self._start_proxy(deadline)
        # 6. From now on a child that dies is reported, a replica restarted.
        self._supervisor = Supervisor(self.children(), options.restart_delay)
        self._supervisor.start()
        log.info("the school is served at %s", self.url)

    def children(self) -> list[Child]:
        started = [self.postgres, self.engine, *self.replicas, self.proxy]
        return [c for c in started if c is not None]

    def stop(self) -> None:
        """Stop every child (the proxy first, the database last); remove a temporary folder."""
        if self._supervisor:
            self._supervisor.close()
            self._supervisor = None
        tiers = [[self.proxy], self.replicas, [self.engine], [self.postgres]]
        stop_in_order([[c for c in tier if c is not None] for tier in tiers])
        if self._temporary and self.root != Path() and self.root.is_dir():
            shutil.rmtree(self.root, ignore_errors=True)

    def _make_root(self) -> Path:
        if self.options.data is None:
            root = Path(tempfile.mkdtemp(prefix="sagdet-school-"))
        else:
            root = self.options.data.resolve()
            root.mkdir(parents=True, exist_ok=True)
        root.chmod(0o755)  # the database's and nginx's users must reach their folders in it
        return root

    def _secret(self) -> str:
        secret = self.options.secret or os.environ.get("SAGDET_SECRET", "")
        if secret:
            return secret
        path = self.root / "browser-secret"
        if not path.is_file():
            path.write_text(secrets.token_hex(32), encoding="utf-8")
            path.chmod(0o600)
            if self._temporary:
                log.warning(
                    "no SAGDET_SECRET and no --data: progress kept in browsers is "
                    "unreadable after this school restarts"
                )
        return path.read_text(encoding="utf-8").strip()

    def _start_postgres(self, deadline: float) -> str:
        bin_dir = find_bin()
        if bin_dir is None:
            raise PostgresError("PostgreSQL is not installed (apt-get install postgresql)")
        folder = PostgresFolder(self.root / "postgres", free_port(), bin_dir)
        folder.prepare()
        log_path = self.root / "logs" / "postgres.log"
        # SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client to leave.
        self.postgres = Child(
            "postgres",
            folder.command(),
            log_path,
            cwd=folder.root,
            user=folder.user,
            stop_signal=signal.SIGINT,
        )
        self.postgres.start()
        child = self.postgres
        folder.wait_ready(lambda: child.exit_code() is None, deadline - time.monotonic())
        return folder.url()

    def _start_engine(self) -> tuple[str, str]:
        config = engine.write_config(
            Path(self.options.model), self.root / "engine.json", self.options.engine_threads
        )
        port = free_port()
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}  # the model is a local folder
        if self.options.engine_threads:
            env["OMP_NUM_THREADS"] = str(self.options.engine_threads)
        log_path = self.root / "logs" / "engine.log"
        self.engine = Child("engine", engine.command(config, port), log_path, env=env)
        self.engine.start()
        return f"http://127.0.0.1:{port}", engine.MODEL_NAME

    def _replica(
        self, index: int, port: int, db: str, asr_url: str, model: str, secret: str
    ) -> Child:
        name = nginx.replica_name(index)
        env = {
            **os.environ,
            "GRADIO_SERVER_NAME": "127.0.0.1",
            "GRADIO_SERVER_PORT": str(port),
            "GRADIO_ANALYTICS_ENABLED": "False",
            "GRADIO_TEMP_DIR": str(self.root / "replicas" / name),  # its own served files
            "SAGDET_SECRET": secret,
            "SAGDET_DB": db,  # in the environment, not the command line: it holds a password
        }
        env.pop("SAGDET_TEACHER_KEY", None)
        if self.options.teacher_key:
            env["SAGDET_TEACHER_KEY"] = self.options.teacher_key
        command = [sys.executable, str(APP), "--asr-url", asr_url, "--model", model]
        if self.options.decks:
            command += ["--decks", str(self.options.decks.resolve())]
        log_path = self.root / "logs" / f"replica-{name}.log"
        return Child(
            f"replica {name}",
            [*command, *self.options.app_args],
            log_path,
            env=env,
            cwd=APP.parent,
            restart=True,
        )

    def _start_proxy(self, deadline: float) -> None:
        options = self.options
        ports = tuple(self.replica_ports)
        plan = nginx.ProxyPlan(
            options.host,
            options.port,
            ports,
            self.root / "nginx",
            # nginx reads a relative path from its prefix, not from where we were started
            certificate=options.tls_cert.resolve() if options.tls_cert else None,
            key=options.tls_key.resolve() if options.tls_key else None,
        )
        binary = nginx.find_nginx() or "nginx"
        nginx.write_config(plan)
        nginx.check_config(plan, binary)
        self.proxy = Child("nginx", nginx.command(plan, binary), self.root / "logs" / "nginx.log")
        self.proxy.start()
        here = "127.0.0.1" if options.host in ("0.0.0.0", "::", "") else options.host
        here = f"[{here}]" if ":" in here else here  # an IPv6 address
        self.url = f"{scheme(options)}://{here}:{options.port}/"
        wait_http(self.url, self.proxy, deadline, verify=not plan.tls)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the school as Ctrl-C does


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per readiness poll
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        school = School(options)
    except SchoolError as e:
        print(e, file=sys.stderr)
        return 2
    try:
        school.start()
        print("\nSäg det! is served to the school at:", *addresses(options), sep="\n  ")
        print(f"Logs: {school.root / 'logs'}. Ctrl-C stops everything.\n", flush=True)
        while True:
            signal.pause()
    except SchoolError as e:
        print(f"The school did not start: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Stopping the school...", flush=True)
    finally:
        school.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
