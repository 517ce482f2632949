"""Speech data sets on the Hugging Face Hub, streamed: Common Voice copies, NST Swedish, others.

Streaming reads the shards as training consumes them, so a 300 GB corpus (NST) needs no disk.
The audio column is read as its stored bytes and decoded by asr (see `train.source` for why not
by `datasets`). Errors from `datasets` are turned into a `TrainError` that says which configs,
splits or columns exist.

A stream can only be shuffled within a buffer. NST is stored session by session (one speaker
reads a few hundred sentences in a row), so a 500-clip buffer fills batches with one or two
voices; its buffer holds enough clips for about twenty sessions. The parts of `train+validation`
are interleaved (each clip once, in proportion to the parts' sizes), not read one after the
other.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from train.errors import TrainError
from train.source import (
    CHECK_ROWS,
    TEXT_COLUMNS,
    DatasetRef,
    Source,
    SplitPart,
    Utterance,
    decode_audio,
    first_usable,
    parse_split,
    to_16k_mono,
)

log = logging.getLogger(__name__)

DEFAULT_CONFIGS = {"common_voice": "sv-SE"}  # Common Voice copies are one config per language
AUDIO_COLUMNS = ("audio", "path", "file")
DEFAULT_SHUFFLE_BUFFER = 1_000
# Clips held for shuffling where a corpus is ordered by speaker: ~20 sessions of NST. The buffer
# holds the clips' encoded bytes (~130 KB for 4 s of 16 kHz wav), in each dataloader worker.
SPEAKER_ORDERED = {"KTH/nst": 6_000, "jzju/nst": 6_000}


def shuffle_buffer_for(repo: str, wanted: int | None = None) -> int:
    """The shuffle buffer of `repo`: `wanted` if given, else sized for the corpus's order."""
    if wanted is not None:
        return wanted
    return SPEAKER_ORDERED.get(repo, DEFAULT_SHUFFLE_BUFFER)


class HubSource(Source):
    """`hub:ID[:CONFIG]`: a data set streamed with `datasets.load_dataset(..., streaming=True)`."""

    def __init__(
        self,
        spec: str,
        repo: str,
        config: str | None,
        text_column: str | None = None,
        audio_column: str | None = None,
        shuffle_buffer: int | None = None,
    ) -> None:
        super().__init__(spec)
        if "/" not in repo:
            raise TrainError(f"{spec!r}: a hub data set is named 'owner/name', not {repo!r}.")
        if config is None:
            config = next((c for key, c in DEFAULT_CONFIGS.items() if key in repo), None)
        self.repo, self.config = repo, config
        self.text_column, self.audio_column = text_column, audio_column
        self.shuffle_buffer = shuffle_buffer_for(repo, shuffle_buffer)

    @property
    def reference(self) -> DatasetRef:
        return DatasetRef(id=self.repo, name=self.repo, config=self.config)

    def examples(
        self, split: str, *, seed: int | None = None, shard: tuple[int, int] = (0, 1)
    ) -> Iterator[Utterance]:
        for stream in self.streams(split, seed):
            index, count = shard
            if count > 1:
                from datasets.distributed import split_dataset_by_node

                stream = split_dataset_by_node(stream, rank=index, world_size=count)
            for number, row in enumerate(stream):
                key = _key(row, f"{self.repo}/{split}#{index}.{number}")
                try:
                    audio = self._audio(row["audio"], key)
                except TrainError as e:
                    log.warning("left out %s: %s", key, e)
                    continue
                yield Utterance(key, audio, row["text"] or "")

    def streams(self, split: str, seed: int | None) -> list[Any]:
        """The parts of `split` in order (seed None), or interleaved and shuffled as one."""
        names = parse_split(split)
        parts = [self.stream(part) for part in names]
        if seed is None:
            return parts
        if len(parts) > 1:
            import datasets

            sizes = [_size(stream, part) for stream, part in zip(parts, names, strict=True)]
            known = None if None in sizes or not sum(sizes) else [n / sum(sizes) for n in sizes]
            parts = [
                datasets.interleave_datasets(
                    parts, probabilities=known, seed=seed,
                    stopping_strategy="all_exhausted_without_replacement",
                )
            ]  # fmt: skip
        return [parts[0].shuffle(seed=seed, buffer_size=self.shuffle_buffer)]

    def check_part(self, part: SplitPart) -> None:
        stream = self.stream(part)
        where = f"split {part.name!r} of {self.repo}"

        def rows() -> Iterator[tuple[str, Utterance | None, str]]:
            for number, row in enumerate(stream.take(CHECK_ROWS)):
                key = f"{self.repo}/{part.name}#{(part.start or 0) + number}"
                try:
                    yield key, Utterance(key, self._audio(row["audio"], key), row["text"] or ""), ""
                except TrainError as e:
                    yield key, None, str(e)

        first_usable(rows(), where)

    def stream(self, part: SplitPart) -> Any:
        """The `datasets.IterableDataset` of one split part, columns renamed to audio and text."""
        import datasets

        try:
            stream = datasets.load_dataset(self.repo, self.config, split=part.name, streaming=True)
        except Exception as e:  # datasets raises ValueError, FileNotFoundError, HTTP errors...
            raise TrainError(self._explain(part.name, e)) from e
        columns = self._columns(stream)
        audio = self._pick(columns, self.audio_column, AUDIO_COLUMNS, "audio")
        text = self._pick(columns, self.text_column, TEXT_COLUMNS, "transcript")
        features = getattr(stream, "features", None) or {}
        if isinstance(features.get(audio), datasets.Audio):
            # Read the stored {bytes, path} as a plain struct: datasets 5 runs every streamed
            # example through Audio.encode_example, which imports torchcodec even with
            # decode=False.
            raw = {"bytes": datasets.Value("binary"), "path": datasets.Value("string")}
            stream = stream.cast_column(audio, raw)
        stream = stream.select_columns([audio, text])
        if audio != "audio":
            stream = stream.rename_column(audio, "audio")
        if text != "text":
            stream = stream.rename_column(text, "text")
        if part.start:
            stream = stream.skip(part.start)
        if part.stop is not None:
            stream = stream.take(part.stop - (part.start or 0))
        return stream

    @staticmethod
    def _columns(stream: Any) -> list[str]:
        if getattr(stream, "column_names", None):
            return list(stream.column_names)
        first = next(iter(stream), None)  # no schema in the metadata: look at one row
        return list(first or {})

    def _pick(
        self, columns: list[str], wanted: str | None, candidates: tuple[str, ...], what: str
    ) -> str:
        if wanted and wanted in columns:
            return wanted
        if not wanted:
            found = next((name for name in candidates if name in columns), None)
            if found:
                return found
        expected = repr(wanted) if wanted else "one of " + ", ".join(candidates)
        option = "text" if what == "transcript" else "audio"
        raise TrainError(
            f"{self.repo} has no {what} column {expected}; its columns are: "
            f"{', '.join(columns)}. Name one in the spec: '{self.column_hint(option)}'."
        )

    @staticmethod
    def _audio(value: Any, key: str) -> Any:
        if isinstance(value, dict) and value.get("array") is not None:  # already decoded
            return to_16k_mono(value["array"], int(value["sampling_rate"]))
        if isinstance(value, dict) and value.get("bytes"):
            return decode_audio(value["bytes"], key)
        if isinstance(value, dict) and value.get("path"):
            return decode_audio(value["path"], key)
        if isinstance(value, str):
            return decode_audio(value, key)
        raise TrainError(f"{key}: no audio in the row ({type(value).__name__}).")

    def _explain(self, split: str, error: Exception) -> str:
        """A message naming what exists: the configs, or the config's splits."""
        import datasets

        where = f"{self.repo}" + (f" (config {self.config!r})" if self.config else "")
        detail = f"{type(error).__name__}: {error}"
        if type(error).__name__ in ("DatasetNotFoundError", "RepositoryNotFoundError"):
            return (
                f"No data set {self.repo!r} on the Hugging Face Hub, or it is gated: check the "
                f"name, accept its terms on the hub and log in (hf auth login). ({detail})"
            )
        try:
            configs = datasets.get_dataset_config_names(self.repo)
        except Exception:  # offline, gated: we can still say what went wrong
            return f"Could not open split {split!r} of {where}: {detail}"
        implicit = self.config is None and ("default" in configs or len(configs) == 1)
        if self.config not in configs and not implicit:
            missing = "needs a config" if self.config is None else f"has no config {self.config!r}"
            return (
                f"{self.repo} {missing}; it has: {', '.join(configs)}. "
                f"Use 'hub:{self.repo}:CONFIG'. ({detail})"
            )
        try:
            splits = datasets.get_dataset_split_names(self.repo, self.config)
        except Exception:
            return f"Could not open split {split!r} of {where}: {detail}"
        if split not in splits:
            return f"{where} has no split {split!r}; it has: {', '.join(splits)}. ({detail})"
        return f"Could not open split {split!r} of {where}: {detail}"


def _size(stream: Any, part: SplitPart) -> int | None:
    """Clips in a split part, from the data set's metadata when it knows (else None)."""
    splits = getattr(getattr(stream, "info", None), "splits", None) or {}
    total = getattr(splits.get(part.name), "num_examples", None)
    if not total:
        return None
    return len(range(total)[part.start : part.stop])


def _key(row: dict[str, Any], fallback: str) -> str:
    """A streamed clip's name: its file's path where the data set keeps one."""
    audio = row.get("audio")
    path = audio.get("path") if isinstance(audio, dict) else None
    return str(path) if path else fallback
