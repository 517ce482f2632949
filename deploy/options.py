"""What a school takes, from the command line or from Python, and what this machine lacks for it.

`SchoolOptions` is the one place the defaults live; `parse_args` fills it from
`python -m deploy.school ...`; `missing` and `invalid` say, in words, why a school cannot start.
"""

from __future__ import annotations

import argparse
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from deploy import engine, nginx
from deploy.postgres import find_bin


@dataclass(frozen=True)
class SchoolOptions:
    """Everything `python -m deploy.school` takes; the defaults serve a school on port 8080."""

    model: str  # a CTranslate2 Whisper folder to serve; with asr_url, the name the engine knows
    replicas: int = 2  # app processes; each takes a CPU core or so when learners speak at once
    port: int = 8080  # where nginx listens: the one address learners open
    host: str = "0.0.0.0"  # nginx's address; 0.0.0.0 is every interface (the school's network)
    db: str = ""  # class mode's SQLAlchemy URL; empty: a PostgreSQL server of our own in `data`
    asr_url: str = ""  # a running OpenAI-style engine; empty: faster-whisper-server on `model`
    data: Path | None = None  # kept between runs (database, secret, logs); None: a temp folder
    decks: Path | None = None  # the school's own decks, beside the default ones
    teacher_key: str = ""  # one teacher key for every class (SAGDET_TEACHER_KEY); empty: per class
    secret: str = ""  # encrypts progress in browsers; empty: $SAGDET_SECRET, else kept in `data`
    tls_cert: Path | None = None  # with tls_key: HTTPS, which browsers need to give a page
    tls_key: Path | None = None  # on another machine the microphone (PEM files)
    engine_threads: int = 0  # CPU threads of the engine; 0: every core
    restart_delay: float = 1.0  # seconds before a dead replica is started again (doubles)
    start_timeout: float = 180.0  # seconds for everything to answer at start
    app_args: tuple[str, ...] = field(default=())  # more options for every `python app.py`


def missing(options: SchoolOptions) -> list[str]:
    """What this machine lacks to serve `options`, in words (empty when nothing is missing)."""
    lacks = []
    if not nginx.find_nginx():
        lacks.append("nginx is not installed (apt-get install nginx)")
    if not options.db and find_bin() is None:
        lacks.append("PostgreSQL is not installed (apt-get install postgresql) and no --db given")
    if not options.asr_url and not engine.installed():
        lacks.append(
            "faster-whisper-server is not installed (pip install faster-whisper-server) "
            "and no --asr-url given"
        )
    return lacks


def invalid(options: SchoolOptions) -> list[str]:
    """What is wrong with `options` themselves, in words (empty when nothing is)."""
    problems = []
    if options.replicas < 1:
        problems.append(f"--replicas {options.replicas}: at least 1")
    if not 0 < options.port < 65536:
        problems.append(f"--port {options.port}: a port is 1 to 65535")
    if not options.model:
        problems.append(
            "--model is needed: a CTranslate2 Whisper folder, or with --asr-url the "
            "engine's model name"
        )
    elif not options.asr_url:
        problems.append(engine.model_problem(Path(options.model)) or "")
    if options.decks and not options.decks.is_dir():
        problems.append(f"--decks {options.decks}: not a folder")
    if (options.tls_cert is None) != (options.tls_key is None):
        problems.append("--tls-cert and --tls-key go together")
    for name, path in (("--tls-cert", options.tls_cert), ("--tls-key", options.tls_key)):
        if path is not None and not path.is_file():
            problems.append(f"{name} {path}: no such file")
    return [p for p in problems if p]


def scheme(options: SchoolOptions) -> str:
    return "https" if options.tls_cert and options.tls_key else "http"


def addresses(options: SchoolOptions) -> list[str]:
    """The URLs to open: this machine's name when nginx listens on every interface."""
    start = f"{scheme(options)}://"
    if options.host not in ("0.0.0.0", "::", ""):
        return [f"{start}{options.host}:{options.port}/"]
    return [f"{start}{socket.gethostname()}:{options.port}/", f"{start}127.0.0.1:{options.port}/"]


def parse_args(argv: list[str] | None = None) -> SchoolOptions:
    """The command line; anything after `--` goes to every `python app.py`."""
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="python -m deploy.school",
        description="Serve Säg det! to a school: app replicas behind nginx, one PostgreSQL for "
        "class mode, one recognition engine.",
    )
    parser.add_argument(
        "--model",
        required=True,
        help="a CTranslate2 Whisper folder for the engine; with --asr-url, the "
        "name of the engine's model",
    )
    parser.add_argument("--replicas", type=int, default=2, help="app processes (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="where learners connect")
    parser.add_argument("--host", default="0.0.0.0", help="nginx's address (default: all)")
    parser.add_argument(
        "--db",
        default=env("SAGDET_DB", ""),
        help="class mode's database URL (postgresql+psycopg://...); default: a "
        "PostgreSQL server of our own in --data",
    )
    parser.add_argument(
        "--asr-url",
        default=env("SAGDET_ASR_URL", ""),
        help="a running OpenAI-style engine (vLLM, whisper.cpp server); default: "
        "faster-whisper-server on --model",
    )
    parser.add_argument(
        "--data",
        type=Path,
        help="keep the database, the browser secret and the logs here between "
        "runs; default: a temporary folder, removed on stop",
    )
    parser.add_argument(
        "--decks", type=Path, default=env("SAGDET_DECKS"), help="the school's own decks"
    )
    parser.add_argument("--tls-cert", type=Path, help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--tls-key", type=Path, help="and this private key (PEM)")
    parser.add_argument("--engine-threads", type=int, default=0, help="0: every core")
    parser.add_argument("app_args", nargs="*", help="after --: options for every app replica")
    args = parser.parse_args(argv)
    return SchoolOptions(
        model=args.model,
        replicas=args.replicas,
        port=args.port,
        host=args.host,
        db=args.db,
        asr_url=args.asr_url,
        data=args.data,
        decks=Path(args.decks) if args.decks else None,
        teacher_key=env("SAGDET_TEACHER_KEY", ""),
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        engine_threads=args.engine_threads,
        app_args=tuple(args.app_args),
    )
