"""The streamed microphone's pieces on disk: each deleted once it is old, with its folder.

Gradio saves every uploaded piece as `<upload folder>/<sha of its bytes>/audio.wav`, and keeps it
for a day: a learner streaming for ten minutes would leave 1,200 pieces (about 60 MB) and as many
folders. Deleting a piece as soon as it is heard is wrong too: two learners whose microphones send
the same bytes (two muted microphones, exact digital silence) share one file, and deleting it
under the other learner's event fails that event, which ends that learner's stream.

So pieces are deleted by age: a piece heard, and not written again (a new upload of the same
bytes replaces the file, with a new time), for `keep` seconds is removed, and then its folder if
nothing else is in it. A piece still to be read is never that old: each stream's pieces are read
in order within a second or two of their upload.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

KEEP = 120.0  # seconds a heard piece stays on disk after its last upload
SWEEP_EVERY = 15.0  # seconds between sweeps (a sweep runs on a handler's call, no thread)


class StreamPieces:
    """The pieces heard by every learner's listener, and their removal once old. Thread-safe."""

    def __init__(self, keep: float = KEEP, every: float = SWEEP_EVERY) -> None:
        self.keep = keep
        self.every = every
        self._heard: dict[Path, float] = {}  # piece -> when it was last heard
        self._lock = threading.Lock()
        self._swept = time.monotonic()
        self.removed = 0  # pieces deleted so far (for tests and the log)

    def heard(self, piece: object) -> None:
        """Note a piece a handler was given (a path; anything else is not a file of ours)."""
        if not isinstance(piece, str | Path) or not str(piece):
            return
        now = time.monotonic()
        with self._lock:
            self._heard[Path(piece)] = now
            due = now - self._swept >= self.every
            if due:
                self._swept = now
        if due:
            self.sweep()

    def sweep(self) -> int:
        """Delete the pieces (and then-empty folders) heard and unchanged for `keep` s."""
        now, wall = time.monotonic(), time.time()
        with self._lock:
            old = [path for path, seen in self._heard.items() if now - seen >= self.keep]
        removed = 0
        for path in old:
            try:
                if wall - path.stat().st_mtime < self.keep:  # uploaded again meanwhile
                    continue
                path.unlink()
                removed += 1
            except FileNotFoundError:
                pass
            except OSError as e:
                log.warning("a streamed piece could not be removed: %s", e)
                continue
            with self._lock:
                if now - self._heard.get(path, now) >= self.keep:
                    del self._heard[path]
            _remove_if_empty(path.parent)
        self.removed += removed
        return removed

    def __len__(self) -> int:
        with self._lock:
            return len(self._heard)


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # only an empty folder goes: a file in it keeps it
        folder.rmdir()
