"""Data sets on disk: a folder with metadata.csv, and a Common Voice release.

Both are tables of (audio file, transcript) per split, read whole and checked at once: every
missing file is named in one message. NST's own layout is in `train.nst`.
"""

from __future__ import annotations

import csv
import io
import logging
import random
from abc import abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from train.errors import TrainError
from train.source import (
    SPLIT_ALIASES,
    TEXT_COLUMNS,
    DatasetRef,
    Source,
    SplitPart,
    Utterance,
    decode_audio,
    first_usable,
    parse_split,
)

log = logging.getLogger(__name__)

FILE_COLUMNS = ("file_name", "path", "file", "audio")


@dataclass(frozen=True)
class Entry:
    """A clip of a local data set before it is read."""

    path: Path
    text: str
    where: str
    """File and row, for messages."""


class LocalSource(Source):
    """A data set on disk: a table of audio files and transcripts per split."""

    @abstractmethod
    def entries(self, name: str) -> list[Entry]:
        """All clips of the split called `name` (no slicing)."""

    def select(self, split: str) -> list[Entry]:
        chosen: list[Entry] = []
        for part in parse_split(split):
            chosen += self.entries(part.name)[part.start : part.stop]
        return chosen

    def examples(
        self, split: str, *, seed: int | None = None, shard: tuple[int, int] = (0, 1)
    ) -> Iterator[Utterance]:
        chosen = self.select(split)
        if seed is not None:
            random.Random(seed).shuffle(chosen)
        index, count = shard
        for entry in chosen[index::count]:
            try:
                yield self.read(entry)
            except TrainError as e:
                log.warning("left out %s: %s", entry.where, e)

    @staticmethod
    def read(entry: Entry) -> Utterance:
        return Utterance(entry.where, decode_audio(entry.path, entry.where), entry.text)

    def check_part(self, part: SplitPart) -> None:
        chosen = self.entries(part.name)[part.start : part.stop]
        first_usable(self._tried(chosen), f"split {_show(part)} of {self.spec}")

    def _tried(self, entries: list[Entry]) -> Iterator[tuple[str, Utterance | None, str]]:
        for entry in entries:
            try:
                yield entry.where, self.read(entry), ""
            except TrainError as e:
                yield entry.where, None, str(e)


def _show(part: SplitPart) -> str:
    if part.start is None and part.stop is None:
        return repr(part.name)
    return repr(f"{part.name}[{part.start or ''}:{'' if part.stop is None else part.stop}]")


def read_table(path: Path, delimiter: str | None, where: str) -> tuple[list[str], list[dict]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise TrainError(f"{path} is not UTF-8 text ({e}).") from e
    if delimiter is None:  # Excel in a Swedish locale writes ';'
        first = text.split("\n", 1)[0]
        delimiter = max(",;\t", key=first.count)
    # Common Voice's TSVs leave quotes in sentences unescaped: read them as plain characters.
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter, quoting=quoting)
    rows = list(reader)
    columns = [c.strip() for c in reader.fieldnames or []]
    rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in rows]
    if not columns:
        raise TrainError(f"{path} is empty: {where} needs a header line and one row per clip.")
    return columns, rows


def pick_column(
    columns: list[str], wanted: str | None, candidates: tuple[str, ...], what: str, path: Path,
    hint: str,
) -> str:  # fmt: skip
    """The column holding `what`: the one named in the spec, else the first candidate found."""
    if wanted:
        if wanted not in columns:
            raise TrainError(
                f"{path} has no column {wanted!r}; its columns are: {', '.join(columns)}."
            )
        return wanted
    for name in candidates:
        if name in columns:
            return name
    raise TrainError(
        f"{path} has no {what} column: expected one of {', '.join(candidates)}; its columns "
        f"are: {', '.join(columns)}. Rename one, or name it in the spec: '{hint}'."
    )


def check_entries(
    table: Path, rows: list[dict], file_col: str, text_col: str, folder: Path
) -> list[Entry]:
    """Entries for the rows; every missing file is reported at once (up to 10 named).

    Rows with an empty transcript stay: `train.clips` counts and names them with the rest."""
    entries, missing = [], []
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        path = folder / row[file_col]
        if not row[file_col] or not path.is_file():
            missing.append(f"line {number}: {row[file_col] or '(empty)'}")
        else:
            entries.append(Entry(path, row[text_col], f"{table.name}:{number} ({row[file_col]})"))
    if missing:
        more = f"; and {len(missing) - 10} more" if len(missing) > 10 else ""
        shown = "; ".join(missing[:10]) + more
        raise TrainError(f"{table}: {len(missing)} audio file(s) not found in {folder}: {shown}.")
    return entries


class FolderSource(LocalSource):
    """`metadata.csv` (file_name + transcription/text/sentence) beside the audio files.

    Splits: a sub-folder per split with its own metadata.csv (`data/train/metadata.csv`, the
    Hugging Face audiofolder layout), or a `split` column, or neither: then every split is the
    whole folder (said in the log; fine for a tiny test set, not for real training).
    """

    def __init__(self, spec: str, root: Path, text: str | None, audio: str | None) -> None:
        super().__init__(spec)
        self.root, self.text_column, self.audio_column = root, text, audio
        if not (root / "metadata.csv").is_file() and not any(root.glob("*/metadata.csv")):
            raise TrainError(
                f"{root} has no metadata.csv: a local data set is a folder with metadata.csv "
                "(columns file_name and transcription) beside the audio files, or one such "
                "folder per split."
            )

    def entries(self, name: str) -> list[Entry]:
        for alias in (name, SPLIT_ALIASES.get(name, name)):
            if (self.root / alias / "metadata.csv").is_file():
                return self._entries(self.root / alias / "metadata.csv", None)
        table = self.root / "metadata.csv"
        if not table.is_file():
            found = sorted(p.parent.name for p in self.root.glob("*/metadata.csv"))
            raise TrainError(f"{self.root} has no split {name!r}; it has: {', '.join(found)}.")
        return self._entries(table, name)

    def _entries(self, table: Path, split: str | None) -> list[Entry]:
        columns, rows = read_table(table, None, "a local data set")
        file_col = pick_column(
            columns, self.audio_column, FILE_COLUMNS, "audio file", table, self.column_hint("audio")
        )
        text_col = pick_column(
            columns, self.text_column, TEXT_COLUMNS, "transcript", table, self.column_hint("text")
        )
        if split is not None and "split" in columns:
            names = {split, SPLIT_ALIASES.get(split, split)}
            found = sorted({row["split"] for row in rows})
            rows = [row for row in rows if row["split"] in names]
            if not rows:
                raise TrainError(f"{table} has no rows of split {split!r}; it has: {found}.")
        elif split is not None:
            log.warning("%s has no splits: using all its rows for %r", table, split)
        return check_entries(table, rows, file_col, text_col, table.parent)


class CommonVoiceFolder(LocalSource):
    """A Common Voice release: `cv-corpus-*/sv-SE/{train,dev,test}.tsv` and `clips/*.mp3`.

    The columns are Common Voice's (`path`, `sentence`); `?text=` and `?audio=` name others.
    """

    def __init__(self, spec: str, root: Path, text: str | None, audio: str | None = None) -> None:
        super().__init__(spec)
        self.root, self.text_column, self.audio_column = root, text, audio

    @property
    def reference(self) -> DatasetRef:
        release = self.root.parent.name.removeprefix("cv-corpus-").split("-")[0]  # 17.0
        name = f"Common Voice {release} ({self.root.name})" if release else "Common Voice"
        return DatasetRef(id="common_voice", name=name, config=self.root.name)

    def entries(self, name: str) -> list[Entry]:
        table = self.root / f"{name}.tsv"
        if not table.is_file():
            table = self.root / f"{SPLIT_ALIASES.get(name, name)}.tsv"
        if not table.is_file():
            found = sorted(p.stem for p in self.root.glob("*.tsv"))
            raise TrainError(f"{self.root} has no split {name!r}; its .tsv files: {found}.")
        columns, rows = read_table(table, "\t", "a Common Voice split")
        path_col = pick_column(
            columns, self.audio_column, ("path",), "audio file", table, self.column_hint("audio")
        )
        text_col = pick_column(
            columns, self.text_column, ("sentence",), "transcript", table, self.column_hint("text")
        )
        return check_entries(table, rows, path_col, text_col, self.root / "clips")


def find_common_voice(path: Path) -> Path | None:
    """The sv-SE folder of a Common Voice release at or under `path`, if it is one."""
    for candidate in (path, path / "sv-SE", *sorted(path.glob("cv-corpus-*/sv-SE"))):
        if (candidate / "clips").is_dir() and any(candidate.glob("*.tsv")):
            return candidate
    return None
