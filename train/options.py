"""One options dataclass per command; every field carries the help text `--help` shows.

Defaults live here and nowhere else. Field names become flags with dashes (`learning_rate` →
`--learning-rate`); a bool becomes `--flag/--no-flag`; a list takes several values. The training
defaults are the published recipe of the game's original models (fimster/whisper-small-sv-SE:
learning rate 1e-5, warmup 500, 4000 steps, batch 16, fp16, evaluation and checkpoints every 1000
steps, best checkpoint by WER).
"""

# `option()` returns a dataclasses.field, which ruff's RUF009 cannot see.
# ruff: noqa: RUF009
from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any

DATASET_HELP = (
    "data set spec: a folder with metadata.csv (file_name + transcription/text/sentence "
    "columns, optionally a split column or one sub-folder per split), a Common Voice release "
    "folder (cv-corpus-*/sv-SE with train.tsv/dev.tsv/test.tsv and clips/), an NST folder as "
    "Språkbanken's reorganised release unpacks (json/*.json and se/; one split, 'train'), "
    "'hub:ID[:CONFIG]' for a Hugging Face data set (streamed), or a short name: 'common_voice' "
    "(mozilla-foundation/common_voice_11_0, sv-SE), 'nst' (KTH/nst), 'nst-jzju' (jzju/nst). "
    "Prefix 'cv:', 'nst:' or 'folder:' to a path to say which kind it is. Append "
    "'?text=COLUMN' or '?audio=COLUMN' (both: '?text=A&audio=B') to name the columns"
)
MIN_SECONDS = 0.1
MIN_SECONDS_HELP = (
    "clips shorter than this many seconds are left out and counted (a 0-second clip has "
    "nothing to hear)"
)
MAX_SECONDS_HELP = (
    "clips longer than this many seconds are left out and counted (default and most: the "
    "model's window)"
)
SPLIT_HELP = (
    "split expression: a name ('train', 'dev'/'validation', 'test'), a slice of one "
    "('test[:500]', 'train[2000:]'), or several joined with '+' ('train+validation')"
)


def option(default: Any = dataclasses.MISSING, help: str = "", **cli: Any) -> Any:
    """A dataclass field with its help text (and argparse extras such as `choices`)."""
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={"help": help, **cli})
    return field(default=default, metadata={"help": help, **cli})


@dataclass(kw_only=True)
class DataOptions:
    dataset: str = option(help=DATASET_HELP)
    eval_dataset: str | None = option(None, "data set spec to evaluate on (default: --dataset)")
    train_split: str = option("train", "training split; " + SPLIT_HELP)
    eval_split: str = option(
        "test", "evaluation split ('none' to train without evaluating); " + SPLIT_HELP
    )
    shuffle_buffer: int | None = option(
        None,
        "clips held for shuffling a streamed hub data set, in each dataloader worker (local "
        "ones shuffle fully); default 6000 for NST, which is ordered by speaker, else 1000",
    )
    min_seconds: float = option(MIN_SECONDS, MIN_SECONDS_HELP)
    max_seconds: float | None = option(None, MAX_SECONDS_HELP)


@dataclass(kw_only=True)
class ModelOptions:
    base_model: str = option(
        "openai/whisper-small", "model to start from: a hub id or a local checkpoint folder"
    )
    language: str = option("sv", "language token the model is trained and evaluated with")
    audio_window: int | None = option(
        None,
        "encoder window in whole seconds (1-30; default: the base model's, 30 for Whisper). "
        "A shorter window cuts the positional embeddings and the feature extractor to match, "
        "leaves out longer clips, and makes one-word recognition several times faster on CPU",
    )
    any_window: bool = option(
        False,
        "audio-context fine-tuning (FUTO's whisper-acft), for a model that works at any window "
        "up to its full one: each batch is encoded at its longest clip's length plus a random "
        "margin, and the encoder's states over the clips are pulled towards the frozen base "
        "model's at the full window, beside the decoder's loss. The saved config says "
        "any_audio_window, so the app encodes only each answer and a margin. Not with "
        "--audio-window",
    )
    window_margin: float = option(
        2.0,
        "with --any-window: the most seconds of padding after a batch's longest clip (each "
        "batch draws its margin at random from 0 to this)",
    )
    decoder_weight: float = option(
        1.0,
        "with --any-window: weight of the decoder's loss at the short window, beside the "
        "encoder's distance to the full window's states",
    )


@dataclass(kw_only=True)
class TrainingOptions:
    output_dir: str = option(help="folder for checkpoints and the final model (asr loads it)")
    learning_rate: float = option(1e-5, "peak learning rate (AdamW, linear decay)")
    warmup_steps: int = option(500, "steps of linear warm-up to the peak learning rate")
    max_steps: int = option(4000, "optimiser steps to train for")
    batch_size: int = option(16, "training examples per device and step")
    gradient_accumulation_steps: int = option(
        1, "batches per optimiser step (effective batch = batch size x this x devices)"
    )
    eval_batch_size: int = option(8, "examples per device when evaluating")
    eval_steps: int = option(1000, "evaluate (WER with generate) every this many steps")
    save_steps: int = option(
        1000, "save a checkpoint every this many steps (a multiple of --eval-steps)"
    )
    save_total_limit: int | None = option(
        2, "checkpoints to keep (the best one is always kept); none keeps all"
    )
    logging_steps: int = option(25, "log loss and learning rate every this many steps")
    precision: str = option(
        "auto",
        "fp16 mixed precision on a GPU; 'auto' is fp16 on CUDA and fp32 elsewhere",
        choices=["auto", "fp32", "fp16", "bf16"],
    )
    gradient_checkpointing: bool = option(
        True, "recompute activations in the backward pass: less memory, ~20%% slower"
    )
    generation_max_length: int = option(
        225, "longest transcript (tokens) generated when evaluating during training"
    )
    max_label_tokens: int = option(
        448, "training examples whose transcript is longer (in tokens) are left out"
    )
    metric_for_best_model: str = option(
        "wer",
        "metric that picks the checkpoint kept at the end (lower is better)",
        choices=["wer", "cer", "wer_orthographic", "cer_orthographic"],
    )
    seed: int = option(42, "random seed for weights, shuffling and dropout")
    resume: str = option(
        "auto",
        "'auto' continues from the last checkpoint in --output-dir if there is one, 'no' "
        "starts afresh (checkpoints there are overwritten), or a checkpoint folder",
    )
    dataloader_num_workers: int = option(0, "processes decoding audio for training (0: inline)")
    report_to: str = option("none", "experiment tracker: none, tensorboard, wandb, ...")


@dataclass(kw_only=True)
class FinetuneOptions(TrainingOptions, ModelOptions, DataOptions):
    """`python -m train finetune`: fine-tune Whisper on Swedish speech."""


@dataclass(kw_only=True)
class SweepOptions(FinetuneOptions):
    """`python -m train sweep`: one short fine-tune per learning rate, scored on one subset."""

    learning_rates: list[float] = option(
        [], "learning rates to try (e.g. 3e-6 1e-5 3e-5); or use --lr-range", nargs="+"
    )
    lr_range: str | None = option(
        None, "log-spaced range MIN:MAX:COUNT, e.g. 1e-6:1e-4:5 (both ends included)"
    )
    output_dir: str = option(
        help="sweep folder: sweep.csv, sweep.png and one run folder per learning rate"
    )
    learning_rate: float = option(1e-5, "set by the sweep", hidden=True)
    eval_steps: int = option(1000, "runs are scored once, at the end", hidden=True)
    metric_for_best_model: str = option("wer", "runs are scored once, at the end", hidden=True)
    max_steps: int = option(1000, "optimiser steps of each run (the same for every rate)")
    warmup_steps: int = option(100, "warm-up steps of each run")
    eval_split: str = option(
        "test[:500]", "the fixed evaluation subset every rate is scored on; " + SPLIT_HELP
    )
    keep_models: bool = option(False, "keep each run's model folder (they are large)")


@dataclass(kw_only=True)
class EvaluateOptions:
    """`python -m train evaluate`: WER and CER of one model on one data set, as JSON."""

    model: str = option(help="model: a folder (transformers or CTranslate2) or a hub id")
    dataset: str = option(help=DATASET_HELP)
    split: str = option("test", SPLIT_HELP)
    min_seconds: float = option(MIN_SECONDS, MIN_SECONDS_HELP)
    max_seconds: float | None = option(None, MAX_SECONDS_HELP)
    output: str | None = option(None, "JSON file to write (default: print only the summary)")
    backend: str = option(
        "transformers",
        "recogniser to run the model on (ctranslate2 converts a transformers folder once)",
        choices=["transformers", "ctranslate2"],
    )
    device: str = option("auto", "cpu, cuda, or auto")
    batch_size: int = option(16, "clips per model call")
    max_new_tokens: int = option(128, "longest transcript (tokens) to generate per clip")
    examples: int = option(20, "reference/hypothesis pairs to keep in the JSON for reading")
    windows: str | None = option(
        None,
        "encoder windows to score at, comma-separated: seconds, and 'auto' for the app's "
        "answer window (the clip and a margin; from 1 s for an --any-window model), e.g. "
        "30,10,5,auto. WER and mean decode time at each, in the JSON and the printed table; "
        "clips are decoded one at a time, and only those the shortest window hears whole",
    )


@dataclass(kw_only=True)
class CompareOptions:
    """`python -m train compare`: several models on several test sets, as one table."""

    models: list[str] = option(
        help="models to compare, each a folder or hub id, optionally named NAME=MODEL", nargs="+"
    )
    datasets: list[str] = option(
        help="test sets, each a data set spec, optionally named NAME=SPEC, optionally with its "
        "own split after '@' (nst=nst@train[:2000])",
        nargs="+",
    )
    split: str = option("test", "split of every test set; " + SPLIT_HELP)
    min_seconds: float = option(MIN_SECONDS, MIN_SECONDS_HELP)
    output_dir: str = option("comparison", "folder for comparison.md and comparison.csv")
    backend: str = option(
        "transformers", "recogniser for every model", choices=["transformers", "ctranslate2"]
    )
    device: str = option("auto", "cpu, cuda, or auto")
    batch_size: int = option(16, "clips per model call")
    max_new_tokens: int = option(128, "longest transcript (tokens) to generate per clip")


@dataclass(kw_only=True)
class ExportOptions:
    """`python -m train export`: a CTranslate2 copy for the CPU backend, optionally pushed."""

    model: str = option(help="fine-tuned transformers checkpoint folder")
    output_dir: str | None = option(None, "CTranslate2 folder to write (default: MODEL-ct2)")
    quantization: str = option(
        "int8",
        "weight type of the copy: int8 is a quarter of the size and the CPU default in asr",
        choices=["int8", "int8_float16", "float16", "float32"],
    )
    results: list[str] = option(
        [],
        "evaluation JSON files (from evaluate) whose WER goes into the model card; "
        "MODEL/evaluation.json is used when none are given",
        nargs="+",
    )
    push_to_hub: str | None = option(
        None, "hub repo (user/name) to upload the model, the CTranslate2 copy and the card to"
    )
    private: bool = option(False, "create the hub repo as private")
    license: str = option("apache-2.0", "license written into the model card")


def add_arguments(parser: argparse.ArgumentParser, options: type) -> None:
    """Add one flag per field of the dataclass `options` to `parser`."""
    hints = typing.get_type_hints(options)
    for f in dataclasses.fields(options):
        if f.metadata.get("hidden"):
            continue
        flag = "--" + f.name.replace("_", "-")
        kind, optional = _unwrap(hints[f.name])
        kwargs: dict[str, Any] = {k: v for k, v in f.metadata.items() if k != "help"}
        kwargs["dest"] = f.name
        help_text = f.metadata.get("help", "")
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            kwargs["required"] = True
        else:
            default = f.default_factory() if f.default is dataclasses.MISSING else f.default  # type: ignore[misc]
            kwargs["default"] = default
            shown = (flag if default else "--no-" + flag[2:]) if kind is bool else _show(default)
            help_text += f" (default: {shown})"
        if kind is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif typing.get_origin(kind) is list:
            (kwargs["type"],) = typing.get_args(kind)
            kwargs.setdefault("nargs", "+")
        else:
            kwargs["type"] = _none_or(kind) if optional else kind
        parser.add_argument(flag, help=help_text, **kwargs)


def from_namespace(options: type, namespace: argparse.Namespace) -> Any:
    """The dataclass `options` filled from parsed arguments."""
    given = {f.name for f in dataclasses.fields(options) if hasattr(namespace, f.name)}
    return options(**{name: getattr(namespace, name) for name in given})


def _unwrap(hint: Any) -> tuple[Any, bool]:
    """`int | None` → (int, True); `int` → (int, False)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0], True
    return hint, False


def _none_or(kind: type):
    def convert(text: str) -> Any:
        return None if text.lower() in ("none", "") else kind(text)

    convert.__name__ = kind.__name__  # argparse names the type in its error messages
    return convert


def _show(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(map(str, value)) or "none"
    return "none" if value is None else str(value).replace("%", "%%")
