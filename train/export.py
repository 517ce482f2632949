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

from train.errors import TrainError
from train.evaluate import EvalResult
from train.finetune import EVALUATION_FILE, SUMMARY_FILE
from train.options import ExportOptions

log = logging.getLogger(__name__)

CARD_FILE = "README.md"


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
) -> str:
    """The hub model card: metadata (model-index with the measured WER) and a readable body."""
    options = (training or {}).get("options", {})
    base = options.get("base_model", "openai/whisper-small")
    on_hub = base.count("/") == 1 and not Path(base).expanduser().exists()
    front = [
        "---",
        "language:",
        "- sv",
        f"license: {license}",
        *([f"base_model: {base}"] if on_hub else []),
        "tags:",
        "- whisper",
        "- automatic-speech-recognition",
        "- swedish",
        "metrics:",
        "- wer",
        "model-index:",
        f"- name: {name}",
        "  results:",
    ]
    for r in results:
        front += [
            "  - task:",
            "      type: automatic-speech-recognition",
            "      name: Speech recognition",
            "    dataset:",
            f"      name: {json.dumps(r.dataset, ensure_ascii=False)}",
            f"      type: {json.dumps(r.dataset, ensure_ascii=False)}",
            f"      split: {json.dumps(r.split, ensure_ascii=False)}",
            "    metrics:",
            "    - type: wer",
            f"      value: {r.scores.wer:.2f}",
            "      name: WER (normalised)",
            "    - type: wer",
            f"      value: {r.scores.wer_orthographic:.2f}",
            "      name: WER (orthographic)",
            "    - type: cer",
            f"      value: {r.scores.cer:.2f}",
            "      name: CER (normalised)",
        ]
    if not results:
        front[-1] = "  results: []"
    body = [
        "---",
        "",
        f"# {name}",
        "",
        "Swedish speech recognition: "
        + (f"[{base}](https://huggingface.co/{base})" if on_hub else f"`{base}`")
        + " fine-tuned with "
        "`python -m train finetune` of *Säg det!*, a speaking game for learners of Swedish.",
        "",
        "## Word error rate",
        "",
    ]
    if results:
        body += [
            "| test set | split | clips | WER | WER (orthographic) | CER |",
            "|---|---|---:|---:|---:|---:|",
        ]
        body += [
            f"| {r.dataset} | {r.split} | {r.scores.n} | {r.scores.wer:.2f} | "
            f"{r.scores.wer_orthographic:.2f} | {r.scores.cer:.2f} |"
            for r in results
        ]
        body += [
            "",
            "Normalised: lower case, punctuation removed; å, ä and ö are kept as letters of their "
            "own. Orthographic: the text as written.",
        ]
    else:
        body.append("Not measured yet: run `python -m train evaluate` and export again.")
    if options:
        body += ["", "## Training", ""]
        body += [
            f"- {key.replace('_', ' ')}: {options[key]}"
            for key in (
                "dataset", "train_split", "learning_rate", "warmup_steps", "max_steps",
                "batch_size", "gradient_accumulation_steps", "audio_window", "seed",
            )
            if key in options
        ]  # fmt: skip
        body.append(f"- steps done: {training.get('steps')}")  # type: ignore[union-attr]
    body += [
        "",
        "## Use",
        "",
        "```python",
        "from transformers import pipeline",
        "",
        f'asr = pipeline("automatic-speech-recognition", model="{repo or name}")',
        'asr(audio_16khz, generate_kwargs={"language": "sv", "task": "transcribe"})',
        "```",
        "",
        "A CTranslate2 int8 copy for fast CPU decoding (faster-whisper, CTranslate2) is in the "
        "`ctranslate2/` folder.",
        "",
    ]
    return "\n".join(front + body)


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

    model_dir = Path(options.model)
    if not is_hf_dir(model_dir):
        raise TrainError(
            f"{model_dir} is not a transformers Whisper checkpoint (config.json with "
            "model_type 'whisper'): export the folder `train finetune` wrote."
        )
    results = _results(options, model_dir)
    out = (
        Path(options.output_dir)
        if options.output_dir
        else model_dir.with_name(model_dir.name + "-ct2")
    )
    try:
        convert_to_ct2(model_dir, out, options.quantization)
    except ModelLoadError as e:
        raise TrainError(str(e)) from e
    summary = model_dir / SUMMARY_FILE
    training = json.loads(summary.read_text(encoding="utf-8")) if summary.is_file() else None
    name = options.push_to_hub.split("/")[-1] if options.push_to_hub else model_dir.name
    card = out / CARD_FILE
    card.write_text(
        model_card(name, results, training, options.license, options.push_to_hub), encoding="utf-8"
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
            repo_id=repo, folder_path=str(model_dir), ignore_patterns=["checkpoint-*", "*.pt"],
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
