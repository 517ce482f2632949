"""The files a deck points to: safe paths inside the deck folder, content that is what it says.

A deck may come from anywhere (a zip a teacher uploads, a shared drive), so a path in `items.csv`
is untrusted: it must stay inside the deck folder after links are followed, and a picture must be
a picture by its bytes, not by its name.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from PIL import Image, UnidentifiedImageError

from game.findings import Finding

PICTURE_FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "MPO": "JPEG", "WEBP": "WebP"}
MAX_PIXELS = 40_000_000  # a 40-megapixel picture is a photo straight off a camera, or a bomb
MIN_SIDE = 128  # below this a picture is a blur at the size the app shows it


class Reporter(Protocol):
    def error(self, file: str, message: str, line: int | None = None) -> None: ...
    def warn(self, file: str, message: str, line: int | None = None) -> None: ...


@dataclass(frozen=True)
class FileKind:
    noun: str
    max_bytes: int
    check: Callable[[Path], tuple[str | None, str | None]]
    """Returns (error, warning) for a file's content; None where there is none."""


def _check_picture(path: Path) -> tuple[str | None, str | None]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                kind = PICTURE_FORMATS.get(image.format or "")
                if kind is None:
                    return Finding("picture_format", format=str(image.format)), None
                width, height = image.size
                if width * height > MAX_PIXELS:
                    return Finding("picture_huge", width=width, height=height), None
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow refuses to open pictures this large at all: the size is the problem, not the kind.
        return Finding("picture_bomb"), None
    except UnidentifiedImageError:
        return Finding("not_a_picture"), None
    except (OSError, SyntaxError, ValueError) as e:
        return Finding("picture_damaged", why=str(e)), None
    suffix = path.suffix.lower().lstrip(".")
    if suffix and suffix not in ("png", "jpg", "jpeg", "webp"):
        return None, Finding("picture_misnamed", format=kind, suffix=suffix)
    if min(width, height) < MIN_SIDE:
        return None, Finding("picture_small", width=width, height=height, min=MIN_SIDE)
    return None, None


# Leading bytes of the audio containers a browser plays.
_AUDIO_MAGIC = (
    (0, b"RIFF"),  # wav
    (0, b"ID3"),  # mp3 with tags
    (0, b"\xff\xfb"),
    (0, b"\xff\xf3"),
    (0, b"\xff\xf2"),  # mp3 frames
    (0, b"OggS"),  # ogg, opus
    (0, b"fLaC"),  # flac
    (4, b"ftyp"),  # m4a, mp4
    (0, b"\x1a\x45\xdf\xa3"),  # webm, mka
)


def is_recording(head: bytes) -> bool:
    """Whether these leading bytes start an audio file a browser plays."""
    return any(head[at : at + len(magic)] == magic for at, magic in _AUDIO_MAGIC)


def _check_audio(path: Path) -> tuple[str | None, str | None]:
    with path.open("rb") as f:
        head = f.read(16)
    if is_recording(head):
        return None, None
    return Finding("not_a_recording"), None


PICTURE = FileKind("picture", 10 * 1024 * 1024, _check_picture)
AUDIO = FileKind("recording", 5 * 1024 * 1024, _check_audio)

_DRIVE = re.compile(r"^[A-Za-z]:")


def check_file(
    root: Path, rel: str, kind: FileKind, table: str, line: int, report: Reporter
) -> Path | None:
    """Resolve `rel` inside the deck folder `root` and check the file; None if it is bad."""
    if not rel:
        report.error(table, Finding(f"none_{kind.noun}"), line)
        return None
    # Decks made on Windows use backslashes.
    pure = PurePosixPath(rel.replace("\\", "/"))
    if pure.is_absolute() or _DRIVE.match(rel):
        report.error(table, _said(kind, rel, Finding("absolute_path")), line)
        return None
    if ".." in pure.parts:
        report.error(table, _said(kind, rel, Finding("leaves_folder")), line)
        return None
    try:
        found = _locate(root, pure, kind)
    except (OSError, RuntimeError) as e:  # a name too long for the disk; a symlink loop (3.11)
        found = Finding("cannot_be_opened", why=getattr(e, "strerror", None) or str(e))
    if isinstance(found, str):
        report.error(table, _said(kind, rel, found), line)
        return None
    path, real = found
    if unicodedata.normalize("NFC", path.name) != unicodedata.normalize("NFC", pure.name):
        report.warn(table, _said(kind, rel, Finding("named_otherwise", real=path.name)), line)
    try:
        error, warning = kind.check(real)
    except OSError as e:
        error, warning = Finding("cannot_be_read", why=e.strerror or str(e)), None
    if warning:
        report.warn(table, _said(kind, rel, warning), line)
    if error:
        report.error(table, _said(kind, rel, error), line)
        return None
    return real


def _said(kind: FileKind, rel: str, what: str) -> Finding:
    """ "picture 'hund.png' is not a picture (PNG, JPEG or WebP)": the file, then what is wrong."""
    return Finding("file_is", noun=Finding(f"noun_{kind.noun}"), name=rel, what=what)


def _locate(root: Path, rel: PurePosixPath, kind: FileKind) -> tuple[Path, Path] | str:
    """(the path as found, its real path), or why the file cannot be used."""
    path = _find(root, rel)
    if path is None:
        return Finding("not_found")
    real = path.resolve()
    if not real.is_relative_to(root):
        return Finding("links_out")
    if not real.is_file():
        return Finding("not_a_file")
    if real.stat().st_size > kind.max_bytes:
        return Finding("too_large_mb", mb=kind.max_bytes // (1024 * 1024))
    return path, real


def _find(root: Path, rel: PurePosixPath) -> Path | None:
    """The file `rel` names, forgiving what a teacher cannot see: letter case and Unicode form.

    A deck zipped on a Mac stores "äpple.png" decomposed (NFD) while the CSV has it composed (NFC),
    and a deck made on Windows may say "Hund.PNG" for "hund.png".
    """
    exact = root.joinpath(*rel.parts)
    if exact.exists() or exact.is_symlink():
        return exact
    folder = root
    for part in rel.parts:
        if not folder.is_dir():
            return None
        wanted = _name_key(part)
        matches = [c for c in folder.iterdir() if _name_key(c.name) == wanted]
        if len(matches) != 1:
            return None
        folder = matches[0]
    return folder


def _name_key(name: str) -> str:
    """A file name as a teacher sees it: NFC, case-folded, and repaired when it was unzipped
    wrongly. A zip that does not flag its names as UTF-8 (macOS Archive Utility makes them) is
    read by Python's zipfile as code page 437: "äpple.png" comes out as "a╠êpple.png"."""
    with contextlib.suppress(UnicodeError):  # not such a name: most are not
        name = name.encode("cp437").decode("utf-8")
    return unicodedata.normalize("NFC", name).casefold()
