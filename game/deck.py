"""Loading and validating a teacher's deck folder.

A deck is a folder with `deck.toml` (name, language, credits), `items.csv` or `items.xlsx` (one
card a row) and the pictures next to them; the README documents the format. `load_deck` checks
everything and reports every problem at once, each with its file and line, so a teacher fixes a
deck in one go.
"""

from __future__ import annotations

import csv
import io
import logging
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import tomli_w

from game import files, messages, phonemes, sheets, swedish
from game.cards import ARTICLES, Card, Deck, card_id
from game.findings import Finding, at

log = logging.getLogger(__name__)

DECK_FILE = "deck.toml"
ITEMS_FILE = "items.csv"
ITEMS_XLSX = sheets.ITEMS_XLSX  # the same table, kept in Excel
# A text shown to learners may come in each language of the screen (`game.messages.LANGUAGES`),
# as the same key or column with the language after it: hint_sv, name_en. The plain one is what
# a page in another language shows, or one the deck gives no translation for.
HINT_COLUMNS = ("hint", *(f"hint_{lang}" for lang in messages.LANGUAGES))
COLUMNS = ("image", "answer", "article", "accept", *HINT_COLUMNS, "audio", "pronunciation")
REQUIRED_COLUMNS = ("image", "answer")
TEXT_KEYS = (
    "name",
    *(f"name_{lang}" for lang in messages.LANGUAGES),
    "language",
    "description",
    *(f"description_{lang}" for lang in messages.LANGUAGES),
    "author",
    "license",
    "attribution",
    *(f"attribution_{lang}" for lang in messages.LANGUAGES),
)
LANGUAGES = ("sv",)
DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class DeckLimits:
    """Sizes past which a deck is refused; generous for a classroom, small for a free Space."""

    max_table_bytes: int = 2 * 1024 * 1024  # items.csv and deck.toml
    max_sheet_bytes: int = 20 * 1024 * 1024  # items.xlsx as stored (pictures pasted in add up)
    max_sheet_unpacked_bytes: int = 100 * 1024 * 1024  # items.xlsx unzipped: refuses zip bombs
    max_cards: int = 2000
    max_hint_chars: int = 300
    max_answer_chars: int = 80


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a deck, and where; `message` is a `Finding` where the checker
    wrote it (so it can be said in Swedish too), else any text."""

    file: str
    message: str
    line: int | None = None

    @property
    def said(self) -> Finding:
        """The problem and where it is, as a `Finding`: its `str` is the English line."""
        return at(self.file, self.message, self.line)

    def text(self, lang: str = "en") -> str:
        return self.said.text(lang)

    def __str__(self) -> str:
        return str(self.said)


class DeckError(ValueError):
    """A deck that cannot be played; the message lists every problem found."""

    def __init__(self, path: Path | str, problems: list[Problem]) -> None:
        self.path = Path(path)
        self.problems = tuple(problems)
        count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"Deck {path} has {count}:\n{lines}")


class _Report:
    """Collects errors and warnings while a deck is checked."""

    def __init__(self) -> None:
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, file: str, message: str, line: int | None = None) -> None:
        self.errors.append(Problem(file, message, line))

    def warn(self, file: str, message: str, line: int | None = None) -> None:
        self.warnings.append(Problem(file, message, line))


def load_deck(path: Path | str, limits: DeckLimits | None = None) -> Deck:
    """Load and validate the deck folder at `path`.

    Raises `DeckError` listing every problem (missing or unreadable pictures, files that are not
    pictures, empty or duplicate answers, unknown articles or columns, paths that leave the
    folder, text that is not UTF-8, oversized files). Oddities that do not stop play (a tiny
    picture, a hint that gives the answer away) come back as `Deck.warnings`.
    """
    limits = limits or DeckLimits()
    report = _Report()
    folder = Path(path)
    if not folder.is_dir():
        what = Finding("not_a_folder" if folder.exists() else "no_such_folder")
        if folder.suffix.casefold() == ".zip":
            what = Finding("unzip_first", what=what)
        said = Finding("deck_is_a_folder", what=what, deck_file=DECK_FILE)
        raise DeckError(path, [Problem(str(path), said)])
    root = folder.resolve()
    if not (root / DECK_FILE).exists() and (inner := find_decks(root)):
        # A zipped deck often unzips into a folder of its own: djur.zip -> djur/djur/deck.toml.
        names = ", ".join(str(p.relative_to(root)) for p in inner)
        raise DeckError(path, [Problem(DECK_FILE, Finding("found_inside", names=names))])
    meta = _read_meta(root, report, limits)
    cards = _read_cards(root, report, limits)
    if report.errors:
        raise DeckError(path, report.errors)
    deck = Deck(
        name=meta.get("name", root.name),
        cards=tuple(cards),
        language=meta.get("language", "sv"),
        description=meta.get("description", ""),
        author=meta.get("author", ""),
        license=meta.get("license", ""),
        attribution=meta.get("attribution", ""),
        path=root,
        warnings=tuple(w.said for w in report.warnings),
        name_sv=meta.get("name_sv", ""),
        name_en=meta.get("name_en", ""),
        description_sv=meta.get("description_sv", ""),
        description_en=meta.get("description_en", ""),
        attribution_sv=meta.get("attribution_sv", ""),
        attribution_en=meta.get("attribution_en", ""),
    )
    log.info("loaded deck %r: %d cards, %d warnings", deck.name, len(cards), len(deck.warnings))
    return deck


def write_deck_file(folder: Path, meta: Mapping[str, str]) -> Path:
    """Write `folder`/deck.toml holding `meta` (keys of `TEXT_KEYS`, in their order), with a
    reminder to add credits when it names no licence or attribution; return its path.

    The one writer of deck.toml (tomli-w escapes what TOML needs escaped; `load_deck` reads it
    back with `tomllib`)."""
    unknown = set(meta) - set(TEXT_KEYS)
    if unknown:
        raise ValueError(f"not keys of {DECK_FILE}: {', '.join(sorted(unknown))}")
    text = tomli_w.dumps({key: meta[key] for key in TEXT_KEYS if key in meta})
    if not meta.get("license") and not meta.get("attribution"):
        text += "# Add author, license and attribution for the pictures before sharing this deck.\n"
    path = folder / DECK_FILE
    path.write_text(text, encoding="utf-8")
    return path


def find_decks(*roots: Path | str) -> list[Path]:
    """Deck folders (those holding a deck.toml) in each root, or the root itself if it is one."""
    found: list[Path] = []
    for root in map(Path, roots):
        if (root / DECK_FILE).is_file():
            found.append(root)
        elif root.is_dir():
            found.extend(sorted(p.parent for p in root.glob(f"*/{DECK_FILE}")))
    return found


def _read_text(path: Path, name: str, report: _Report, limits: DeckLimits) -> str | None:
    if not path.is_file():
        report.error(name, Finding("missing"))
        return None
    try:
        if path.stat().st_size > limits.max_table_bytes:
            report.error(name, Finding("too_large_kb", kb=limits.max_table_bytes // 1024))
            return None
        data = path.read_bytes()
    except OSError as e:
        report.error(name, Finding("cannot_be_read", why=e.strerror or str(e)))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        csv_file = "_csv" if name == ITEMS_FILE else ""
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            report.error(name, Finding(f"utf16{csv_file}"), 1)
        else:
            report.error(name, Finding(f"not_utf8{csv_file}"), _line_at(data, e.start))
        return None


def _line_at(data: bytes, offset: int) -> int:
    """The line `offset` falls on, for any line ending (old Mac files end lines with CR only)."""
    return len(data[:offset].replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n"))


def _read_meta(root: Path, report: _Report, limits: DeckLimits) -> dict[str, str]:
    text = _read_text(root / DECK_FILE, DECK_FILE, report, limits)
    if text is None:
        return {}
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        report.error(DECK_FILE, Finding("bad_toml", why=str(e)))
        return {}
    meta: dict[str, str] = {}
    for key, value in raw.items():
        if key not in TEXT_KEYS:
            report.warn(DECK_FILE, Finding("unknown_key", key=key, known=", ".join(TEXT_KEYS)))
        elif not isinstance(value, str):
            report.error(DECK_FILE, Finding("not_text", key=key, value=repr(value)))
        else:
            meta[key] = unicodedata.normalize("NFC", value.strip())
    if not meta.get("name"):
        report.error(DECK_FILE, Finding("needs_name"))
    language = meta.get("language")
    if language is None:
        report.error(DECK_FILE, Finding("needs_language"))
    elif language not in LANGUAGES:
        report.error(DECK_FILE, Finding("language_unsupported", language=language))
    if not meta.get("attribution") and not meta.get("license"):
        report.warn(DECK_FILE, Finding("no_licence"))
    return meta


# A row of items.csv or items.xlsx: the line it starts on, the line it ends on, its cells.
Record = tuple[int, int, list[str]]


class CsvLayout(NamedTuple):
    """How a CSV of cards is laid out: what separates its cells, and where its header starts."""

    delimiter: str
    body: str  # the text from the header on
    skipped: int  # lines before `body`: 1 for Excel's "sep=" line, else 0


def csv_layout(text: str) -> CsvLayout:
    """The layout of `text`, a CSV of cards: the delimiter named on a first line "sep=;" (Excel's
    way to name it; that line is no row), else the one of `DELIMITERS` the header holds most of
    (a comma when it holds none)."""
    first = next(iter(text.splitlines()), "")
    if first.casefold().startswith("sep=") and len(first) == 5:
        return CsvLayout(first[4], "".join(text.splitlines(keepends=True)[1:]), 1)
    return CsvLayout(max(DELIMITERS, key=first.count), text, 0)


def _read_rows(text: str, report: _Report) -> list[tuple[int, dict[str, str]]]:
    delimiter, text, skipped = csv_layout(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _read_table(_csv_records(reader, skipped), ITEMS_FILE, report, delimiter)
    except csv.Error as e:
        line = reader.line_num + skipped
        report.error(ITEMS_FILE, Finding("csv_broken", why=str(e)), line)
        return []


def _csv_records(reader: Any, skipped: int) -> Iterable[Record]:
    """The rows of a csv.reader (its type is private) with their lines; a quoted cell may span
    several."""
    line = skipped
    for cells in reader:
        start, line = line + 1, reader.line_num + skipped
        yield start, line, cells


def _read_sheet(
    path: Path, report: _Report, limits: DeckLimits
) -> list[tuple[int, dict[str, str]]]:
    try:
        sheet = sheets.read_sheet(
            path,
            max_bytes=limits.max_sheet_bytes,
            max_unpacked_bytes=limits.max_sheet_unpacked_bytes,
            max_rows=limits.max_cards + 1,  # and the header
        )
    except sheets.SheetError as e:
        report.error(ITEMS_XLSX, e.message, e.line)
        return []
    for name in sheet.ignored_sheets:
        report.warn(ITEMS_XLSX, Finding("sheet_ignored", sheet=name, first=sheet.name))
    if sheet.truncated:
        report.error(ITEMS_XLSX, Finding("over_max_cards", n=limits.max_cards))
        return []
    return _read_table(((n, n, cells) for n, cells in sheet.rows), ITEMS_XLSX, report, None)


def _read_table(
    records: Iterable[Record], table: str, report: _Report, delimiter: str | None
) -> list[tuple[int, dict[str, str]]]:
    """The rows of a table, header first, each with the line it starts on; `delimiter` is None
    for a spreadsheet, whose rows are numbered as it shows them."""
    records = iter(records)
    header = next(records, None)
    if header is None:
        report.error(table, Finding("no_header", columns=",".join(COLUMNS)))
        return []
    columns = [unicodedata.normalize("NFC", c).strip().casefold() for c in header[2]]
    # Excel writes an empty header cell for every column that was ever formatted: ignore those
    # columns, and refuse only a value put under one.
    named = [i for i, c in enumerate(columns) if c]
    if not _header_ok([columns[i] for i in named], header[0], table, report):
        return []
    rows = []
    for start, line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        where = str(start) if start == line else f"{start}-{line}"
        extra = [i for i, c in enumerate(cells) if (i >= len(columns) or not columns[i])]
        if any(cells[i].strip() for i in extra):
            if delimiter is None:
                column = sheets.column_letter(next(i for i in extra if cells[i].strip()))
                why = Finding("value_without_header", column=column)
            else:
                why = Finding(
                    "cells_vs_header", cells=len(cells), columns=len(named), delimiter=delimiter
                )
            report.error(table, why, start)
            continue
        padded = cells + [""] * len(columns)
        row = {columns[i]: unicodedata.normalize("NFC", padded[i]).strip() for i in named}
        if start != line and delimiter and _swallows_rows(row, delimiter):
            report.error(table, Finding("cell_over_lines", lines=where), start)
            continue
        for column in HINT_COLUMNS:  # a line break typed into a hint (Alt+Enter) is a space
            if column in row:
                row[column] = " ".join(row[column].split())
        rows.append((start, row))
    return rows


def _swallows_rows(row: dict[str, str], delimiter: str) -> bool:
    """Whether a cell spans lines where it must not: a quote left open swallows the rows after
    it into one cell, silently losing cards. Only a hint may hold a line break of its own."""
    for column, value in row.items():
        later = value.splitlines()[1:]
        if later and (column not in HINT_COLUMNS or any(delimiter in part for part in later)):
            return True
    return False


def _header_ok(columns: list[str], line: int, table: str, report: _Report) -> bool:
    ok = True
    for column in dict.fromkeys(columns):
        if column not in COLUMNS:
            report.error(
                table, Finding("unknown_column", column=column, known=", ".join(COLUMNS)), line
            )
            ok = False
        elif columns.count(column) > 1:
            report.error(table, Finding("column_twice", column=column), line)
            ok = False
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            report.error(table, Finding("no_column", column=column), line)
            ok = False
    return ok


def _read_items(
    root: Path, report: _Report, limits: DeckLimits
) -> tuple[str, list[tuple[int, dict[str, str]]]]:
    """The table that lists the cards (items.csv or items.xlsx) and its rows."""
    has_csv, has_sheet = (root / ITEMS_FILE).exists(), (root / ITEMS_XLSX).exists()
    if has_csv and has_sheet:
        report.error(ITEMS_XLSX, Finding("csv_and_sheet", csv=ITEMS_FILE, sheet=ITEMS_XLSX))
        return ITEMS_XLSX, []
    if has_sheet:
        return ITEMS_XLSX, _read_sheet(root / ITEMS_XLSX, report, limits)
    if not has_csv:
        for name, what in sheets.OTHER_FORMATS.items():
            if (root / name).exists():
                report.error(name, Finding("other_format", what=what, save_as=sheets.SAVE_AS))
                return name, []
        report.error(ITEMS_FILE, Finding("no_table", sheet=ITEMS_XLSX))
        return ITEMS_FILE, []
    text = _read_text(root / ITEMS_FILE, ITEMS_FILE, report, limits)
    return ITEMS_FILE, [] if text is None else _read_rows(text, report)


def _read_cards(root: Path, report: _Report, limits: DeckLimits) -> list[Card]:
    errors_before = len(report.errors)
    table, rows = _read_items(root, report, limits)
    if not rows and len(report.errors) == errors_before:
        report.error(table, Finding("no_cards"))
    if len(rows) > limits.max_cards:
        report.error(table, Finding("too_many_cards", count=len(rows), n=limits.max_cards))
        return []
    cards: list[Card] = []
    seen_answers: dict[str, int] = {}
    seen_images: dict[Path, int] = {}
    for line, row in rows:
        card = _read_card(root, table, line, row, report, limits)
        if card is None:
            continue
        if card.id in seen_answers:
            said = Finding("duplicate_answer", answer=card.answer, other=seen_answers[card.id])
            report.error(table, said, line)
            continue
        seen_answers[card.id] = line
        if card.image is not None:  # a card read from a table always has its picture
            if card.image in seen_images:
                report.warn(table, Finding("same_picture", other=seen_images[card.image]), line)
            seen_images.setdefault(card.image, line)
        cards.append(card)
    for card in cards:
        for other, _ in card.alternatives[1:]:
            if card_id(other) in seen_answers and card_id(other) != card.id:
                said = Finding(
                    "accepts_other_answer", word=other, other=seen_answers[card_id(other)]
                )
                report.warn(table, said, seen_answers[card.id])
    return cards


def _gives_away(hint: str, answer: str) -> bool:
    """Whether the hint holds the answer as a word (or a word starting with a longer answer:
    "hundar"), not just its letters: "lives in a big hive" does not give away "bi"."""
    said, wanted = swedish.normalize(hint), swedish.normalize(answer)
    if " " in wanted:
        return f" {wanted} " in f" {said} "
    return any(w == wanted or (len(wanted) > 3 and w.startswith(wanted)) for w in said.split())


def _read_card(
    root: Path, table: str, line: int, row: dict[str, str], report: _Report, limits: DeckLimits
) -> Card | None:
    ok = True
    answer = " ".join(row.get("answer", "").split())
    article = row.get("article", "").casefold()
    if not answer:
        report.error(table, Finding("answer_empty"), line)
        ok = False
    elif len(answer) > limits.max_answer_chars:
        report.error(table, Finding("answer_long", n=limits.max_answer_chars), line)
        ok = False
    elif not swedish.normalize(answer):  # "?!" or "-": no spoken answer could ever match it
        report.error(table, Finding("answer_no_letters", answer=answer), line)
        ok = False
    first, _, rest = answer.partition(" ")
    if rest and first.casefold() in ARTICLES:
        if article and article != first.casefold():
            said = Finding("article_mismatch", first=first, article=article)
            report.error(table, said, line)
            ok = False
        else:
            report.warn(table, Finding("article_moved", first=first), line)
            article, answer = first.casefold(), rest
    if article not in ("", *ARTICLES):
        report.error(table, Finding("unknown_article", article=row["article"]), line)
        ok = False
    accept = tuple(
        dict.fromkeys(a for a in (p.strip() for p in row.get("accept", "").split("|")) if a)
    )
    hints = {column: row.get(column, "") for column in HINT_COLUMNS}
    for column, hint in hints.items():
        if len(hint) > limits.max_hint_chars:
            said = Finding("hint_long", column=Finding(f"column_{column}"), n=limits.max_hint_chars)
            report.warn(table, said, line)
        if answer and _gives_away(hint, answer):
            report.warn(table, Finding("hint_gives_away", column=Finding(f"column_{column}")), line)
    image = files.check_file(root, row.get("image", ""), files.PICTURE, table, line, report)
    audio = None
    if row.get("audio"):
        audio = files.check_file(root, row["audio"], files.AUDIO, table, line, report)
        ok = ok and audio is not None
    pronunciation = _read_pronunciation(row.get("pronunciation", ""), table, line, report)
    if image is None or not ok:
        return None
    return Card(
        answer=answer,
        article=article,
        accept=accept,
        hint=hints["hint"],
        image=image,
        audio=audio,
        pronunciation=pronunciation,
        where=f"{table}, line {line}",
        hint_sv=hints["hint_sv"],
        hint_en=hints["hint_en"],
    )


def _read_pronunciation(
    cell: str, table: str, line: int, report: _Report
) -> phonemes.Pronunciation | None:
    """The card's pronunciation for Listen; one that cannot be read is a warning (Listen then
    says the word as spelled), never a reason to refuse the card."""
    try:
        return phonemes.parse(cell)
    except phonemes.IpaError as e:
        report.warn(table, Finding("pronunciation_unread", why=str(e)), line)
        return None
