"""Where the class database lives when the deployer says nothing, and how a setting becomes a URL.

Order, first that applies:
1. `--db` / `SAGDET_DB`: the deployer's explicit word wins. A value with "://" is a SQLAlchemy URL
   (`postgresql+psycopg://user:pw@host/db`, `sqlite:////abs/file.db`); a path ending in .db,
   .sqlite or .sqlite3 is that SQLite file; any other path is a folder that gets `sag-det.db`.
   Anything else (a URL of a database or driver that is not installed, an existing file that is
   not SQLite, a folder that cannot be made) is refused with `BadDatabaseSetting`, whose message
   names the value and the forms that work: the app checks at start-up, not at the first class.
2. `/data/sag-det.db` when `/data` exists and is writable: a Hugging Face Space with persistent
   storage mounts it there, and it is the only disk there that survives a restart.
3. `~/.cache/sag-det/classes.db`, next to the app's other local state (the browser-state secret).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from classroom.errors import BadDatabaseSetting

log = logging.getLogger(__name__)

ENV_VAR = "SAGDET_DB"
DATA_DIR = Path("/data")
FILE_NAME = "sag-det.db"
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
SQLITE_HEADER = b"SQLite format 3\x00"


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
    """A --db value as a URL: URLs pass through, a file path or a folder becomes SQLite.

    Raises BadDatabaseSetting for a value that can never open a class database.
    """
    setting = setting.strip()
    if "://" in setting:
        return _checked_url(setting)
    path = Path(setting).expanduser()
    if path.suffix.lower() not in SQLITE_SUFFIXES:
        if path.is_file():
            raise BadDatabaseSetting(
                setting, "it is a file, and a SQLite file's name ends in .db, .sqlite or .sqlite3"
            )
        path = path / FILE_NAME
    _check_sqlite_file(setting, path)
    return sqlite_url(path)


def _checked_url(setting: str) -> str:
    try:
        dialect = make_url(setting).get_dialect()
        dialect.import_dbapi()
    except NoSuchModuleError:  # before ArgumentError, which it is a kind of
        hint = " (PostgreSQL is postgresql+psycopg://)" if setting.startswith("postgres:") else ""
        raise BadDatabaseSetting(setting, f"SQLAlchemy knows no such database{hint}") from None
    except ArgumentError:
        raise BadDatabaseSetting(setting, "it is not a URL SQLAlchemy can read") from None
    except ImportError as exc:
        raise BadDatabaseSetting(
            setting, f"its driver is not installed ({exc.name or exc})"
        ) from None
    return setting


def _check_sqlite_file(setting: str, path: Path) -> None:
    """The file is SQLite (or not there yet) and its folder exists or can be made here."""
    if path.is_dir():
        raise BadDatabaseSetting(setting, f"{path} is a folder, not a SQLite file")
    if path.is_file():
        try:
            with path.open("rb") as opened:
                head = opened.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise BadDatabaseSetting(setting, f"{path} cannot be read ({exc.strerror})") from None
        if head and head != SQLITE_HEADER:
            raise BadDatabaseSetting(setting, f"{path} is not a SQLite database")
        return
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise BadDatabaseSetting(setting, f"{folder} is a file, so no folder can be made there")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BadDatabaseSetting(setting, f"{folder} cannot be written")


def outbox_path(url: str, *, data_dir: Path = DATA_DIR, home: Path | None = None) -> Path:
    """Where answers wait while the database at `url` does not take them (classroom.outbox).

    Beside a SQLite file (it goes where the database goes); for a server, one file per
    database (its URL without the password, hashed) on the persistent disk when there is one,
    else in the user's cache. A restart of the app on the same database finds it again.
    """
    parsed = make_url(url)
    database = parsed.database or ""
    on_disk = database not in ("", ":memory:") and not database.startswith("file:")
    if parsed.get_backend_name() == "sqlite" and on_disk:
        file = Path(database)
        return file.with_name(f"{file.name}-outbox.sqlite")
    named = hashlib.sha256(parsed.render_as_string(hide_password=True).encode()).hexdigest()
    if data_dir.is_dir() and os.access(data_dir, os.W_OK | os.X_OK):
        folder = data_dir / "sag-det-outbox"
    else:
        folder = (home if home is not None else Path.home()) / ".cache" / "sag-det" / "outbox"
    return folder / f"{named[:20]}.sqlite"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.expanduser().resolve()}"


def _safe(url: str) -> str:
    """The URL for a log line, without its password."""
    return make_url(url).render_as_string(hide_password=True)
