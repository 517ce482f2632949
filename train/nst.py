"""NST Swedish on disk: the reorganised release of Språkbanken's NST database, as unpacked.

The release that `KTH/nst` on the hub is built from is two archives: JSON metadata (one file per
recording session) and the audio. Unpacked, a folder holds

    json/*.json     (or *.json at the top) each with "pid" and "val_recordings":
                    [{"file": "u0001.wav", "text": "Hon bor i Umeå."}, ...]
    se/PID/PID_u0001-1.wav   channel 1 (the close microphone); -2.wav is the other one

That folder is one split, `train`, as on the hub: hold out a test set with a slice
(`train[:2000]`, `train[2000:]`), which takes whole speakers because the corpus is ordered by
session. A folder with `train/` and `test/` sub-folders in that layout has those two splits.
Recordings whose text is a note in brackets ("(... tyst under denna inspelning ...)", silent)
are left out.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from train.errors import TrainError
from train.local import Entry, LocalSource
from train.source import SPLIT_ALIASES, DatasetRef

log = logging.getLogger(__name__)

CHANNEL = 1  # the close-talking microphone


def is_nst(path: Path) -> bool:
    """Whether `path` is an NST folder, or holds one per split."""
    return _is_layout(path) or any(_is_layout(p) for p in path.iterdir() if p.is_dir())


def _is_layout(path: Path) -> bool:
    return (path / "se").is_dir() and bool(_session_files(path))


def _session_files(path: Path) -> list[Path]:
    return sorted((path / "json").glob("*.json")) or sorted(path.glob("*.json"))


class NstFolder(LocalSource):
    """NST Swedish as unpacked from Språkbanken's reorganised release (see the module)."""

    def __init__(self, spec: str, root: Path) -> None:
        super().__init__(spec)
        self.root = root

    @property
    def reference(self) -> DatasetRef:
        return DatasetRef(id="KTH/nst", name="NST Swedish ASR database (16 kHz, reorganised)")

    def splits(self) -> dict[str, Path]:
        if _is_layout(self.root):
            return {"train": self.root}
        return {p.name: p for p in sorted(self.root.iterdir()) if p.is_dir() and _is_layout(p)}

    def entries(self, name: str) -> list[Entry]:
        splits = self.splits()
        folder = splits.get(name) or splits.get(SPLIT_ALIASES.get(name, name))
        if folder is None:
            raise TrainError(
                f"{self.root} (NST) has no split {name!r}; it has: {', '.join(splits)}. "
                "Hold out a test set with a slice: 'train[:2000]' and 'train[2000:]'."
            )
        entries: list[Entry] = []
        missing: list[str] = []
        for session in _session_files(folder):
            found, lost = _session_entries(session, folder)
            entries += found
            missing += lost
        if missing:
            more = f"; and {len(missing) - 10} more" if len(missing) > 10 else ""
            shown = "; ".join(missing[:10]) + more
            raise TrainError(
                f"{folder}: {len(missing)} audio file(s) of the NST sessions not found under "
                f"{folder / 'se'}: {shown}. Unpack the audio archive into that folder."
            )
        return entries


def _session_entries(session: Path, folder: Path) -> tuple[list[Entry], list[str]]:
    """(entries, missing files) of one session's JSON file."""
    try:
        data = json.loads(session.read_text(encoding="utf-8"))
        pid = str(data["pid"])
        recordings = list(data.get("val_recordings") or [])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise TrainError(
            f"{session} is not an NST session file (JSON with 'pid' and 'val_recordings'): {e}"
        ) from e
    entries, missing, notes = [], [], 0
    for number, recording in enumerate(recordings, start=1):
        text = str(recording.get("text") or "").strip()
        if not text or (text.startswith("(") and text.endswith(")")):
            notes += 1
            continue
        name = str(recording.get("file") or "")
        path = _audio_path(folder / "se" / pid, pid, name)
        if path is None:
            missing.append(f"{session.name} recording {number}: {pid}/{name or '(no file)'}")
            continue
        entries.append(Entry(path, text, f"{session.name}:{number} ({path.name})"))
    if notes:
        log.debug("%s: left out %d recording(s) without speech to transcribe", session, notes)
    return entries, missing


def _audio_path(speaker: Path, pid: str, name: str) -> Path | None:
    if not name:
        return None
    stem = Path(name).stem
    for candidate in (speaker / f"{pid}_{stem}-{CHANNEL}.wav", speaker / name):
        if candidate.is_file():
            return candidate
    return None
