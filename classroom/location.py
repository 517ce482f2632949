"""Where the class database lives when the deployer says nothing, and how a setting becomes a URL.

Order, first that applies:
1. `--db` / `SAGDET_DB`: the deployer's explicit word wins. A value with "://" is a SQLAlchemy URL
   (`postgresql+psycopg://user:pw@host/db`, `sqlite:////abs/file.db`); a path ending in .db,
   .sqlite or .sqlite3 is that SQLite file; any other path is a folder that gets `sag-det.db`.
2. `/data/sag-det.db` when `/data` exists and is writable: a Hugging Face Space with persistent
   storage mounts it there, and it is the only disk there that survives a restart.
3. `~/.cache/sag-det/classes.db`, next to the app's other local state (the browser-state secret).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

ENV_VAR = "SAGDET_DB"
DATA_DIR = Path("/data")
FILE_NAME = "sag-det.db"
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def default_database_url(
    setting: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    data_dir: Path = DATA_DIR,
    home: Path | None = None,
) -> str:
    """The database URL to use: from `setting` (the --db option), else the environment, else a file.

    `env`, `data_dir` and `home` exist for tests; the app passes only `setting`.
    """
    env = os.environ if env is None else env
    chosen = (setting or env.get(ENV_VAR) or "").strip()
    if chosen:
        url = url_from_setting(chosen)
        log.info("class database from the setting: %s", _safe(url))
        return url
    if data_dir.is_dir() and os.access(data_dir, os.W_OK | os.X_OK):
        url = sqlite_url(data_dir / FILE_NAME)
        log.info("class database on the persistent disk: %s", url)
        return url
    base = home if home is not None else Path.home()
    url = sqlite_url(base / ".cache" / "sag-det" / "classes.db")
    log.info("class database in the user's cache: %s", url)
    return url


def url_from_setting(setting: str) -> str:
    """A --db value as a URL: URLs pass through, a file path or a folder becomes SQLite."""
    if "://" in setting:
        make_url(setting).get_dialect()  # ArgumentError for a malformed URL or unknown database
        return setting
    path = Path(setting).expanduser()
    if path.suffix.lower() not in SQLITE_SUFFIXES:
        path = path / FILE_NAME
    return sqlite_url(path)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.expanduser().resolve()}"


def _safe(url: str) -> str:
    """The URL for a log line, without its password."""
    return make_url(url).render_as_string(hide_password=True)
