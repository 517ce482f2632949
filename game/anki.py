"""Import an Anki package (.apkg / .colpkg) into a deck folder.

A package is a zip holding a SQLite collection (`collection.anki21` or `collection.anki2`), a
`media` JSON map from zip member names ("0", "1", ...) to real file names, and the media files.
Everything in it is untrusted: member names never become paths, sizes are capped while reading,
and pictures are checked by their bytes, not their names.
"""

from __future__ import annotations

import collections
import contextlib
import csv
import html
import io
import json
import logging
import os
import re
import sqlite3
import tempfile
import time
import unicodedata
import urllib.parse
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from game import files
from game.deck import COLUMNS, DeckLimits

logger = logging.getLogger(__name__)

MAX_MEMBER_BYTES = 50 * 1024 * 1024  # one zip member, uncompressed
MAX_TOTAL_BYTES = 500 * 1024 * 1024  # everything read from one package
SQL_SECONDS = 30  # reading the collection
# What game.deck.load_deck accepts; a card past these would make the whole deck fail to load.
MAX_ANSWER_CHARS = DeckLimits().max_answer_chars
MAX_PICTURE_BYTES = files.PICTURE.max_bytes
MAX_PIXELS = files.MAX_PIXELS
MAX_AUDIO_BYTES = files.AUDIO.max_bytes
CSV_HEADER = COLUMNS
_PICTURE_SUFFIXES = {"PNG": ".png", "JPEG": ".jpg", "MPO": ".jpg", "WEBP": ".webp"}  # MPO: phones
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError)
_RESERVED_NAMES = ("deck.toml", "items.csv")

_NEW_FORMAT = (
    "{name} was exported in Anki's new format (collection.anki21b), which cannot be imported. "
    'In Anki choose File › Export, pick "Anki Deck Package (*.apkg)", tick '
    '"Support older Anki versions (slower/larger files)", export again and import that file.'
)
_IMG_RE = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_SOUND_RE = re.compile(r"\[sound:([^\]]+)\]")
_BREAK_RE = re.compile(r"<\s*/?\s*(?:br|div|p|li)\b[^>]*>", re.I)
_TAG_RE = re.compile(r"<[^>]*>")
_ARTICLE_RE = re.compile(r"(en|ett) (.+)", re.I | re.S)
_UNSAFE_RE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


class AnkiImportError(Exception):
    """The package cannot be imported; the message says what to do about it."""


@dataclass(frozen=True)
class AnkiImport:
    """The result of an import."""

    deck_dir: Path  # the deck folder that was written
    cards: int  # rows written to items.csv
    skipped: tuple[str, ...]  # one line per note left out: which note and why
    fields: tuple[str, ...]  # field names of the note type used (the one most notes use)


class _MemberTooLarge(Exception):
    """A zip member is larger than MAX_MEMBER_BYTES."""


class _Skip(Exception):
    """A note is left out; the message is the reason."""


@dataclass(frozen=True)
class _Model:
    name: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class _Collection:
    models: dict[int, _Model]
    deck_names: dict[int, str]
    notes: list[tuple[int, int, str]]  # (id, note type id, fields joined by \x1f)
    note_decks: dict[int, int]  # note id -> deck id of its first card


class _Package:
    """An open package: reads members by exact name under size caps, and collects the media
    that cards use under safe, unique, flat file names."""

    def __init__(self, zf: zipfile.ZipFile, name: str) -> None:
        self.zf, self.name, self.names = zf, name, set(zf.namelist())
        self._total = 0  # bytes read so far
        self._read: dict[str, bytes] = {}  # member -> content; notes often share a picture
        self._members: dict[str, str] = {}  # NFC media file name -> zip member
        self._taken = {n.casefold() for n in _RESERVED_NAMES}
        self._written: dict[tuple[str, str], str] = {}  # (media name, suffix) -> deck file name
        self.files: dict[str, bytes] = {}  # deck file name -> content

    def read(self, member: str) -> bytes:
        if member in self._read:
            return self._read[member]
        info = self.zf.getinfo(member)  # KeyError when absent
        if info.file_size > MAX_MEMBER_BYTES:
            raise _MemberTooLarge(member)
        self._check_total(info.file_size)
        data = bytearray()
        with self.zf.open(info) as stream:
            while chunk := stream.read(1 << 16):  # headers can lie: count what really comes out
                data += chunk
                if len(data) > MAX_MEMBER_BYTES:
                    raise _MemberTooLarge(member)
                self._check_total(len(data))
        self._total += len(data)
        self._read[member] = bytes(data)
        return self._read[member]

    def _check_total(self, more: int) -> None:
        if self._total + more > MAX_TOTAL_BYTES:
            raise AnkiImportError(
                f"{self.name} is too large: it unpacks to over {MAX_TOTAL_BYTES // 2**20} MB. "
                "Export a smaller deck, or shrink its pictures."
            )

    def read_media_map(self) -> None:
        if "media" not in self.names:
            return
        try:
            media_map = json.loads(self.read("media"))
            for member, real in media_map.items():
                self._members.setdefault(unicodedata.normalize("NFC", str(real)), str(member))
        except (_MemberTooLarge, ValueError, AttributeError, *_ZIP_ERRORS) as e:
            raise AnkiImportError(f"{self.name}: its media list cannot be read ({e})") from e

    def load(self, name: str, what: str) -> bytes:
        member = self._members.get(unicodedata.normalize("NFC", name))
        try:
            if member is None:
                raise KeyError(name)
            return self.read(member)
        except KeyError:
            raise _Skip(f"{what} {name!r} is not in the package") from None
        except _MemberTooLarge:
            raise _Skip(f"{what} {name!r} is over {MAX_MEMBER_BYTES // 2**20} MB") from None
        except _ZIP_ERRORS as e:
            raise _Skip(f"{what} {name!r} cannot be read from the package ({e})") from None

    def add(self, source: str, data: bytes, suffix: str = "") -> str:
        if (source, suffix) not in self._written:
            file_name = _safe_name(source, suffix, self._taken)
            self._written[source, suffix] = file_name
            self.files[file_name] = data
        return self._written[source, suffix]


def import_anki(
    apkg: Path, out_dir: Path, *, answer_field: str | int | None = None, name: str | None = None
) -> AnkiImport:
    """Import the notes of an Anki package that have a picture into a new deck folder `out_dir`.

    `answer_field` names the field holding the Swedish word (case-insensitive) or gives its
    0-based index; by default it is a note's first field with text and no picture. `name` is the
    deck name; by default the Anki deck most imported notes are in, else the file's stem. Notes
    that cannot become cards are listed in `AnkiImport.skipped`. Raises `AnkiImportError` for a
    package that cannot be read, an unknown `answer_field`, an `out_dir` that is not empty, or a
    package none of whose notes can become a card.
    """
    apkg, out_dir = Path(apkg), Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise AnkiImportError(f"{out_dir} exists and is not an empty folder; choose a new one")
    try:
        zf = zipfile.ZipFile(apkg)
    except FileNotFoundError as e:
        raise AnkiImportError(f"{apkg} does not exist") from e
    except (zipfile.BadZipFile, OSError) as e:
        raise AnkiImportError(
            f"{apkg.name} is not an Anki package (not a zip file); export it from Anki as .apkg"
        ) from e
    with zf:
        package = _Package(zf, apkg.name)
        col = _read_collection(package)
        package.read_media_map()
        counts = collections.Counter(mid for _, mid, _ in col.notes if mid in col.models)
        if not counts:
            raise AnkiImportError(f"{apkg.name} holds no notes to import")
        model = col.models[counts.most_common(1)[0][0]]
        if answer_field is not None and _find_field(model.fields, answer_field) is None:
            listed = ", ".join(f"{i}: {f!r}" for i, f in enumerate(model.fields))
            raise AnkiImportError(
                f"answer_field {answer_field!r} is not a field of note type {model.name!r}; "
                f"give a field name or number among: {listed}"
            )
        rows, skipped, answers = _build_rows(col, package, answer_field)
    if not rows:
        reasons = "\n".join(f"  - {s}" for s in skipped[:10])
        raise AnkiImportError(f"no note of {apkg.name} could become a card:\n{reasons}")
    deck_name = (name or "").strip() or _deck_name(col, answers.values()) or apkg.stem
    _write_deck(out_dir, deck_name, apkg.name, rows, package.files)
    logger.info("imported %d cards from %s, skipped %d notes", len(rows), apkg, len(skipped))
    return AnkiImport(out_dir, len(rows), tuple(skipped), model.fields)


def _read_collection(package: _Package) -> _Collection:
    # New-format packages also hold a dummy collection.anki2 that only says "please update Anki".
    if "collection.anki21b" in package.names:
        raise AnkiImportError(_NEW_FORMAT.format(name=package.name))
    member = next((m for m in ("collection.anki21", "collection.anki2") if m in package.names), "")
    if not member:
        raise AnkiImportError(
            f"{package.name} is a zip but not an Anki package: it holds no collection.anki2 or "
            "collection.anki21; export the deck from Anki as .apkg"
        )
    try:
        data = package.read(member)
    except _MemberTooLarge as e:
        limit = MAX_MEMBER_BYTES // 2**20
        raise AnkiImportError(f"{package.name}: {member} is over {limit} MB") from e
    except _ZIP_ERRORS as e:
        raise AnkiImportError(f"{package.name}: {member} cannot be read ({e})") from e
    # sqlite3 opens files, not bytes; a private copy also leaves the package untouched.
    with tempfile.TemporaryDirectory(prefix="anki-import-") as tmp:
        path = Path(tmp) / "collection.sqlite"
        path.write_bytes(data)
        try:
            with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
                # A crafted file can hold views and triggers: trust none, and cap the time spent.
                db.execute("PRAGMA trusted_schema = OFF")
                deadline = time.monotonic() + SQL_SECONDS
                db.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
                return _query_collection(db)
        except (sqlite3.Error, ValueError, TypeError, KeyError, AttributeError) as e:
            raise AnkiImportError(
                f"{package.name}: {member} is not an Anki collection ({e})"
            ) from e


def _query_collection(db: sqlite3.Connection) -> _Collection:
    row = db.execute("SELECT models, decks FROM col").fetchone()
    if row is None:
        raise ValueError("its col table is empty")
    models = {}
    for mid, model in json.loads(row[0]).items():
        fields = sorted(model["flds"], key=lambda f: f["ord"])
        models[int(mid)] = _Model(str(model["name"]), tuple(str(f["name"]) for f in fields))
    decks = json.loads(row[1] or "{}")
    deck_names = {int(did): str(deck.get("name", "")) for did, deck in decks.items()}
    query = "SELECT id, mid, flds FROM notes ORDER BY id"
    notes = [(int(i), int(m), str(f)) for i, m, f in db.execute(query)]
    note_decks: dict[int, int] = {}
    with contextlib.suppress(sqlite3.OperationalError):  # hand-made packages may lack cards
        for nid, did in db.execute("SELECT nid, did FROM cards ORDER BY nid, ord"):
            note_decks.setdefault(int(nid), int(did))
    return _Collection(models, deck_names, notes, note_decks)


def _find_field(fields: tuple[str, ...], answer_field: str | int) -> int | None:
    """The index of `answer_field` (a name, case-insensitive, or an index) in `fields`."""
    if isinstance(answer_field, int) and not isinstance(answer_field, bool):
        return answer_field if 0 <= answer_field < len(fields) else None
    wanted = str(answer_field).strip().casefold()
    return next((i for i, f in enumerate(fields) if f.strip().casefold() == wanted), None)


def _build_rows(
    col: _Collection, package: _Package, answer_field: str | int | None
) -> tuple[list[dict[str, str]], list[str], dict[str, int]]:
    """The items.csv rows, a line per note left out, and the id of the note behind each answer."""
    rows: list[dict[str, str]] = []
    skipped: list[str] = []
    answers: dict[str, int] = {}  # case-folded answer -> id of the note that has it
    for nid, mid, flds in col.notes:
        fields = flds.split("\x1f")
        try:
            row = _note_row(col.models.get(mid), fields, package, answer_field, answers)
        except _Skip as reason:
            preview = next((t for t in map(_clean_text, fields) if t), "")[:30]
            skipped.append(f"note {nid}" + (f" ({preview!r})" if preview else "") + f": {reason}")
            continue
        answers[row["answer"].casefold()] = nid
        rows.append(row)
    return rows, skipped, answers


def _note_row(
    model: _Model | None,
    fields: list[str],
    package: _Package,
    answer_field: str | int | None,
    answers: dict[str, int],
) -> dict[str, str]:
    if model is None:
        raise _Skip("its note type is missing from the collection")
    if answer_field is None:
        texts = (i for i, f in enumerate(fields) if _clean_text(f) and not _IMG_RE.search(f))
        index = next(texts, None)
    elif (index := _find_field(model.fields, answer_field)) is None:
        raise _Skip(f"its note type {model.name!r} has no field {answer_field!r}")
    source = _first_picture(fields)
    if source is None:
        raise _Skip("no picture (<img>) in any field")
    answer = _clean_text(fields[index]) if index is not None and index < len(fields) else ""
    if not answer:
        raise _Skip("the answer is empty")
    article = ""
    if match := _ARTICLE_RE.fullmatch(answer):
        article, answer = match[1].casefold(), match[2]
    if len(answer) > MAX_ANSWER_CHARS:
        raise _Skip(f"the answer is over {MAX_ANSWER_CHARS} characters")
    if (key := answer.casefold()) in answers:
        raise _Skip(f"same answer {answer!r} as note {answers[key]}")
    data, suffix = _check_picture(package.load(source, "picture"), source)
    audio = ""
    if sound := next((m for f in fields for m in _SOUND_RE.findall(f)), None):
        sound = html.unescape(sound).strip()  # fields are HTML: "&" is stored as "&amp;"
        try:
            audio = package.add(sound, _check_audio(package.load(sound, "sound"), sound))
        except _Skip as reason:  # the card still works without its recording
            logger.warning("card %r keeps no audio: %s", answer, reason)
    image = package.add(source, data, suffix)
    return dict(image=image, answer=answer, article=article, accept="", hint="", audio=audio)


def _first_picture(fields: list[str]) -> str | None:
    for field in fields:
        if match := _IMG_RE.search(field):
            src = next(g for g in match.groups() if g is not None)
            return urllib.parse.unquote(html.unescape(src)).strip() or None
    return None


def _clean_text(field: str) -> str:
    """The plain text of an Anki field: no tags, sound tags, entities or extra whitespace."""
    text = _TAG_RE.sub("", _BREAK_RE.sub(" ", _SOUND_RE.sub(" ", field)))
    text = html.unescape(text).replace("\xa0", " ")
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _check_picture(data: bytes, source: str) -> tuple[bytes, str]:
    """The picture's bytes and file suffix, judged by its content; GIF becomes PNG."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            kind, pixels = img.format, img.width * img.height
            if kind == "GIF" and pixels <= MAX_PIXELS:
                out = io.BytesIO()
                img.convert("RGBA").save(out, "PNG")
                data, kind = out.getvalue(), "PNG"
            else:
                img.verify()
    except Exception as e:  # Pillow raises many types on hostile input; all mean "unusable"
        raise _Skip(f"picture {source!r} is not a readable picture ({type(e).__name__})") from None
    if pixels > MAX_PIXELS:
        raise _Skip(f"picture {source!r} is over {MAX_PIXELS // 10**6} megapixels")
    if kind not in _PICTURE_SUFFIXES:
        raise _Skip(f"picture {source!r} is a {kind} file; only PNG, JPEG and WebP are used")
    if len(data) > MAX_PICTURE_BYTES:
        raise _Skip(f"picture {source!r} is over {MAX_PICTURE_BYTES // 2**20} MB")
    return data, _PICTURE_SUFFIXES[kind]


def _check_audio(data: bytes, source: str) -> bytes:
    if not files.is_recording(data[:16]):
        raise _Skip(f"sound {source!r} is not a wav, mp3, ogg, flac, m4a or webm recording")
    if len(data) > MAX_AUDIO_BYTES:
        raise _Skip(f"sound {source!r} is over {MAX_AUDIO_BYTES // 2**20} MB")
    return data


def _safe_name(source: str, suffix: str, taken: set[str]) -> str:
    """A flat file name for `source` that cannot leave the deck folder, unique among `taken`."""
    base = unicodedata.normalize("NFC", source.replace("\\", "/").rsplit("/", 1)[-1])
    stem, ext = os.path.splitext(_UNSAFE_RE.sub("_", base).strip(" ."))
    if suffix and ext.lower() != suffix and not (suffix == ".jpg" and ext.lower() == ".jpeg"):
        ext = suffix
    stem, ext = stem[:80].strip(" .") or "media", ext[:10]
    candidate, n = stem + ext, 2
    while candidate.casefold() in taken:  # casefold: macOS and Windows ignore case
        candidate, n = f"{stem}-{n}{ext}", n + 1
    taken.add(candidate.casefold())
    return candidate


def _deck_name(col: _Collection, used: Iterable[int]) -> str | None:
    decks = collections.Counter(col.note_decks[n] for n in used if n in col.note_decks)
    for did, _ in decks.most_common():
        if (name := col.deck_names.get(did, "").strip()) and name != "Default":
            return name.replace("::", " / ")
    return None


def _toml_string(value: str) -> str:
    def escape(c: str) -> str:  # TOML basic strings forbid raw control characters and DEL
        return _TOML_ESCAPES.get(c) or (f"\\u{ord(c):04X}" if ord(c) < 0x20 or c == "\x7f" else c)

    return '"' + "".join(map(escape, value)) + '"'


def _write_deck(
    out_dir: Path, name: str, package: str, rows: list[dict[str, str]], files: dict[str, bytes]
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    root = out_dir.resolve()
    for file_name, data in files.items():
        path = root / file_name
        if path.resolve().parent != root:  # _safe_name makes this impossible; be sure anyway
            raise AnkiImportError(f"refusing to write media file {file_name!r} outside {out_dir}")
        path.write_bytes(data)
    with open(root / "items.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_HEADER)
        writer.writeheader()
        writer.writerows(rows)
    meta = dict(name=name, language="sv", description=f"Imported from the Anki package {package}.")
    toml = "".join(f"{key} = {_toml_string(value)}\n" for key, value in meta.items())
    toml += "# Add author, license and attribution for the pictures before sharing this deck.\n"
    (root / "deck.toml").write_text(toml, encoding="utf-8")
