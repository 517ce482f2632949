"""The files a page is served, the app's work folder, and the decks players upload.

A picture's file name may be its answer (hund.png), and a deck's folder holds every answer
(items.csv): the browser gets copies under neutral names only, and small inline thumbnails.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import io
import logging
import os
import secrets
import shutil
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

import game

log = logging.getLogger(__name__)

WORK_PREFIX = "sag-det-"
THUMB_PIXELS = 160  # the answered card beside its verdict: recognisable, a few KB inline


def digest(path: Path) -> str:
    """A picture's neutral name: the start of its content's hash (the same file, the same name)."""
    return hashlib.sha1(path.read_bytes()).hexdigest()[:16]


class NeutralNames:
    """Copies of pictures and recordings under names that do not give the answer away
    (hund.png → 3f2a….png).

    The browser sees the file name in the picture's address; a learner could read the answer.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.known: dict[Path, str] = {}
        self.names: dict[Path, str] = {}

    def name(self, path: Path) -> str:
        """The neutral name of `path` (its `digest`), read and hashed once per file."""
        if path not in self.names:
            self.names[path] = digest(path)
        return self.names[path]

    def public(self, path: Path) -> str:
        if path not in self.known:
            target = self.folder / f"{self.name(path)}{path.suffix.lower()}"
            if not target.exists():
                self.folder.mkdir(parents=True, exist_ok=True)
                # Players load pages at once: copy under a private name, then rename, so no
                # request ever sees half a file.
                partial = target.with_name(f".{secrets.token_hex(8)}{target.name}")
                shutil.copyfile(path, partial)
                partial.replace(target)
            self.known[path] = str(target)
        return self.known[path]


class Thumbnails:
    """Small inline pictures (data URIs) of answered cards, made once per picture."""

    def __init__(self) -> None:
        self._made: dict[Path, str] = {}
        self._lock = threading.Lock()

    def of(self, path: Path | None) -> str:
        """A data URI of the picture at `path`, or "" when it cannot be read."""
        if path is None:
            return ""
        with self._lock:
            if path not in self._made:
                self._made[path] = _thumbnail(path)
            return self._made[path]


def _thumbnail(path: Path) -> str:
    from PIL import Image

    try:
        with Image.open(path) as image:
            image = image.convert("RGBA")
            image.thumbnail((THUMB_PIXELS, THUMB_PIXELS))
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
    except (OSError, ValueError) as e:  # a deck's picture is checked on load; this is a race
        log.warning("no thumbnail of %s: %s", path.name, e)
        return ""
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


class UploadShelf:
    """Decks players uploaded, by a random token their browser keeps: a reload finds them again.

    Bounded: the oldest go first, as the work folder's files do. A token is unguessable, so no
    player reaches another's deck.
    """

    def __init__(self, limit: int = 1000) -> None:
        self._decks: OrderedDict[str, game.Deck] = OrderedDict()
        self._lock = threading.Lock()
        self._limit = limit

    def put(self, deck: game.Deck) -> str:
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._decks[token] = deck
            while len(self._decks) > self._limit:
                self._decks.popitem(last=False)
        return token

    def get(self, token: str) -> game.Deck | None:
        with self._lock:
            return self._decks.get(token)


def new_work_dir(root: Path | None = None) -> Path:
    """A fresh work folder (uploads, neutral copies, spoken words), marked with this process id.

    Folders left by app processes that are gone (killed, crashed) are removed first, so restarts
    do not pile up copies of every uploaded deck; this process's folder goes when it exits.
    """
    root = Path(root or tempfile.gettempdir())
    remove_stale_work_dirs(root)
    folder = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=root))
    (folder / "pid").write_text(str(os.getpid()))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def remove_stale_work_dirs(root: Path) -> list[Path]:
    """Remove the work folders under `root` whose app process no longer runs; return them."""
    removed = []
    for folder in root.glob(f"{WORK_PREFIX}*"):
        try:
            pid = int((folder / "pid").read_text())
        except (OSError, ValueError):
            continue  # not ours, or still being made: leave it
        if _running(pid):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    if removed:
        log.info("removed %d work folder(s) left by stopped app processes", len(removed))
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        return True
    return True
