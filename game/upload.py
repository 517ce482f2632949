"""Turning what a teacher uploads in the browser into a deck folder, and saving it for everyone.

Three uploads are understood, told apart by their bytes rather than their names: a zip of a deck
folder, an Anki package (a zip holding `collection.anki2`), or a CSV listing the cards together
with the pictures it names. Everything uploaded is untrusted: zip member names are checked before
anything is written, sizes are capped both as declared and as really read, and no member becomes
a path outside the new folder. `unpack_deck` only unpacks; `game.load_deck` then checks the deck.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import re
import shutil
import stat
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from game.anki import AnkiImportError, import_anki
from game.deck import DECK_FILE, DELIMITERS, ITEMS_FILE, DeckError, load_deck

log = logging.getLogger(__name__)

MB = 1024 * 1024
ANKI_MEMBERS = frozenset({"collection.anki2", "collection.anki21", "collection.anki21b"})
ZIP_SUFFIXES = (".zip", ".apkg", ".colpkg")
TABLE_SUFFIXES = (".csv", ".tsv", ".txt")  # Excel's "Text (Tab delimited)" saves .txt
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif")
JUNK_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})  # made by Finder and Explorer
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError)
_DRIVE = re.compile(r"^[A-Za-z]:")
_MAGIC = (  # what a file really is, by its first bytes, to say so when it is not what it claims
    (b"\x89PNG", "a PNG picture"),
    (b"\xff\xd8\xff", "a JPEG picture"),
    (b"GIF8", "a GIF picture"),
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an old Excel or Word file (.xls, .doc)"),
)


class UploadError(Exception):
    """An upload that cannot become a deck; the message says what to do about it."""


@dataclass(frozen=True)
class UploadLimits:
    """Caps on one upload: generous for a class's picture deck, small for a free Space's disk."""

    max_upload_bytes: int = 100 * MB  # all uploaded files together, as they arrived
    max_unpacked_bytes: int = 300 * MB  # everything one zip unpacks to, declared and really read
    max_zip_files: int = 2000  # members in one zip; a deck holds at most 2000 cards
    max_ratio: int = 100  # unpacked:packed size of one member; pictures barely shrink, bombs do
    ratio_grace_bytes: int = 1 * MB  # smaller members skip the ratio check: text shrinks well


def unpack_deck(
    files: Sequence[Path],
    workdir: Path,
    *,
    name: str | None = None,
    limits: UploadLimits | None = None,
) -> Path:
    """Write the deck in the uploaded `files` to a new folder under `workdir`, and return it.

    `files` is one zip of a deck folder, one Anki package, or one CSV (the cards, as in
    `items.csv`) with the pictures and recordings it names, and optionally a `deck.toml`.
    `name` names a deck that comes without `deck.toml` (else the CSV's or zip's name does).
    Raises `UploadError` for an upload that is not what it claims, unsafe, too large, or that
    holds no deck or several. Nothing is checked beyond that: run `game.load_deck` on the result.
    """
    limits = limits or UploadLimits()
    uploads = [Path(f) for f in files if Path(f).name.casefold() not in JUNK_NAMES]
    if not uploads:
        raise UploadError(
            "Nothing was uploaded: choose a deck folder as .zip, an Anki .apkg, "
            "or a CSV together with its pictures."
        )
    heads = _check_uploads(uploads, limits)
    zips = [p for p in uploads if heads[p].startswith((b"PK\x03\x04", b"PK\x05\x06"))]
    for path in uploads:
        if path not in zips and path.suffix.casefold() in ZIP_SUFFIXES:
            what = f" but {_describe(heads[path]) or 'something else'}"
            raise UploadError(f"{path.name} is not a zip file{what}; download or export it again")
    if zips and len(uploads) > 1:
        others = ", ".join(p.name for p in uploads if p != zips[0])
        raise UploadError(f"Upload {zips[0].name} on its own, without {others}.")
    workdir.mkdir(parents=True, exist_ok=True)
    out = Path(tempfile.mkdtemp(prefix="upload-", dir=workdir))
    deck_dir = out / "deck"
    try:
        if zips:
            _unpack_zip(zips[0], deck_dir, name, limits)
        else:
            _unpack_table(uploads, deck_dir, name)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)  # a refused upload leaves nothing behind
        raise
    log.info("unpacked %s into %s", ", ".join(p.name for p in uploads), deck_dir)
    return deck_dir


def _check_uploads(uploads: list[Path], limits: UploadLimits) -> dict[Path, bytes]:
    """The first bytes of each upload; refuses missing and empty files and an oversized upload."""
    heads, total = {}, 0
    for path in uploads:
        try:
            with path.open("rb") as f:
                heads[path] = f.read(512)
            total += path.stat().st_size
        except OSError as e:
            raise UploadError(
                f"{path.name} did not arrive ({e.strerror or e}); upload it again"
            ) from e
        if not heads[path]:
            raise UploadError(f"{path.name} is empty (0 bytes); upload it again")
    if total > limits.max_upload_bytes:
        raise UploadError(
            f"The upload is {total / MB:.1f} MB; at most {limits.max_upload_bytes / MB:g} MB fit. "
            "Make the pictures smaller (1000 pixels wide is plenty)."
        )
    return heads


def _describe(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP picture"
    if head.lstrip()[:20].lower().startswith((b"<!doctype html", b"<html")):
        return "a web page (HTML), not the file itself"
    return next((what for magic, what in _MAGIC if head.startswith(magic)), None)


def _unpack_zip(path: Path, deck_dir: Path, name: str | None, limits: UploadLimits) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            if len(zf.infolist()) > limits.max_zip_files:
                raise UploadError(
                    f"{path.name} holds {len(zf.infolist())} files; at most "
                    f"{limits.max_zip_files} fit: split the deck, or leave out what it does not use"
                )
            if not ANKI_MEMBERS & set(zf.namelist()):
                _DeckZip(zf, path.name, limits).extract(deck_dir, name)
                return
    except _ZIP_ERRORS as e:
        raise UploadError(f"{path.name} cannot be unpacked ({e}); zip the deck again") from e
    try:  # import_anki caps what it reads itself, and never turns a member name into a path
        import_anki(path, deck_dir, name=name)
    except AnkiImportError as e:
        raise UploadError(str(e)) from e


class _DeckZip:
    """A zip of one deck folder, written out member by member: never `extractall`."""

    def __init__(self, zf: zipfile.ZipFile, archive: str, limits: UploadLimits) -> None:
        self.zf, self.archive, self.limits = zf, archive, limits
        self.written = 0  # bytes really unpacked so far

    def refuse(self, why: str) -> UploadError:
        return UploadError(f"{self.archive} {why}")

    def parts(self, info: zipfile.ZipInfo) -> tuple[str, ...]:
        """The member's path as NFC parts; refuses links and names that would leave the folder."""
        raw = info.filename
        if not info.flag_bits & 0x800:
            # No UTF-8 flag: zipfile read the name as code page 437, right for Windows' own zips
            # but not for macOS Archive Utility, which writes UTF-8 without saying so.
            with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
                raw = raw.encode("cp437").decode("utf-8")
        member = unicodedata.normalize("NFC", raw).replace("\\", "/")  # old Windows tools use \
        if stat.S_ISLNK(info.external_attr >> 16):
            raise self.refuse(f"holds a link ({member!r}); zip the real files instead")
        if member.startswith("/") or _DRIVE.match(member):
            raise self.refuse(f"holds an absolute path ({member!r}); zip the deck folder instead")
        parts = tuple(p for p in member.split("/") if p not in ("", "."))
        if ".." in parts:
            raise self.refuse(f"holds a path that leaves its folder ({member!r}); refused")
        return parts

    def extract(self, deck_dir: Path, name: str | None) -> None:
        members = [(info, self.parts(info)) for info in self.zf.infolist()]  # every name checked
        members = [(i, p) for i, p in members if p and not i.is_dir() and not _is_junk(p)]
        roots = sorted({p[:-1] for _, p in members if p[-1].casefold() == ITEMS_FILE})
        if not roots:
            raise self.refuse(_what_was_found([p for _, p in members]))
        if len(roots) > 1:
            listed = ", ".join("/".join(r) + "/" if r else "the top folder" for r in roots)
            raise self.refuse(
                f"holds {len(roots)} decks ({listed}) and none was taken: "
                "upload each deck folder as a zip of its own"
            )
        root = roots[0]
        chosen = [(i, p[len(root) :]) for i, p in members if p[: len(root)] == root]
        for info, rel in chosen:
            if info.flag_bits & 0x1:
                raise self.refuse("is password-protected; zip the deck without a password")
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > self.limits.ratio_grace_bytes and ratio > self.limits.max_ratio:
                raise self.refuse(f"looks like a zip bomb ({'/'.join(rel)} shrank {ratio:.0f}:1)")
        if sum(i.file_size for i, _ in chosen) > self.limits.max_unpacked_bytes:
            raise self.refuse(self.too_large())
        deck_dir.mkdir(parents=True)
        for info, rel in chosen:
            if len(rel) == 1 and rel[0].casefold() in (ITEMS_FILE, DECK_FILE):
                rel = (rel[0].casefold(),)  # "Items.CSV" made on Windows: load_deck wants this
            self.write(info, deck_dir.joinpath(*rel))
        if not (deck_dir / DECK_FILE).exists():
            _write_deck_file(deck_dir, name or (root[-1] if root else Path(self.archive).stem))
        log.info("%s: left out %d files beside the deck", self.archive, len(members) - len(chosen))

    def write(self, info: zipfile.ZipInfo, target: Path) -> None:
        """Stream one member to its file, counting the bytes really read: headers can lie."""
        ratio_cap = max(self.limits.ratio_grace_bytes, self.limits.max_ratio * info.compress_size)
        count = 0
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with self.zf.open(info) as source, open(target, "xb") as sink:
                while chunk := source.read(1 << 16):
                    count += len(chunk)
                    if self.written + count > self.limits.max_unpacked_bytes:
                        raise self.refuse(self.too_large())
                    if count > ratio_cap:
                        raise self.refuse(
                            f"looks like a zip bomb ({info.filename} grows and grows)"
                        )
                    sink.write(chunk)
        except FileExistsError as e:  # "äpple.png" twice, once decomposed: one file after NFC
            raise self.refuse(f"holds two files named {target.name!r}; keep one") from e
        except OSError as e:
            raise self.refuse(f"cannot be unpacked: {info.filename!r} ({e.strerror or e})") from e
        self.written += count

    def too_large(self) -> str:
        return f"unpacks to over {self.limits.max_unpacked_bytes / MB:g} MB; make it smaller"


def _is_junk(parts: tuple[str, ...]) -> bool:
    return "__MACOSX" in parts or parts[-1].startswith("._") or parts[-1].casefold() in JUNK_NAMES


def _what_was_found(paths: list[tuple[str, ...]]) -> str:
    if not paths:
        return "is empty: zip the deck folder with its items.csv and pictures"
    if any(p[0] == "xl" for p in paths):
        return "is an Excel workbook: save it as 'CSV UTF-8' and upload that with the pictures"
    names = [p[-1] for p in paths]
    pictures = sum(n.casefold().endswith(PICTURE_SUFFIXES) for n in names)
    tables = [n for n in names if n.casefold().endswith(TABLE_SUFFIXES)]
    others = len(names) - pictures - len(tables)
    found = [f"{pictures} picture{'s' * (pictures != 1)}"] * bool(pictures) + tables
    found += [f"{others} other file{'s' * (others != 1)}"] * bool(others)
    advice = f"; rename {tables[0]} to {ITEMS_FILE}" if len(tables) == 1 else ""
    return (
        f"holds {' and '.join(found)} but no {ITEMS_FILE}: a deck needs {ITEMS_FILE} "
        f"(a card a row: image,answer) next to its pictures{advice}"
    )


def _unpack_table(uploads: list[Path], deck_dir: Path, name: str | None) -> None:
    """A CSV with its pictures: the CSV becomes items.csv; each file goes where the CSV says."""
    tomls = [p for p in uploads if p.name.casefold() == DECK_FILE]
    tables = [p for p in uploads if p.suffix.casefold() in TABLE_SUFFIXES]
    media = [p for p in uploads if p not in tomls and p not in tables]
    if len(tables) != 1:
        raise UploadError(
            f"Upload one CSV listing the cards (got {', '.join(p.name for p in tables) or 'none'}) "
            "together with its pictures, or the deck folder as a .zip"
        )
    data = tables[0].read_bytes()
    what = _describe(data[:512]) or ("not text" if b"\x00" in data[:8192] else None)
    if what and not data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: load_deck explains
        raise UploadError(f"{tables[0].name} is not a CSV file ({what}); save it as CSV UTF-8")
    places = _places(data)
    if not media:
        named = ", ".join(list(places.values())[:5]) or "the pictures it names"
        raise UploadError(
            f"{tables[0].name} came without any pictures: select its pictures ({named}) together "
            "with the CSV when you upload, or upload the deck folder as a .zip"
        )
    deck_dir.mkdir(parents=True)
    (deck_dir / ITEMS_FILE).write_bytes(data)
    if tomls:
        shutil.copyfile(tomls[0], deck_dir / DECK_FILE)
    else:
        _write_deck_file(deck_dir, name or tables[0].stem)
    for path in media:
        nfc = unicodedata.normalize("NFC", path.name)
        target = deck_dir.joinpath(*places.get(nfc.casefold(), nfc).split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("rb") as source, open(target, "xb") as sink:
                shutil.copyfileobj(source, sink)
        except FileExistsError as e:
            raise UploadError(f"Two uploaded files are named {nfc!r}; upload one") from e


def _places(data: bytes) -> dict[str, str]:
    """Where the CSV puts each file it names, keyed by the NFC, case-folded file name: a picture
    uploaded as "hund.png" goes to "bilder/hund.png" if that is what the CSV says."""
    try:
        lines = data.decode("utf-8-sig").splitlines() or [""]
    except UnicodeDecodeError:
        return {}  # load_deck says why the CSV cannot be read
    if lines[0].casefold().startswith("sep=") and len(lines[0]) == 5:
        delimiter, lines = lines[0][4], lines[1:]  # "sep=;": Excel's way to name the delimiter
    else:
        delimiter = max(DELIMITERS, key=lines[0].count)
    places: dict[str, str] = {}
    with contextlib.suppress(csv.Error):  # load_deck reports the broken line
        for row in csv.DictReader(io.StringIO("\n".join(lines)), delimiter=delimiter):
            for column, value in row.items():
                if str(column).strip().casefold() in ("image", "audio") and isinstance(value, str):
                    rel = unicodedata.normalize("NFC", value.strip().replace("\\", "/"))
                    pure = PurePosixPath(rel)
                    if rel and not pure.is_absolute() and ".." not in pure.parts:
                        places.setdefault(pure.name.casefold(), str(pure))
    return places


def _write_deck_file(deck_dir: Path, name: str) -> None:
    """A deck.toml for an upload without one. A JSON string is a TOML string once the control
    characters (which TOML forbids raw) are gone."""
    kept = "".join(c for c in name if not unicodedata.category(c).startswith("C"))
    clean = " ".join(unicodedata.normalize("NFC", kept).split()) or "Min kortlek"
    (deck_dir / DECK_FILE).write_text(
        f'name = {json.dumps(clean, ensure_ascii=False)}\nlanguage = "sv"\n'
        "# Add author, license and attribution for the pictures before sharing this deck.\n",
        encoding="utf-8",
    )


def deck_folder_name(name: str) -> str:
    """A safe ASCII folder name for a deck name: "Djur på gården" -> "djur-pa-garden"."""
    text = name.casefold().replace("æ", "ae").replace("ø", "o").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60].strip("-") or "deck"


def save_deck(deck_dir: Path, decks_root: Path, *, overwrite: bool = False) -> Path:
    """Copy the deck folder `deck_dir` into `decks_root` under `deck_folder_name(deck name)`.

    The copy is made in a hidden folder inside `decks_root` and renamed into place, so the app
    never sees half a deck. Raises `UploadError` if the deck does not load, or if its folder name
    is taken and not `overwrite`. Links and system files (.DS_Store) are not copied.
    """
    try:
        deck = load_deck(deck_dir)
    except DeckError as e:
        problems = "\n".join(f"  - {problem}" for problem in e.problems)
        raise UploadError(f"The deck cannot be saved until it loads:\n{problems}") from e
    decks_root.mkdir(parents=True, exist_ok=True)
    target = decks_root / deck_folder_name(deck.name)
    if target.exists() and not overwrite:
        raise UploadError(
            f"A deck folder {target.name!r} already exists: give the deck another name "
            "(in deck.toml) or choose to replace it"
        )
    staging = Path(tempfile.mkdtemp(prefix=".saving-", dir=decks_root))
    try:
        shutil.copytree(deck.path, staging / "deck", ignore=_not_copied)
        if target.exists():  # a folder cannot be renamed over a full one: move the old one aside
            target.rename(staging / "old")
            try:
                (staging / "deck").rename(target)
            except OSError:
                (staging / "old").rename(target)
                raise
        else:
            (staging / "deck").rename(target)
    except OSError as e:
        raise UploadError(f"The deck could not be saved ({e}); nothing was changed") from e
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("saved deck %r to %s", deck.name, target)
    return target


def _not_copied(folder: str, names: list[str]) -> set[str]:
    """Links (they may point anywhere on the machine) and system files."""
    junk = {n for n in names if n.casefold() in JUNK_NAMES or n.startswith("._")}
    return junk | {n for n in names if Path(folder, n).is_symlink()}
