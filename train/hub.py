"""Speech data sets on the Hugging Face Hub, streamed: Common Voice copies, NST Swedish, others.

Streaming reads the shards as training consumes them, so a 300 GB corpus (NST) needs no disk.
The audio column is read as its stored bytes: `train.data.decode_audio` decodes them (see there
why not `datasets`). Errors from `datasets` are turned into a `TrainError` that says
which configs, splits or columns exist.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from train.data import (
    TEXT_COLUMNS,
    Source,
    SplitPart,
    Utterance,
    decode_audio,
    parse_split,
    to_16k_mono,
)
from train.errors import TrainError

log = logging.getLogger(__name__)

DEFAULT_CONFIGS = {"common_voice": "sv-SE"}  # Common Voice copies are one config per language
AUDIO_COLUMNS = ("audio", "path", "file")


class HubSource(Source):
    """`hub:ID[:CONFIG]`: a data set streamed with `datasets.load_dataset(..., streaming=True)`."""

    def __init__(
        self,
        spec: str,
        repo: str,
        config: str | None,
        text_column: str | None = None,
        audio_column: str | None = None,
        shuffle_buffer: int = 500,
    ) -> None:
        super().__init__(spec)
        if "/" not in repo:
            raise TrainError(f"{spec!r}: a hub data set is named 'owner/name', not {repo!r}.")
        if config is None:
            config = next((c for key, c in DEFAULT_CONFIGS.items() if key in repo), None)
        self.repo, self.config = repo, config
        self.text_column, self.audio_column = text_column, audio_column
        self.shuffle_buffer = shuffle_buffer

    def examples(
        self, split: str, *, seed: int | None = None, shard: tuple[int, int] = (0, 1)
    ) -> Iterator[Utterance]:
        for part in parse_split(split):
            stream = self.stream(part)
            if seed is not None:
                stream = stream.shuffle(seed=seed, buffer_size=self.shuffle_buffer)
            index, count = shard
            if count > 1:
                from datasets.distributed import split_dataset_by_node

                stream = split_dataset_by_node(stream, rank=index, world_size=count)
            for number, row in enumerate(stream):
                key = f"{self.repo}/{part.name}#{number}"
                try:
                    audio = self._audio(row["audio"], key)
                except TrainError as e:
                    log.warning("left out %s: %s", key, e)
                    continue
                yield Utterance(key, audio, row["text"] or "")

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
            f"{', '.join(columns)}. Name one with '{self.spec.partition('?')[0]}?{option}=COLUMN'."
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
