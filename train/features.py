"""From utterances to what the model trains on: log-mel features, label ids, padded batches.

Features are computed as examples are read (on the fly, in dataloader workers if asked), never
stored: a pre-computed Common Voice train set would be ~1 MB of features per clip.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from train.anywindow import clip_positions
from train.clips import ClipLimits
from train.errors import TrainError
from train.source import SAMPLE_RATE, Source
from train.text import clean_transcript

log = logging.getLogger(__name__)


def example_id(key: str) -> int:
    """A stable 63-bit id of a clip's key: batches carry it so each process can count what it
    trained on (a tensor travels where a string cannot, e.g. when accelerate dispatches batches)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") >> 1


def encode_labels(tokenizer: Any, text: str) -> list[int]:
    """Label ids: the Swedish/transcribe prompt, the text, <|endoftext|>.

    The text gets a leading space: Whisper was pre-trained on text that starts with one, so the
    first word is the same token it would be mid-sentence (" hund", not "hund").
    """
    return tokenizer(" " + text).input_ids


class SpeechStream(torch.utils.data.IterableDataset):
    """Training or evaluation examples of one split, read and featurised as they are needed.

    Clips outside `limits` are left out (`train.clips`: too short to hold a word, longer than
    the window, whose end the encoder would never hear and so learn to make words up, or with
    an empty transcript), and so are transcripts longer than `max_label_tokens`; each pass logs
    how many. `seed` shuffles,
    differently in every epoch (`set_epoch`, which the Trainer calls); None keeps the order, as
    evaluation needs. Dataloader workers each read their own share of the split.
    """

    def __init__(
        self,
        source: Source,
        split: str,
        processor: Any,
        *,
        limits: ClipLimits,
        max_label_tokens: int,
        seed: int | None = None,
        whole_batches: int = 1,
        pad_to: int = 1,
    ) -> None:
        self.source, self.split, self.processor = source, split, processor
        self.limits = limits
        self.max_label_tokens = max_label_tokens
        self.seed = seed
        self.whole_batches = whole_batches
        """Yield examples in groups of this many, a last incomplete group left out (per worker):
        under several processes the main process's batches then always split evenly."""
        self.pad_to = pad_to
        """Pad the stream (per worker) to a multiple of this with unscored copies, their labels
        masked: evaluation under several processes keeps every clip and scores each once."""
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[dict[str, Any]]:
        worker = torch.utils.data.get_worker_info()
        shard = (worker.id, worker.num_workers) if worker else (0, 1)
        seed = None if self.seed is None else self.seed + self.epoch
        counts: Counter[str] = Counter()
        group: list[dict[str, Any]] = []
        last = None
        for utterance in self.source.examples(self.split, seed=seed, shard=shard):
            example, why = self.featurise(utterance.audio, utterance.text)
            counts[why] += 1
            if example is None:
                if counts[why] == 1 and self.epoch == 0:
                    log.info("left out %s: %s (more are counted, not named)", utterance.key, why)
                continue
            example["example_id"] = example_id(utterance.key)
            group.append(example)
            last = example
            if len(group) == self.whole_batches:
                yield from group
                group.clear()
        if group:
            counts[f"a last incomplete batch of {self.whole_batches}"] += len(group)
            counts["used"] -= len(group)
        used = counts["used"]
        self._report(counts, alone=shard[1] == 1)
        if last is not None and used % self.pad_to:
            unscored = {**last, "labels": last["labels"][:1] + [-100] * (len(last["labels"]) - 1)}
            yield from [unscored] * (self.pad_to - used % self.pad_to)

    def featurise(self, audio: np.ndarray, text: str) -> tuple[dict | None, str]:
        """(example, "used"), or (None, why it is left out)."""
        why = self.limits.problem(len(audio) / SAMPLE_RATE, text)
        if why is not None:
            return None, why
        text = clean_transcript(text)
        labels = encode_labels(self.processor.tokenizer, text)
        if len(labels) > self.max_label_tokens:
            return None, f"transcript over {self.max_label_tokens} tokens"
        features = self.processor.feature_extractor(
            audio, sampling_rate=SAMPLE_RATE, return_tensors="np"
        ).input_features[0]
        example = {
            "input_features": features.astype(np.float32),
            "labels": labels,
            "positions": clip_positions(len(audio)),
        }
        return example, "used"

    def _report(self, counts: Counter[str], alone: bool) -> None:
        used = counts.pop("used", 0)
        left_out = ", ".join(f"{n} {why}" for why, n in counts.items()) or "none"
        log.log(
            logging.INFO if self.epoch == 0 else logging.DEBUG,  # once is enough to read
            "read %s split %r (epoch %d): %d examples used; left out: %s",
            self.source, self.split, self.epoch, used, left_out,
        )  # fmt: skip
        if not used and alone:  # a worker's share may be empty; the whole split may not
            raise TrainError(
                f"No usable examples in split {self.split!r} of {self.source} (left out: "
                f"{left_out}). Check the split, or use a longer --audio-window."
            )


@dataclass
class SpeechCollator:
    """Pads a list of examples into a batch the model takes.

    Features all have the window's length already (the extractor pads every clip to it), so
    they are stacked; so are the clips' `example_id`s and the encoder positions each clip
    covers (`clip_positions`, for --any-window), which `train.trainer` takes out before the
    model sees the batch. Labels differ in length: they are padded with -100, the index
    PyTorch's cross-entropy ignores, so padding adds nothing to the loss (padding with
    <|endoftext|> would teach the model to say it again and again).
    """

    decoder_start_token_id: int

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        features = torch.from_numpy(np.stack([e["input_features"] for e in examples]))
        longest = max(len(e["labels"]) for e in examples)
        labels = torch.full((len(examples), longest), -100, dtype=torch.long)
        for row, example in enumerate(examples):
            labels[row, : len(example["labels"])] = torch.tensor(example["labels"])
        # The model builds its decoder input by shifting the labels right and putting
        # <|startoftranscript|> first; a label sequence that starts with it already would have
        # it twice, so the tokenizer's copy goes.
        if (labels[:, 0] == self.decoder_start_token_id).all():
            labels = labels[:, 1:]
        batch = {"input_features": features, "labels": labels}
        if all("positions" in e for e in examples):
            batch["clip_positions"] = torch.tensor([e["positions"] for e in examples])
        if all("example_id" in e for e in examples):
            batch["example_ids"] = torch.tensor([e["example_id"] for e in examples])
        return batch
