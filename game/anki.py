"""Import an Anki package (.apkg / .colpkg) into a deck folder.

A package is a zip holding a SQLite collection (`collection.anki21` or `collection.anki2`), a
`media` JSON map from zip member names ("0", "1", ...) to real file names, and the media files.
Everything in it is untrusted: it is unpacked by `game.safezip` (the same checks and limits as a
zipped deck folder) into a private folder, member names never become deck file names, and
pictures are checked by their bytes, not their names.
"""

from __future__ import annotations

import collections
import contextlib
import csv
import html
import json
import logging
import re
import shutil
import sqlite3
import tempfile
import time
import unicodedata
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from game import files
from game.deck import COLUMNS, HINT_COLUMNS, DeckLimits, write_deck_file
from game.findings import Finding
from game.safezip import BrokenZip, SafeZip, ZipLimits, ZipRefused, flat_name, member_path

logger = logging.getLogger(__name__)

SQL_SECONDS = 30  # reading the collection
MAX_MEDIA_MAP_BYTES = 4 * 1024 * 1024  # the media list: ~40 bytes for each of 5000 files
# What game.deck.load_deck accepts; a card past these would make the whole deck fail to load.
MAX_ANSWER_CHARS = DeckLimits().max_answer_chars
MAX_PICTURE_BYTES = files.PICTURE.max_bytes
MAX_PIXELS = files.MAX_PIXELS
MAX_AUDIO_BYTES = files.AUDIO.max_bytes
CSV_HEADER = tuple(c for c in COLUMNS if c not in HINT_COLUMNS[1:])  # Anki has no translated hints
_PICTURE_SUFFIXES = {"PNG": ".png", "JPEG": ".jpg", "MPO": ".jpg", "WEBP": ".webp"}  # MPO: phones
_RESERVED_NAMES = ("deck.toml", "items.csv")
_COLLECTIONS = ("collection.anki21", "collection.anki2")  # the first one found is read

_IMG_RE = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_SOUND_RE = re.compile(r"\[sound:([^\]]+)\]")
_BREAK_RE = re.compile(r"<\s*/?\s*(?:br|div|p|li)\b[^>]*>", re.I)
_TAG_RE = re.compile(r"<[^>]*>")
_ARTICLE_RE = re.compile(r"(en|ett) (.+)", re.I | re.S)
# Note fields taken as the card's pronunciation for Listen when no field is named.
PRONUNCIATION_FIELDS = ("pronunciation", "uttal", "ipa")


class AnkiImportError(Exception):
    """The package cannot be imported; the message says what to do about it."""


@dataclass(frozen=True)
class LeftOut:
    """A note the import left out, or whose recording it left out."""

    note: int  # the note's place in the package, from 1, in the order the notes were made
    text: str  # the start of its first field with text, to recognise it by ("" if none)
    reason: str  # why, worded to follow "left out, ": "it has no picture"

    @property
    def said(self) -> Finding:
        """ "note 3 (“hund”): its answer is empty", in any language of `game.findings`."""
        if self.text:
            return Finding("left_out_quoted", note=self.note, text=self.text, why=self.reason)
        return Finding("left_out_line", note=self.note, why=self.reason)

    def __str__(self) -> str:
        return str(self.said)


@dataclass(frozen=True)
class AnkiImport:
    """The result of an import."""

    deck_dir: Path  # the deck folder that was written
    cards: int  # rows written to items.csv
    skipped: tuple[LeftOut, ...]  # the notes left out, and why
    fields: tuple[str, ...]  # field names of the note type used (the one most notes use)
    no_audio: tuple[LeftOut, ...] = ()  # cards kept without their unusable recording, and why


class _Skip(Exception):
    """A note is left out; the message is the reason."""


@dataclass(frozen=True)
class _Fields:
    """Which note fields hold the answer and the pronunciation (None: found by their content,
    or none)."""

    answer: str | int | None = None
    pronunciation: str | int | None = None


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
    """An unpacked package: finds media by their real names, checks them, and collects the media
    that cards use under safe, unique, flat file names."""

    def __init__(self, name: str, paths: dict[str, Path], scratch: Path) -> None:
        self.name, self.paths, self.scratch = name, paths, scratch  # paths: member -> file
        self._members: dict[str, str] = {}  # NFC media file name -> member
        self._taken = {n.casefold() for n in _RESERVED_NAMES}
        self._written: dict[tuple[str, str], str] = {}  # (media name, suffix) -> deck file name
        self._checked: dict[str, tuple[Path, str]] = {}  # media name -> usable picture, suffix
        self.files: dict[str, Path] = {}  # deck file name -> the file to copy there

    def read_media_map(self) -> None:
        path = self.paths.get("media")
        if path is None:
            return
        try:
            if path.stat().st_size > MAX_MEDIA_MAP_BYTES:
                raise ValueError(f"over {MAX_MEDIA_MAP_BYTES // 2**20} MB")
            media_map = json.loads(path.read_bytes())
            for member, real in media_map.items():
                self._members.setdefault(unicodedata.normalize("NFC", str(real)), str(member))
        except (OSError, ValueError, AttributeError) as e:
            raise AnkiImportError(Finding("anki_media_list", name=self.name, why=str(e))) from e

    def load(self, name: str, what: str) -> Path:
        member = self._members.get(unicodedata.normalize("NFC", name))
        path = self.paths.get(member_path(member)) if member is not None else None
        if path is None:
            raise _Skip(Finding("skip_not_in_package", what=Finding(f"anki_{what}"), name=name))
        return path

    def picture(self, source: str) -> tuple[Path, str]:
        """The file holding the usable picture `source`, and its suffix; GIF becomes PNG."""
        if source not in self._checked:
            self._checked[source] = self._check_picture(self.load(source, "picture"), source)
        return self._checked[source]

    def _check_picture(self, path: Path, source: str) -> tuple[Path, str]:
        try:
            with Image.open(path) as img:
                kind, pixels = img.format, img.width * img.height
                if kind == "GIF" and pixels <= MAX_PIXELS:
                    path, kind = self.scratch / f"{len(self._checked)}.png", "PNG"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    img.convert("RGBA").save(path, "PNG")
                elif pixels <= MAX_PIXELS and path.stat().st_size <= MAX_PICTURE_BYTES:
                    img.verify()
        except Exception as e:  # Pillow raises many types on hostile input; all mean "unusable"
            why = type(e).__name__
            raise _Skip(Finding("skip_unreadable_picture", name=source, why=why)) from None
        if pixels > MAX_PIXELS:
            raise _Skip(Finding("skip_picture_pixels", name=source, n=MAX_PIXELS // 10**6))
        if kind not in _PICTURE_SUFFIXES:
            raise _Skip(Finding("skip_picture_kind", name=source, kind=str(kind)))
        if path.stat().st_size > MAX_PICTURE_BYTES:
            raise _Skip(Finding("skip_picture_mb", name=source, mb=MAX_PICTURE_BYTES // 2**20))
        return path, _PICTURE_SUFFIXES[kind]

    def recording(self, source: str) -> Path:
        path = self.load(source, "sound")
        with path.open("rb") as f:
            head = f.read(16)
        if not files.is_recording(head):
            raise _Skip(Finding("skip_sound_kind", name=source))
        if path.stat().st_size > MAX_AUDIO_BYTES:
            raise _Skip(Finding("skip_sound_mb", name=source, mb=MAX_AUDIO_BYTES // 2**20))
        return path

    def add(self, source: str, path: Path, suffix: str = "") -> str:
        if (source, suffix) not in self._written:
            file_name = flat_name(source, suffix, self._taken)
            self._written[source, suffix] = file_name
            self.files[file_name] = path
        return self._written[source, suffix]


def import_anki(
    apkg: Path,
    out_dir: Path,
    *,
    answer_field: str | int | None = None,
    name: str | None = None,
    limits: ZipLimits | None = None,
    workdir: Path | None = None,
    pronunciation_field: str | int | None = None,
) -> AnkiImport:
    """Import the notes of an Anki package that have a picture into a new deck folder `out_dir`.

    `answer_field` names the field holding the Swedish word (case-insensitive) or gives its
    0-based index; by default it is a note's first field with text and no picture.
    `pronunciation_field` names (or numbers) the field holding how Listen should say the word
    (IPA in [ ] or a respelling, as the deck column `pronunciation`); by default a field named
    Pronunciation, Uttal or IPA, if the note type has one. `name` is the
    deck name; by default the Anki deck most imported notes are in, else the file's stem.
    `limits` caps the package as `game.safezip` does any zip; it is unpacked into a private
    folder under `workdir` (default: the system's temp folder), removed afterwards. Notes that
    cannot become cards are listed in `AnkiImport.skipped`. Raises `AnkiImportError` for a
    package that cannot be read or is refused, an unknown `answer_field`, an `out_dir` that is
    not empty, or a package none of whose notes can become a card.
    """
    apkg, out_dir = Path(apkg), Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise AnkiImportError(f"{out_dir} exists and is not an empty folder; choose a new one")
    if not apkg.is_file():
        raise AnkiImportError(f"{apkg.name} does not exist")
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="anki-package-", dir=workdir) as tmp:
        package = _unpack(apkg, Path(tmp).resolve(), limits)
        col = _read_collection(package)
        package.read_media_map()
        counts = collections.Counter(mid for _, mid, _ in col.notes if mid in col.models)
        if not counts:
            raise AnkiImportError(Finding("anki_no_notes", name=apkg.name))
        model = col.models[counts.most_common(1)[0][0]]
        for option, wanted in (
            ("answer_field", answer_field),
            ("pronunciation_field", pronunciation_field),
        ):
            if wanted is not None and _find_field(model.fields, wanted) is None:
                listed = ", ".join(f"{i}: {f!r}" for i, f in enumerate(model.fields))
                said = Finding(
                    "anki_bad_field", option=option, wanted=wanted, type=model.name, listed=listed
                )
                raise AnkiImportError(said)
        if pronunciation_field is None:
            pronunciation_field = next(
                (f for f in model.fields if f.strip().casefold() in PRONUNCIATION_FIELDS), None
            )
        fields = _Fields(answer_field, pronunciation_field)
        rows, skipped, no_audio, used = _build_rows(col, package, fields)
        if not rows:
            said = Finding("anki_no_cards", name=apkg.name)
            for note in skipped[:10]:
                said = Finding("then_listed", before=said, item=note.said)
            raise AnkiImportError(said)
        deck_name = (name or "").strip() or _deck_name(col, used) or apkg.stem
        _write_deck(out_dir, deck_name, apkg.name, rows, package.files)
    logger.info("imported %d cards from %s, skipped %d notes", len(rows), apkg, len(skipped))
    return AnkiImport(out_dir, len(rows), tuple(skipped), model.fields, tuple(no_audio))


def _unpack(apkg: Path, tmp: Path, limits: ZipLimits | None) -> _Package:
    """Check the package as any zip, then write it out; the new format is refused unread."""
    archive = None
    try:
        archive = SafeZip(apkg, apkg.name, limits)
        # New-format packages also hold a dummy collection.anki2 that says "update Anki".
        if "collection.anki21b" in archive.names:
            raise AnkiImportError(Finding("anki_new_format", name=apkg.name))
        if not any(m in archive.names for m in _COLLECTIONS):
            raise AnkiImportError(Finding("anki_not_package", name=apkg.name))
        return _Package(apkg.name, archive.extract(tmp / "package"), tmp / "converted")
    except BrokenZip as e:
        if archive is None:  # not even a zip: a download gone wrong, or another file renamed
            raise AnkiImportError(Finding("anki_not_zip", name=apkg.name)) from e
        raise AnkiImportError(Finding("anki_export_again", why=e.args[0])) from e
    except ZipRefused as e:
        raise AnkiImportError(e.args[0]) from e
    finally:
        if archive is not None:
            archive.close()


def _read_collection(package: _Package) -> _Collection:
    member = next(m for m in _COLLECTIONS if m in package.paths)
    path = package.paths[member]  # a private copy: the package's own file is in the zip
    try:
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
            # A crafted file can hold views and triggers: trust none, and cap the time spent.
            db.execute("PRAGMA trusted_schema = OFF")
            deadline = time.monotonic() + SQL_SECONDS
            db.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
            return _query_collection(db)
    except (sqlite3.Error, ValueError, TypeError, KeyError, AttributeError) as e:
        said = Finding("anki_not_collection", name=package.name, member=member, why=str(e))
        raise AnkiImportError(said) from e


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
    col: _Collection, package: _Package, chosen: _Fields
) -> tuple[list[dict[str, str]], list[LeftOut], list[LeftOut], list[int]]:
    """The items.csv rows, the notes left out, the cards left without their recording, and the
    ids of the notes that became cards."""
    rows: list[dict[str, str]] = []
    skipped: list[LeftOut] = []
    no_audio: list[LeftOut] = []
    used: list[int] = []
    answers: dict[str, int] = {}  # case-folded answer -> place of the note that has it
    for place, (nid, mid, flds) in enumerate(col.notes, start=1):
        fields = flds.split("\x1f")
        preview = next((t for t in map(_clean_text, fields) if t), "")[:30]
        try:
            row, sound_lost = _note_row(col.models.get(mid), fields, package, chosen, answers)
        except _Skip as reason:
            skipped.append(LeftOut(place, preview, reason.args[0]))
            continue
        if sound_lost:  # the card still works without its recording
            no_audio.append(LeftOut(place, preview, sound_lost))
            logger.info("card %r keeps no audio: %s", row["answer"], sound_lost)
        answers[row["answer"].casefold()] = place
        used.append(nid)
        rows.append(row)
    return rows, skipped, no_audio, used


def _note_row(
    model: _Model | None,
    fields: list[str],
    package: _Package,
    chosen: _Fields,
    answers: dict[str, int],
) -> tuple[dict[str, str], str]:
    """The note's items.csv row, and why its recording was left out ("" if it was not)."""
    if model is None:
        raise _Skip(Finding("skip_no_note_type"))
    answer_field = chosen.answer
    said = (
        _find_field(model.fields, chosen.pronunciation)
        if chosen.pronunciation is not None
        else None
    )
    if answer_field is None:
        texts = (
            i
            for i, f in enumerate(fields)
            if i != said and _clean_text(f) and not _IMG_RE.search(f)
        )
        index = next(texts, None)
    elif (index := _find_field(model.fields, answer_field)) is None:
        raise _Skip(Finding("skip_no_field", type=model.name, field=answer_field))
    source = _first_picture(fields)
    if source is None:
        raise _Skip(Finding("skip_no_picture"))
    answer = _clean_text(fields[index]) if index is not None and index < len(fields) else ""
    if not answer:
        raise _Skip(Finding("skip_answer_empty"))
    article = ""
    if match := _ARTICLE_RE.fullmatch(answer):
        article, answer = match[1].casefold(), match[2]
    if len(answer) > MAX_ANSWER_CHARS:
        raise _Skip(Finding("skip_answer_long", n=MAX_ANSWER_CHARS))
    if (key := answer.casefold()) in answers:
        raise _Skip(Finding("skip_same_answer", answer=answer, other=answers[key]))
    picture, suffix = package.picture(source)
    audio, sound_lost = "", ""
    if sound := next((m for f in fields for m in _SOUND_RE.findall(f)), None):
        sound = html.unescape(sound).strip()  # fields are HTML: "&" is stored as "&amp;"
        try:
            audio = package.add(sound, package.recording(sound))
        except _Skip as reason:
            sound_lost = reason.args[0]
    image = package.add(source, picture, suffix)
    row = dict(image=image, answer=answer, article=article, accept="", hint="", audio=audio)
    row["pronunciation"] = _field_text(model, fields, chosen.pronunciation)
    return row, sound_lost


def _field_text(model: _Model, fields: list[str], wanted: str | int | None) -> str:
    """The plain text of the field `wanted` names ("" when there is none); `game.deck` checks
    it when the deck loads."""
    index = _find_field(model.fields, wanted) if wanted is not None else None
    return _clean_text(fields[index]) if index is not None and index < len(fields) else ""


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


def _deck_name(col: _Collection, used: Iterable[int]) -> str | None:
    decks = collections.Counter(col.note_decks[n] for n in used if n in col.note_decks)
    for did, _ in decks.most_common():
        if (name := col.deck_names.get(did, "").strip()) and name != "Default":
            return name.replace("::", " / ")
    return None


def _write_deck(
    out_dir: Path, name: str, package: str, rows: list[dict[str, str]], media: dict[str, Path]
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    root = out_dir.resolve()
    for file_name, source in media.items():
        path = root / file_name
        if path.resolve().parent != root:  # flat_name makes this impossible; be sure anyway
            raise AnkiImportError(f"refusing to write media file {file_name!r} outside the deck")
        shutil.copyfile(source, path)
    with open(root / "items.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_HEADER)
        writer.writeheader()
        writer.writerows(rows)
    description = f"Imported from the Anki package {package}."
    write_deck_file(root, {"name": name, "language": "sv", "description": description})
