"""Where speech comes from: local folders, Common Voice releases, and hub data sets (streamed).

`open_source(spec)` turns a `--dataset` spec into a `Source`; `source.examples(split)` yields
`Utterance`s: 16 kHz mono float32 audio and the transcript as the corpus writes it. Audio is
decoded here (soundfile, PyAV as a fallback) and resampled with soxr, not by `datasets`' Audio
feature, which needs torchcodec and FFmpeg's shared libraries since datasets 4.

Splits are expressions: `train`, `test[:500]`, `train[2000:]`, `train+validation`. A slice
counts examples from the start of the split, before shuffling, so `train[2000:]` and
`train[:2000]` never overlap (how to hold out a test set where a hub copy has only `train`).
"""

from __future__ import annotations

import csv
import io
import logging
import random
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

import numpy as np
import soundfile
import soxr

from train.errors import TrainError

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
TEXT_COLUMNS = ("transcription", "sentence", "text", "normalized_text", "transcript")
FILE_COLUMNS = ("file_name", "path", "file", "audio")
SPLIT_ALIASES = {"validation": "dev", "dev": "validation", "valid": "dev"}
SHORT_NAMES = {
    "common_voice": "hub:mozilla-foundation/common_voice_11_0:sv-SE",
    "nst": "hub:KTH/nst",
    "nst-jzju": "hub:jzju/nst",
}
_SPLIT_PART = re.compile(r"^([\w.-]+)(?:\[(-?\d*):(-?\d*)\])?$")


@dataclass(frozen=True)
class Utterance:
    """One clip and what is said in it."""

    key: str
    """Where it came from (file name or hub row), for logs and messages."""
    audio: np.ndarray
    """float32 mono samples at 16 kHz."""
    text: str
    """The transcript as the corpus writes it (see `train.text` for cleanup)."""

    @property
    def seconds(self) -> float:
        return len(self.audio) / SAMPLE_RATE


@dataclass(frozen=True)
class SplitPart:
    name: str
    start: int | None = None
    stop: int | None = None


def parse_split(expression: str) -> list[SplitPart]:
    """`"train[:100]+dev"` → [SplitPart("train", None, 100), SplitPart("dev")]."""
    parts = []
    for text in expression.split("+"):
        match = _SPLIT_PART.match(text.strip())
        if not match:
            raise TrainError(
                f"Cannot read the split {expression!r}: use a name ('test'), a slice "
                "('test[:500]', 'train[2000:]') or names joined with '+' ('train+validation')."
            )
        name, start, stop = match.groups()
        parts.append(SplitPart(name, int(start) if start else None, int(stop) if stop else None))
    return parts


def decode_audio(data: bytes | str | Path, key: str = "") -> np.ndarray:
    """Decode a file (path or bytes) to 16 kHz mono float32."""
    handle = io.BytesIO(data) if isinstance(data, bytes) else str(data)
    try:
        samples, rate = soundfile.read(handle, dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError):
        samples, rate = _decode_with_av(data, key)
    return to_16k_mono(samples, rate)


def to_16k_mono(samples: np.ndarray, rate: int) -> np.ndarray:
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim == 2:
        samples = samples.mean(axis=1)
    if rate != SAMPLE_RATE and len(samples):
        samples = soxr.resample(samples, rate, SAMPLE_RATE, quality="HQ")
    return np.ascontiguousarray(samples, dtype=np.float32)


def _decode_with_av(data: bytes | str | Path, key: str) -> tuple[np.ndarray, int]:
    try:
        import av
    except ImportError as e:
        raise TrainError(f"Cannot decode {key or data}: install PyAV (pip install av).") from e
    try:
        source = io.BytesIO(data) if isinstance(data, bytes) else str(data)
        with av.open(source) as container:
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            chunks = [
                out.to_ndarray().reshape(-1)
                for frame in container.decode(stream)
                for out in resampler.resample(frame)
            ]
            chunks += [out.to_ndarray().reshape(-1) for out in resampler.resample(None)]
    except Exception as e:  # PyAV raises many kinds of error on a damaged file
        raise TrainError(f"Cannot decode the audio of {key or data}: {e}") from e
    return np.concatenate(chunks or [np.zeros(0, np.float32)])[:, None], SAMPLE_RATE


class Source(ABC):
    """A data set: named splits of utterances."""

    def __init__(self, spec: str) -> None:
        self.spec = spec

    def __str__(self) -> str:
        return self.spec

    @abstractmethod
    def examples(
        self, split: str, *, seed: int | None = None, shard: tuple[int, int] = (0, 1)
    ) -> Iterator[Utterance]:
        """Utterances of `split`; shuffled with `seed` (None keeps the order); `shard`
        (index, count) yields every count-th example only, for dataloader workers."""


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
                audio = decode_audio(entry.path, entry.where)
            except TrainError as e:
                log.warning("left out %s: %s", entry.where, e)
                continue
            yield Utterance(entry.where, audio, entry.text)


def _read_table(path: Path, delimiter: str | None, where: str) -> tuple[list[str], list[dict]]:
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


def _pick_column(
    columns: list[str], wanted: str | None, candidates: tuple[str, ...], what: str, path: Path
) -> str:
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
        f"are: {', '.join(columns)}. Rename one, or name it in the spec (e.g. "
        f"'{path.parent}?{'text' if what == 'transcript' else 'audio'}=COLUMN')."
    )


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
        columns, rows = _read_table(table, None, "a local data set")
        file_col = _pick_column(columns, self.audio_column, FILE_COLUMNS, "audio file", table)
        text_col = _pick_column(columns, self.text_column, TEXT_COLUMNS, "transcript", table)
        if split is not None and "split" in columns:
            names = {split, SPLIT_ALIASES.get(split, split)}
            found = sorted({row["split"] for row in rows})
            rows = [row for row in rows if row["split"] in names]
            if not rows:
                raise TrainError(f"{table} has no rows of split {split!r}; it has: {found}.")
        elif split is not None:
            log.warning("%s has no splits: using all its rows for %r", table, split)
        return _check_entries(table, rows, file_col, text_col, table.parent)


def _check_entries(
    table: Path, rows: list[dict], file_col: str, text_col: str, folder: Path
) -> list[Entry]:
    """Entries for the rows; every missing file is reported at once (up to 10 named)."""
    entries, missing, empty = [], [], 0
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        path = folder / row[file_col]
        if not row[file_col] or not path.is_file():
            missing.append(f"line {number}: {row[file_col] or '(empty)'}")
        elif not row[text_col]:
            empty += 1
        else:
            entries.append(Entry(path, row[text_col], f"{table.name}:{number} ({row[file_col]})"))
    if missing:
        more = f"; and {len(missing) - 10} more" if len(missing) > 10 else ""
        shown = "; ".join(missing[:10]) + more
        raise TrainError(f"{table}: {len(missing)} audio file(s) not found in {folder}: {shown}.")
    if empty:
        log.warning("%s: left out %d row(s) with an empty transcript", table, empty)
    return entries


class CommonVoiceFolder(LocalSource):
    """A Common Voice release: `cv-corpus-*/sv-SE/{train,dev,test}.tsv` and `clips/*.mp3`."""

    def __init__(self, spec: str, root: Path, text: str | None) -> None:
        super().__init__(spec)
        self.root, self.text_column = root, text

    def entries(self, name: str) -> list[Entry]:
        table = self.root / f"{name}.tsv"
        if not table.is_file():
            table = self.root / f"{SPLIT_ALIASES.get(name, name)}.tsv"
        if not table.is_file():
            found = sorted(p.stem for p in self.root.glob("*.tsv"))
            raise TrainError(f"{self.root} has no split {name!r}; its .tsv files: {found}.")
        columns, rows = _read_table(table, "\t", "a Common Voice split")
        path_col = _pick_column(columns, None, ("path",), "audio file", table)
        text_col = _pick_column(columns, self.text_column, ("sentence",), "transcript", table)
        return _check_entries(table, rows, path_col, text_col, self.root / "clips")


def find_common_voice(path: Path) -> Path | None:
    """The sv-SE folder of a Common Voice release at or under `path`, if it is one."""
    for candidate in (path, path / "sv-SE", *sorted(path.glob("cv-corpus-*/sv-SE"))):
        if (candidate / "clips").is_dir() and any(candidate.glob("*.tsv")):
            return candidate
    return None


def open_source(spec: str, shuffle_buffer: int = 500) -> Source:
    """The data source a `--dataset` spec names (see `train.options.DATASET_HELP`).

    `shuffle_buffer`: how many streamed examples a hub source shuffles among.
    """
    location, _, query = spec.partition("?")
    options = dict(parse_qsl(query))
    unknown = set(options) - {"text", "audio"}
    if unknown:
        raise TrainError(f"Unknown option(s) {sorted(unknown)} in {spec!r}: use text= or audio=.")
    location = SHORT_NAMES.get(location, location)
    kind, _, rest = location.partition(":")
    if kind == "hub":
        from train.hub import HubSource

        repo, _, config = rest.partition(":")
        return HubSource(
            spec, repo, config or None, options.get("text"), options.get("audio"), shuffle_buffer
        )
    if kind in ("cv", "folder"):
        location = rest
    path = Path(location).expanduser()
    if not path.is_dir():
        short = ", ".join(SHORT_NAMES)
        raise TrainError(
            f"Unknown data set {spec!r}: not a folder here, and not 'hub:ID[:CONFIG]' or a "
            f"short name ({short})."
        )
    cv_root = find_common_voice(path) if kind != "folder" else None
    if cv_root is not None:
        return CommonVoiceFolder(spec, cv_root, options.get("text"))
    if kind == "cv":
        raise TrainError(f"{path} is not a Common Voice release: no clips/ and .tsv files.")
    return FolderSource(spec, path, options.get("text"), options.get("audio"))
