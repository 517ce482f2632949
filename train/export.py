"""`python -m train export`: a CTranslate2 copy for asr's CPU backend, and a model card.

The copy is made by `asr.models.convert_to_ct2`, the very code asr uses, so it loads with
`asr.load_transcriber(folder, backend="ctranslate2")`. With `--push-to-hub REPO` the checkpoint
goes to the hub repo's root, the CTranslate2 copy to its `ctranslate2/` folder, and the model card
(README.md, with the WER measured by `train evaluate`) beside them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from train.checkpoints import pick, resolve_model
from train.errors import TrainError
from train.evaluate import EvalResult
from train.finetune import EVALUATION_FILE, SUMMARY_FILE
from train.options import ExportOptions
from train.windows import windows_table

log = logging.getLogger(__name__)

CARD_FILE = "README.md"
TRAINING_ONLY = ["checkpoint-*", "*.pt", "*.pth", "training_args.bin"]  # not pushed


@dataclass(frozen=True)
class Exported:
    ct2_dir: Path
    card: Path
    repo_url: str | None = None


def model_card(
    name: str,
    results: list[EvalResult],
    training: dict[str, Any] | None,
    license: str,
    repo: str | None = None,
    checkpoint: str | None = None,
) -> str:
    """The hub model card: `huggingface_hub` metadata (model-index with the measured WER, the
    data sets by hub id) and a body that says what was measured, how, and which checkpoint.

    `training`: the run's training.json (None: not known, and no base model is named);
    `checkpoint`: which checkpoint of a run that stopped early this is (`Kept.describe`)."""
    from huggingface_hub import ModelCard, ModelCardData

    options = (training or {}).get("options", {})
    base = options.get("base_model")
    on_hub = bool(base) and base.count("/") == 1 and not Path(base).expanduser().exists()
    data = ModelCardData(
        language="sv",
        license=license,
        base_model=base if on_hub else None,
        datasets=sorted({r.dataset for r in results if r.dataset.count("/") == 1}) or None,
        tags=["whisper", "automatic-speech-recognition", "swedish"],
        metrics=["wer", "cer"],
        pipeline_tag="automatic-speech-recognition",
        model_name=name,
        eval_results=[item for r in results for item in _hub_results(r)] or None,
    )
    body = [f"# {name}", "", _intro(base, on_hub), ""]
    if checkpoint:
        body += [
            f"This is {checkpoint} of a run that stopped before its end, not the model a "
            "finished run saves.", "",
        ]  # fmt: skip
    body += ["## Word error rate", ""]
    body += _results_section(results) if results else [NOT_MEASURED]
    if options:
        body += ["", "## Training", "", *_training_section(options, training or {})]
    body += [
        "", "## Use", "", "```python", "from transformers import pipeline", "",
        f'asr = pipeline("automatic-speech-recognition", model="{repo or name}")',
        'asr(audio_16khz, generate_kwargs={"language": "sv", "task": "transcribe"})',
        "```", "",
        "A CTranslate2 int8 copy for fast CPU decoding (faster-whisper, CTranslate2) is in the "
        "`ctranslate2/` folder.", "",
    ]  # fmt: skip
    card = ModelCard(f"---\n{data.to_yaml()}\n---\n\n" + "\n".join(body))
    return str(card)


NOT_MEASURED = "Not measured yet: run `python -m train evaluate` and export again."


def _hub_results(result: EvalResult) -> list[Any]:
    from huggingface_hub import EvalResult as HubResult

    s = result.scores
    return [
        HubResult(
            task_type="automatic-speech-recognition",
            task_name="Speech recognition",
            dataset_type=result.dataset,
            dataset_name=result.dataset_name or result.dataset,
            dataset_config=result.dataset_config,
            dataset_split=result.split,
            metric_type=kind,
            metric_value=round(value, 2),
            metric_name=label,
        )
        for kind, value, label in (
            ("wer", s.wer, "WER (normalised)"),
            ("wer", s.wer_orthographic, "WER (orthographic)"),
            ("cer", s.cer, "CER (normalised)"),
        )
    ]


def _intro(base: str | None, on_hub: bool) -> str:
    if base is None:
        return (
            "Swedish speech recognition: a Whisper model fine-tuned with `python -m train "
            "finetune` of *Säg det!*, a speaking game for learners of Swedish. Its run's folder "
            "records no base model (no training.json)."
        )
    link = f"[{base}](https://huggingface.co/{base})" if on_hub else f"`{base}`"
    return (
        f"Swedish speech recognition: {link} fine-tuned with `python -m train finetune` of "
        "*Säg det!*, a speaking game for learners of Swedish."
    )


def _results_section(results: list[EvalResult]) -> list[str]:
    lines = [
        "| test set | split | clips | WER | WER (orthographic) | CER |",
        "|---|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.dataset_name or r.dataset} | {r.split} | {r.scores.n} | {r.scores.wer:.2f} | "
        f"{r.scores.wer_orthographic:.2f} | {r.scores.cer:.2f} |"
        for r in results
    ]
    normalizers = sorted({r.normalizer for r in results})
    lines += [
        "",
        "Normalised scores compare both sides after this text normaliser: "
        + " / ".join(normalizers) + ". Orthographic: the text as written.",
    ]  # fmt: skip
    for r in results:
        if r.windows:
            lines += [
                "",
                f"By encoder window on {r.dataset_name or r.dataset} ({r.split}; clips decoded "
                f"one at a time, {r.backend}; `auto` is the app's answer window):",
                "",
                *windows_table(r.windows),
            ]
    optimistic = [r for r in results if r.chose_checkpoint]
    for r in optimistic:
        lines += [
            "",
            f"**Optimistic:** {r.dataset_name or r.dataset} ({r.split}) also chose the kept "
            "checkpoint during training, so its WER is lower than on unseen data.",
        ]
    return lines


def _training_section(options: dict[str, Any], training: dict[str, Any]) -> list[str]:
    dataset = training.get("train_dataset", {}).get("dataset_name")
    lines = [f"- data set: {dataset or Path(str(options.get('dataset', ''))).name}"]
    keys = (
        "train_split", "learning_rate", "warmup_steps", "max_steps", "batch_size",
        "gradient_accumulation_steps", "audio_window", "seed",
    )  # fmt: skip
    lines += [f"- {key.replace('_', ' ')}: {options[key]}" for key in keys if key in options]
    if not training.get("finished", "steps" in training):  # a run stopped before its end
        lines.append("- stopped before its end: see the checkpoint above")
        return lines
    lines.append(f"- processes: {training.get('world_size', 1)}")
    lines.append(f"- steps done: {training.get('steps')}")
    if training.get("kept_description"):
        lines.append(f"- kept: {training['kept_description']}")
    return lines


def _results(options: ExportOptions, model_dir: Path) -> list[EvalResult]:
    paths = [Path(p) for p in options.results]
    if not paths and (model_dir / EVALUATION_FILE).is_file():
        paths = [model_dir / EVALUATION_FILE]
    if not paths:
        log.warning("no evaluation results: the model card will say WER was not measured")
    return [EvalResult.load(path) for path in paths]


def export(options: ExportOptions, api: Any = None) -> Exported:
    """Convert, write the card, and push when asked (`api`: a `huggingface_hub.HfApi`)."""
    from asr.errors import ModelLoadError
    from asr.models import convert_to_ct2, is_hf_dir

    given = Path(options.model)
    model_dir = Path(resolve_model(options.model))  # a run's folder of checkpoints: the kept one
    checkpoint = pick(given)[1].describe() if model_dir != given else None
    if not is_hf_dir(model_dir):
        raise TrainError(
            f"{model_dir} is not a transformers Whisper checkpoint (config.json with "
            "model_type 'whisper') and holds no checkpoint-N folders: export the folder "
            "`train finetune` wrote."
        )
    results = _results(options, model_dir)
    out = Path(options.output_dir) if options.output_dir else given.with_name(given.name + "-ct2")
    try:
        convert_to_ct2(model_dir, out, options.quantization)
    except ModelLoadError as e:
        raise TrainError(str(e)) from e
    summary = given / SUMMARY_FILE
    training = json.loads(summary.read_text(encoding="utf-8")) if summary.is_file() else None
    name = options.push_to_hub.split("/")[-1] if options.push_to_hub else given.name
    card = out / CARD_FILE
    card.write_text(
        model_card(name, results, training, options.license, options.push_to_hub, checkpoint),
        encoding="utf-8",
    )
    log.info("wrote %s (%s) and its model card", out, options.quantization)
    url = None
    if options.push_to_hub:
        url = push(options.push_to_hub, model_dir, out, options.private, api)
    return Exported(out, card, url)


def push(repo: str, model_dir: Path, ct2_dir: Path, private: bool, api: Any = None) -> str:
    """Upload checkpoint (root), CTranslate2 copy (ctranslate2/) and card (README.md)."""
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi()
    try:
        url = api.create_repo(repo, repo_type="model", private=private, exist_ok=True)
        api.upload_folder(
            repo_id=repo, folder_path=str(model_dir), ignore_patterns=TRAINING_ONLY,
            commit_message="Fine-tuned checkpoint",
        )  # fmt: skip
        api.upload_folder(
            repo_id=repo, folder_path=str(ct2_dir), path_in_repo="ctranslate2",
            ignore_patterns=[CARD_FILE], commit_message="CTranslate2 copy",
        )  # fmt: skip
        api.upload_file(
            repo_id=repo, path_or_fileobj=str(ct2_dir / CARD_FILE), path_in_repo=CARD_FILE,
            commit_message="Model card with measured WER",
        )  # fmt: skip
    except Exception as e:  # network, auth, permissions: all need the person to act
        raise TrainError(
            f"Could not push to {repo}: {e}. Log in first (hf auth login) with a token that "
            "may write to that repo."
        ) from e
    log.info("pushed to %s", url)
    return str(url)
