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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import game
from ui.text import say

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
        self._lock = threading.Lock()  # a copy is not deleted while another file takes it up

    def name(self, path: Path) -> str:
        """The neutral name of `path` (its `digest`), read and hashed once per file; for a file
        gone from disk, a name made from its path (nothing of it is served)."""
        if path not in self.names:
            try:
                self.names[path] = digest(path)
            except OSError:
                return hashlib.sha1(str(path).encode()).hexdigest()[:16]
        return self.names[path]

    def public(self, path: Path) -> str:
        if path in self.known:
            return self.known[path]
        target = self.folder / f"{self.name(path)}{path.suffix.lower()}"
        with self._lock:
            if not target.exists():
                self.folder.mkdir(parents=True, exist_ok=True)
                # Players load pages at once: copy under a private name, then rename, so no
                # request ever sees half a file.
                partial = target.with_name(f".{secrets.token_hex(8)}{target.name}")
                shutil.copyfile(path, partial)
                partial.replace(target)
            self.known[path] = str(target)
        return str(target)

    def forget(self, folder: Path) -> None:
        """Forget the files under `folder` (a deck let go), and delete their copies that no
        other file has (two decks may hold the same picture: one copy serves both)."""
        with self._lock:
            gone = {path: self.known.pop(path) for path in list(self.known)
                    if path.is_relative_to(folder)}  # fmt: skip
            for path in [path for path in self.names if path.is_relative_to(folder)]:
                del self.names[path]
            kept = set(self.known.values())
            for copy in set(gone.values()) - kept:
                Path(copy).unlink(missing_ok=True)


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

    def forget(self, folder: Path) -> None:
        """Forget the pictures under `folder` (a deck let go)."""
        with self._lock:
            for path in [path for path in self._made if path.is_relative_to(folder)]:
                del self._made[path]


def _thumbnail(path: Path) -> str:
    from PIL import Image

    try:
        with Image.open(path) as opened:
            image = opened.convert("RGBA")
            image.thumbnail((THUMB_PIXELS, THUMB_PIXELS))
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
    except (OSError, ValueError) as e:  # a deck's picture is checked on load; this is a race
        log.warning("no thumbnail of %s: %s", path.name, e)
        return ""
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


MB = 1024 * 1024
# All uploaded decks on disk together. Above the largest deck one upload unpacks to (a zip's
# 300 MB, game.safezip.ZipLimits), so any accepted deck fits; a hundred class decks of a few MB
# each; a small share of a free Space's disk, which every upload would otherwise fill a little
# more for as long as the app runs.
UPLOADS_DISK_BYTES = 500 * MB


class DeckTooLarge(Exception):
    """An uploaded deck that alone takes more than all the room for uploaded decks."""

    def __init__(self, size: int, room: int) -> None:
        self.size, self.room = size, room
        super().__init__(self.said("en"))

    def said(self, lang: str) -> str:
        """The message in `lang` (ui/text.py's "deck_too_large")."""
        return say("deck_too_large", lang, size=f"{self.size / MB:.1f}", room=f"{self.room / MB:g}")


@dataclass(frozen=True)
class _Shelved:
    deck: game.Deck
    folder: Path  # the upload's own folder (the deck and all it unpacked): deleted with it
    size: int  # bytes of the files under `folder`


class UploadShelf:
    """Decks players uploaded, by a random token their browser keeps: a reload finds them again.

    The shelf owns each deck's upload folder, and a deck it lets go is deleted from disk. Bounded
    in count and in bytes on disk: the deck used longest ago goes first. A deck being played is
    used on every step (`touch`), so it goes last; one let go anyway is told to its player
    (`Context.deck_for`). A token is unguessable, so no player reaches another's deck.
    """

    def __init__(
        self,
        root: Path,
        *,
        max_bytes: int = UPLOADS_DISK_BYTES,
        limit: int = 1000,
        let_go: Callable[[Path], None] | None = None,
    ) -> None:
        self.root = root.resolve()  # where uploads are unpacked (deck paths are resolved);
        # only a folder right under it is ever deleted
        self._decks: OrderedDict[str, _Shelved] = OrderedDict()  # the least recently used first
        self._tokens: dict[Path, str] = {}  # by folder: a deck copied by Gradio is still found
        self._bytes = 0
        self._lock = threading.Lock()
        self._max_bytes = max_bytes
        self._limit = limit
        self._let_go = let_go  # told each folder deleted (the copies served of its files go too)

    def put(self, deck: game.Deck) -> str:
        """Keep `deck` (its folder is the shelf's from now on) and return its token; the same
        deck again gets the same token. Raises `DeckTooLarge` (its folder deleted) for a deck
        that alone takes more than all the room."""
        folder = self._folder(deck)
        with self._lock:
            if (token := self._tokens.get(folder)) is not None:
                self._decks.move_to_end(token)
                return token
        size = _bytes_under(folder)
        if size > self._max_bytes:
            self._delete(folder)
            raise DeckTooLarge(size, self._max_bytes)
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._decks[token] = _Shelved(deck, folder, size)
            self._tokens[folder] = token
            self._bytes += size
            gone = []
            while len(self._decks) > 1 and (
                self._bytes > self._max_bytes or len(self._decks) > self._limit
            ):
                _, shelved = self._decks.popitem(last=False)
                del self._tokens[shelved.folder]
                self._bytes -= shelved.size
                gone.append(shelved)
        for shelved in gone:
            log.info("let go of the uploaded deck %r (%d bytes)", shelved.deck.name, shelved.size)
            self._delete(shelved.folder)
        return token

    def get(self, token: str) -> game.Deck | None:
        """The deck of `token`, now used; None when the shelf never had it or let it go, or its
        folder has gone from disk (then it is let go now)."""
        with self._lock:
            shelved = self._decks.get(token)
            if shelved is None:
                return None
            if shelved.deck.path is None or not shelved.deck.path.is_dir():
                del self._decks[token], self._tokens[shelved.folder]
                self._bytes -= shelved.size
            else:
                self._decks.move_to_end(token)
                return shelved.deck
        log.warning("the uploaded deck %r has gone from disk", shelved.deck.name)
        self._delete(shelved.folder)
        return None

    def touch(self, deck: game.Deck) -> bool:
        """Mark `deck` as used now; False when the shelf has let it go (its files are gone)."""
        token = self.token_of(deck)
        return token is not None and self.get(token) is not None

    def token_of(self, deck: game.Deck) -> str | None:
        """The token of `deck` while the shelf has it."""
        if deck.path is None:
            return None
        with self._lock:
            return self._tokens.get(deck.path.parent)

    @property
    def bytes(self) -> int:
        """Bytes on disk of the decks on the shelf."""
        with self._lock:
            return self._bytes

    def _folder(self, deck: game.Deck) -> Path:
        if deck.path is None or deck.path.parent.parent != self.root:
            raise ValueError(f"{deck.name!r} is not a deck uploaded under {self.root}")
        return deck.path.parent

    def _delete(self, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)
        if self._let_go is not None:
            self._let_go(folder)


def _bytes_under(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


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
