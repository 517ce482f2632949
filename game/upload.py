"""Turning what a teacher uploads in the browser into a deck folder, and saving it for everyone.

Three uploads are understood, told apart by their bytes rather than their names: a zip of a deck
folder, an Anki package (a zip holding `collection.anki2`), or a CSV listing the cards together
with the pictures it names. Everything uploaded is untrusted: both kinds of zip go through
`game.safezip` (names, counts, sizes and compression checked before anything is unpacked, bytes
counted while they are written). `load_upload` unpacks and loads the deck, and words its
warnings in terms of what was uploaded, never of a server path or a file the upload did not hold.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import logging
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from game.anki import AnkiImport, AnkiImportError, LeftOut, import_anki
from game.cards import Deck
from game.deck import (
    DECK_FILE,
    ITEMS_FILE,
    ITEMS_XLSX,
    DeckError,
    DeckLimits,
    csv_layout,
    load_deck,
    write_deck_file,
)
from game.findings import Finding
from game.safezip import BrokenZip, SafeZip, ZipLimits, ZipRefused
from game.sheets import SheetError, read_sheet

log = logging.getLogger(__name__)

MB = 1024 * 1024
ANKI_MEMBERS = frozenset({"collection.anki2", "collection.anki21", "collection.anki21b"})
ZIP_SUFFIXES = (".zip", ".apkg", ".colpkg")
TABLE_SUFFIXES = (".csv", ".tsv", ".txt")  # Excel's "Text (Tab delimited)" saves .txt
SHEET_SUFFIXES = (".xlsx",)  # a workbook listing the cards: a zip, but not a deck folder's
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif")
JUNK_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})  # made by Finder and Explorer
MAX_REPORTED = 10  # lines about what an import left out; the rest are counted
_MAGIC = (  # what a file really is, by its first bytes, to say so when it is not what it claims
    (b"\x89PNG", Finding("is_png")),
    (b"\xff\xd8\xff", Finding("is_jpeg")),
    (b"GIF8", Finding("is_gif")),
    (b"%PDF", Finding("is_pdf")),
    (b"\xd0\xcf\x11\xe0", Finding("is_ole")),
)


class UploadError(Exception):
    """An upload that cannot become a deck; the message says what to do about it (a `Finding`
    where this module words it, so it can be said in Swedish too)."""


@dataclass(frozen=True)
class UploadLimits:
    """Caps on one upload: generous for a class's picture deck, small for a free Space's disk."""

    max_upload_bytes: int = 100 * MB  # all uploaded files together, as they arrived
    zip: ZipLimits = field(default_factory=ZipLimits)  # a deck's zip and an Anki package alike


@dataclass(frozen=True)
class _Unpacked:
    deck_dir: Path
    notes: tuple[Finding, ...] = ()  # what the teacher should know: notes an import left out
    licence: Finding | None = None  # the warning when the deck.toml we wrote has no licence


def load_upload(
    files: Sequence[Path],
    workdir: Path,
    *,
    name: str | None = None,
    limits: UploadLimits | None = None,
) -> Deck:
    """Write the deck in the uploaded `files` to a new folder under `workdir` and load it, its
    warnings in the teacher's terms.

    `files` is one zip of a deck folder, one Anki package, or one CSV (the cards, as in
    `items.csv`) with the pictures and recordings it names, and optionally a `deck.toml`.
    `name` names a deck that comes without `deck.toml` (else the CSV's or zip's name does).
    The deck's warnings start with the notes an Anki import left out (counted, the first
    `MAX_REPORTED` listed), and say nothing of a `deck.toml` the upload did not hold: a missing
    licence is told in terms of what was uploaded. Raises `UploadError` for an upload that is not
    what it claims, unsafe, too large, or that holds no deck or several, and `DeckError` for a
    deck that does not load; either way nothing is left under `workdir`.
    """
    unpacked = _unpack(files, workdir, name, limits or UploadLimits())
    try:
        deck = load_deck(unpacked.deck_dir)
    except DeckError:
        shutil.rmtree(unpacked.deck_dir.parent, ignore_errors=True)
        raise
    warnings = list(deck.warnings)
    if unpacked.licence is not None:  # deck.toml is ours: its only warning is the licence
        warnings = [w for w in warnings if not w.startswith(f"{DECK_FILE}:")]
        if not deck.license and not deck.attribution:
            warnings.append(unpacked.licence)
    return dataclasses.replace(deck, warnings=(*unpacked.notes, *warnings))


def _unpack(
    files: Sequence[Path], workdir: Path, name: str | None, limits: UploadLimits
) -> _Unpacked:
    uploads = [Path(f) for f in files if Path(f).name.casefold() not in JUNK_NAMES]
    if not uploads:
        raise UploadError(Finding("nothing_uploaded"))
    heads = _check_uploads(uploads, limits)
    zips = [
        p
        for p in uploads
        if heads[p].startswith((b"PK\x03\x04", b"PK\x05\x06"))
        and p.suffix.casefold() not in SHEET_SUFFIXES
    ]
    for path in uploads:
        if path not in zips and path.suffix.casefold() in ZIP_SUFFIXES:
            what = _describe(heads[path]) or Finding("something_else")
            raise UploadError(Finding("not_a_zip", name=path.name, what=what))
    if zips and len(uploads) > 1:
        others = ", ".join(p.name for p in uploads if p != zips[0])
        raise UploadError(Finding("zip_on_its_own", name=zips[0].name, others=others))
    workdir.mkdir(parents=True, exist_ok=True)
    out = Path(tempfile.mkdtemp(prefix="upload-", dir=workdir))
    deck_dir = out / "deck"
    try:
        if zips:
            unpacked = _unpack_zip(zips[0], deck_dir, name, limits.zip)
        else:
            unpacked = _Unpacked(deck_dir, licence=_unpack_table(uploads, deck_dir, name))
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)  # a refused upload leaves nothing behind
        raise
    log.info("unpacked %s into %s", ", ".join(p.name for p in uploads), deck_dir)
    return unpacked


def _check_uploads(uploads: list[Path], limits: UploadLimits) -> dict[Path, bytes]:
    """The first bytes of each upload; refuses missing and empty files and an oversized upload."""
    heads, total = {}, 0
    for path in uploads:
        try:
            with path.open("rb") as f:
                heads[path] = f.read(512)
            total += path.stat().st_size
        except OSError as e:
            raise UploadError(Finding("did_not_arrive", name=path.name, why=_why(e))) from e
        if not heads[path]:
            raise UploadError(Finding("empty_upload", name=path.name))
    if total > limits.max_upload_bytes:
        said = Finding("upload_too_large", mb=total / MB, max=limits.max_upload_bytes / MB)
        raise UploadError(said)
    return heads


def _describe(head: bytes) -> Finding | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Finding("is_webp")
    if head.lstrip()[:20].lower().startswith((b"<!doctype html", b"<html")):
        return Finding("is_html")
    return next((what for magic, what in _MAGIC if head.startswith(magic)), None)


def _unpack_zip(path: Path, deck_dir: Path, name: str | None, limits: ZipLimits) -> _Unpacked:
    try:
        with SafeZip(path, path.name, limits) as archive:
            if not ANKI_MEMBERS & archive.names:
                return _extract_deck(archive, deck_dir, name)
    except BrokenZip as e:
        raise UploadError(Finding("zip_again", why=e.args[0])) from e
    except ZipRefused as e:
        raise UploadError(e.args[0]) from e
    try:  # checked by the same SafeZip rules; the package is unpacked next to the deck
        result = import_anki(path, deck_dir, name=name, limits=limits, workdir=deck_dir.parent)
    except AnkiImportError as e:
        raise UploadError(e.args[0] if len(e.args) == 1 else str(e)) from e
    licence = Finding("at_file", file=path.name, message=Finding("anki_no_licence"))
    return _Unpacked(deck_dir, _import_report(path.name, result), licence)


def _import_report(archive: str, result: AnkiImport) -> tuple[Finding, ...]:
    """What an Anki import left out, in lines for the upload report."""
    lines: list[Finding] = []
    if skipped := result.skipped:
        of = result.cards + len(skipped)
        said = Finding("notes_left_out", count=len(skipped), of=of)
        lines.append(Finding("at_file", file=archive, message=said))
        lines += _capped([_note_line(s, Finding("left_out")) for s in skipped], "note")
    if lost := result.no_audio:
        n = len(lost)
        said = Finding("kept_without_audio_1") if n == 1 else Finding("kept_without_audio_n", n=n)
        lines.append(Finding("at_file", file=archive, message=said))
        lines += _capped([_note_line(s, Finding("kept_without_its")) for s in lost], "card")
    return tuple(lines)


def _note_line(note: LeftOut, what: Finding) -> Finding:
    if note.text:
        return Finding("note_quoted", note=note.note, text=note.text, what=what, why=note.reason)
    return Finding("note", note=note.note, what=what, why=note.reason)


def _capped(lines: list[Finding], noun: str) -> list[Finding]:
    if len(lines) <= MAX_REPORTED:
        return lines
    more = len(lines) - MAX_REPORTED
    said = Finding(f"more_{noun}s_1") if more == 1 else Finding(f"more_{noun}s_n", n=more)
    return [*lines[:MAX_REPORTED], said]


def _extract_deck(archive: SafeZip, deck_dir: Path, name: str | None) -> _Unpacked:
    """Write the one deck folder in `archive` to `deck_dir`, member by member (never
    `extractall`); what lies beside it is left out."""
    members = [m for m in archive.members if not _is_junk(m.parts)]
    tables = (ITEMS_FILE, ITEMS_XLSX)
    roots = sorted({m.parts[:-1] for m in members if m.parts[-1].casefold() in tables})
    if not roots:
        raise archive.refuse(_what_was_found([m.parts for m in members]))
    if len(roots) > 1:
        listed: str = ", ".join("/".join(r) + "/" for r in roots if r)
        if () in roots:  # sorted first
            listed = Finding("top_folder_and", others=listed)
        raise archive.refuse(Finding("several_decks", count=len(roots), listed=listed))
    root = roots[0]
    chosen = [(m, m.parts[len(root) :]) for m in members if m.parts[: len(root)] == root]
    deck_dir.mkdir(parents=True)
    for member, rel in chosen:
        if len(rel) == 1 and rel[0].casefold() in (ITEMS_FILE, ITEMS_XLSX, DECK_FILE):
            rel = (rel[0].casefold(),)  # "Items.CSV" made on Windows: load_deck wants this
        archive.write(member, deck_dir.joinpath(*rel))
    log.info("%s: left out %d files beside the deck", archive.archive, len(members) - len(chosen))
    if (deck_dir / DECK_FILE).exists():
        return _Unpacked(deck_dir)
    _write_deck_file(deck_dir, name or (root[-1] if root else Path(archive.archive).stem))
    return _Unpacked(deck_dir, licence=_no_licence(archive.archive))


def _no_licence(upload: str, how: str = "add_toml_to_zip") -> Finding:
    return Finding("came_without_toml", name=upload, how=Finding(how))


def _is_junk(parts: tuple[str, ...]) -> bool:
    return "__MACOSX" in parts or parts[-1].startswith("._") or parts[-1].casefold() in JUNK_NAMES


def _what_was_found(paths: list[tuple[str, ...]]) -> Finding:
    if not paths:
        return Finding("zip_empty")
    if any(p[0] == "xl" for p in paths):
        return Finding("zip_is_workbook")
    names = [p[-1] for p in paths]
    pictures = sum(n.casefold().endswith(PICTURE_SUFFIXES) for n in names)
    tables = [n for n in names if n.casefold().endswith((*TABLE_SUFFIXES, *SHEET_SUFFIXES))]
    others = len(names) - pictures - len(tables)
    found: list[str] = [_count("pictures", pictures)] * bool(pictures) + tables
    found += [_count("other_files", others)] * bool(others)
    wanted = ITEMS_XLSX if tables and tables[0].casefold().endswith(SHEET_SUFFIXES) else ITEMS_FILE
    said = found[0]
    for more in found[1:]:
        said = Finding("and", first=said, then=more)
    if len(tables) == 1:
        return Finding("no_items_rename", found=said, items=ITEMS_FILE, table=tables[0], to=wanted)
    return Finding("no_items", found=said, items=ITEMS_FILE)


def _count(noun: str, n: int) -> Finding:
    """ "1 picture", "3 other files"."""
    return Finding(f"{noun}_1") if n == 1 else Finding(f"{noun}_n", n=n)


def _unpack_table(uploads: list[Path], deck_dir: Path, name: str | None) -> Finding | None:
    """A CSV with its pictures: the CSV becomes items.csv; each file goes where the CSV says.
    Returns the licence warning for the deck.toml written when none was uploaded."""
    tomls = [p for p in uploads if p.name.casefold() == DECK_FILE]
    tables = [p for p in uploads if p.suffix.casefold() in (*TABLE_SUFFIXES, *SHEET_SUFFIXES)]
    media = [p for p in uploads if p not in tomls and p not in tables]
    if len(tables) != 1:
        got = ", ".join(p.name for p in tables) or Finding("none")
        raise UploadError(Finding("one_csv", got=got))
    data = tables[0].read_bytes()
    sheet = tables[0].suffix.casefold() in SHEET_SUFFIXES  # load_deck says if it is not one
    what = _describe(data[:512]) or (Finding("not_text_file") if b"\x00" in data[:8192] else None)
    # UTF-16 text, or a workbook (a zip): load_deck explains what is wrong with it.
    if what and not sheet and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UploadError(Finding("not_csv", name=tables[0].name, what=what))
    places = _sheet_places(tables[0]) if sheet else _places(data)
    if not media:
        named = ", ".join(list(places.values())[:5]) or Finding("pictures_it_names")
        raise UploadError(Finding("no_pictures", name=tables[0].name, named=named))
    deck_dir.mkdir(parents=True)
    (deck_dir / (ITEMS_XLSX if sheet else ITEMS_FILE)).write_bytes(data)
    licence = None
    if tomls:
        shutil.copyfile(tomls[0], deck_dir / DECK_FILE)
    else:
        _write_deck_file(deck_dir, name or tables[0].stem)
        licence = _no_licence(tables[0].name, "upload_toml_with_it")
    for path in media:
        nfc = unicodedata.normalize("NFC", path.name)
        target = deck_dir.joinpath(*places.get(nfc.casefold(), nfc).split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("rb") as source, open(target, "xb") as sink:
                shutil.copyfileobj(source, sink)
        except FileExistsError as e:
            raise UploadError(Finding("same_name_twice", name=nfc)) from e
    return licence


def _places(data: bytes) -> dict[str, str]:
    """Where the CSV puts each file it names, keyed by the NFC, case-folded file name: a picture
    uploaded as "hund.png" goes to "bilder/hund.png" if that is what the CSV says."""
    try:
        layout = csv_layout(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return {}  # load_deck says why the CSV cannot be read
    places: dict[str, str] = {}
    with contextlib.suppress(csv.Error):  # load_deck reports the broken line
        body = io.StringIO(layout.body, newline="")
        places = _places_in(csv.DictReader(body, delimiter=layout.delimiter))
    return places


def _sheet_places(path: Path) -> dict[str, str]:
    """`_places` for a workbook: where its first sheet puts each file."""
    limits = DeckLimits()
    try:
        sheet = read_sheet(
            path,
            max_bytes=limits.max_sheet_bytes,
            max_unpacked_bytes=limits.max_sheet_unpacked_bytes,
            max_rows=limits.max_cards + 1,
        )
    except SheetError:
        return {}  # load_deck says why the workbook cannot be read
    if not sheet.rows:
        return {}
    (_, header), *rows = sheet.rows
    return _places_in(dict(zip(header, cells, strict=False)) for _, cells in rows)


def _places_in(rows: Iterable[dict[Any, Any]]) -> dict[str, str]:
    places: dict[str, str] = {}
    for row in rows:
        for column, value in row.items():
            if str(column).strip().casefold() in ("image", "audio") and isinstance(value, str):
                rel = unicodedata.normalize("NFC", value.strip().replace("\\", "/"))
                pure = PurePosixPath(rel)
                if rel and not pure.is_absolute() and ".." not in pure.parts:
                    places.setdefault(pure.name.casefold(), str(pure))
    return places


def _write_deck_file(deck_dir: Path, name: str) -> None:
    """A deck.toml for an upload without one, named after the upload without its control
    characters and runs of spaces (a file name can hold both)."""
    kept = "".join(c for c in name if not unicodedata.category(c).startswith("C"))
    clean = " ".join(unicodedata.normalize("NFC", kept).split()) or "Min kortlek"
    write_deck_file(deck_dir, {"name": clean, "language": "sv"})


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
        said = Finding("cannot_save_until_loads")
        for problem in e.problems:
            said = Finding("then_listed", before=said, item=problem.said)
        raise UploadError(said) from e
    decks_root.mkdir(parents=True, exist_ok=True)
    target = decks_root / deck_folder_name(deck.name)
    if target.exists() and not overwrite:
        raise UploadError(Finding("folder_exists", name=target.name))
    staging = Path(tempfile.mkdtemp(prefix=".saving-", dir=decks_root))
    try:
        shutil.copytree(deck_dir.resolve(), staging / "deck", ignore=_not_copied)
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
        raise UploadError(Finding("not_saved", why=_why(e))) from e
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("saved deck %r to %s", deck.name, target)
    return target


def _not_copied(folder: str, names: list[str]) -> set[str]:
    """Links (they may point anywhere on the machine) and system files."""
    junk = {n for n in names if n.casefold() in JUNK_NAMES or n.startswith("._")}
    return junk | {n for n in names if Path(folder, n).is_symlink()}


def _why(error: OSError) -> str:
    """What went wrong, without the server paths that `str(error)` names."""
    if isinstance(error, shutil.Error) and error.args and isinstance(error.args[0], list):
        # copytree gathers (source, target, str(error)) for every file that failed
        whys = {re.sub(r"^\[Errno \d+\] ", "", str(w)).split(": '")[0] for *_, w in error.args[0]}
        return "; ".join(sorted(whys))
    return error.strerror or type(error).__name__
