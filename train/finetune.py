"""`python -m train finetune`: the Seq2SeqTrainer recipe behind the game's original models.

Read `finetune()` as numbered steps. The same code runs on one GPU, on several (`accelerate
launch -m train finetune ...` or `torchrun --nproc-per-node N -m train finetune ...`: the Trainer
picks the processes up from the environment) and, slowly, on a CPU.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments
from transformers.trainer_callback import ProgressCallback
from transformers.trainer_utils import get_last_checkpoint

from train import model as model_mod
from train.data import open_source
from train.errors import TrainError
from train.features import SpeechCollator, SpeechStream
from train.metrics import Scores, score
from train.options import FinetuneOptions

log = logging.getLogger(__name__)

SUMMARY_FILE = "training.json"
EVALUATION_FILE = "evaluation.json"


@dataclass(frozen=True)
class FinetuneResult:
    output_dir: Path
    steps: int
    """Optimiser steps done, counting those before a resume."""
    losses: list[tuple[int, float]] = field(default_factory=list)
    """(step, training loss) as logged every --logging-steps."""
    scores: Scores | None = None
    """The final model on the evaluation split (None without one)."""
    best_checkpoint: str | None = None
    seconds: float = 0.0


def finetune(options: FinetuneOptions) -> FinetuneResult:
    started = time.perf_counter()
    # 1. Check what can be checked before anything heavy loads.
    precision = _precision(options.precision)
    evaluating = options.eval_split.lower() != "none"
    if evaluating and options.save_steps % options.eval_steps:
        raise TrainError(
            f"--save-steps {options.save_steps} must be a multiple of --eval-steps "
            f"{options.eval_steps}: the best checkpoint is chosen among the evaluated ones."
        )
    output_dir = Path(options.output_dir)
    resume_from = _resume_point(options.resume, output_dir)

    # 2. Data: the training split shuffled, the evaluation split in a fixed order.
    train_source = open_source(options.dataset, options.shuffle_buffer)
    eval_source = train_source
    if options.eval_dataset:
        eval_source = open_source(options.eval_dataset, options.shuffle_buffer)

    # 3. The base model, in Swedish, with its window cut if asked.
    model, processor = model_mod.load_base(options.base_model, options.language)
    if options.audio_window is not None:
        model_mod.cut_window(model, processor.feature_extractor, options.audio_window)
    window = model_mod.window_seconds(model)
    max_labels = min(options.max_label_tokens, model.config.max_target_positions)
    model.config.use_cache = False  # useless in training, and it clashes with checkpointing

    streams = {
        split_name: SpeechStream(
            source, split, processor, window_seconds=window, max_label_tokens=max_labels,
            seed=seed,
        )
        for split_name, source, split, seed in (
            ("train", train_source, options.train_split, options.seed),
            ("eval", eval_source, options.eval_split, None),
        )
        if split_name == "train" or evaluating
    }  # fmt: skip

    # 4. The Trainer, with the recipe's arguments.
    trainer = Seq2SeqTrainer(
        model=model,
        args=_training_arguments(options, precision, evaluating, model),
        train_dataset=streams["train"],
        eval_dataset=streams.get("eval"),
        data_collator=SpeechCollator(model.config.decoder_start_token_id),
        processing_class=processor,
        compute_metrics=_metrics_function(processor.tokenizer) if evaluating else None,
    )
    trainer.remove_callback(ProgressCallback)
    trainer.add_callback(ReadableProgress())

    # 5. Train, from the last checkpoint if there is one.
    log.info(
        "fine-tuning %s on %s (%s) for %d steps, %s, window %d s%s",
        options.base_model, train_source, options.train_split, options.max_steps, precision,
        window, f", resuming from {resume_from}" if resume_from else "",
    )  # fmt: skip
    trainer.train(resume_from_checkpoint=resume_from)

    # 6. Save the final (best) model where asr finds it, and what it scored. Every process
    # evaluates (it is a collective step on several GPUs); only the main one writes files.
    model_mod.ready_for_asr(trainer.model)
    trainer.save_model(str(output_dir))  # the model and the processor, on the main process
    scores = None
    if evaluating:
        metrics = trainer.evaluate()
        scores = Scores(**{k: metrics[f"eval_{k}"] for k in Scores.__dataclass_fields__})
        if trainer.is_world_process_zero():
            _write_evaluation(output_dir, options, scores)
    result = FinetuneResult(
        output_dir=output_dir,
        steps=trainer.state.global_step,
        losses=[(e["step"], e["loss"]) for e in trainer.state.log_history if "loss" in e],
        scores=scores,
        best_checkpoint=trainer.state.best_model_checkpoint,
        seconds=time.perf_counter() - started,
    )
    if trainer.is_world_process_zero():
        _write_summary(output_dir, options, result)
    return result


def _precision(wanted: str) -> str:
    cuda = torch.cuda.is_available()
    if wanted == "auto":
        return "fp16" if cuda else "fp32"
    if wanted in ("fp16", "bf16") and not cuda:
        raise TrainError(f"--precision {wanted} needs a CUDA GPU; on a CPU use fp32.")
    return wanted


def _resume_point(resume: str, output_dir: Path) -> str | None:
    if resume == "no":
        if output_dir.is_dir() and get_last_checkpoint(str(output_dir)):
            log.warning("%s has checkpoints; starting afresh as asked (--resume no)", output_dir)
        return None
    if resume == "auto":
        return get_last_checkpoint(str(output_dir)) if output_dir.is_dir() else None
    path = Path(resume)
    if not (path / "trainer_state.json").is_file():
        raise TrainError(
            f"--resume {resume}: not a checkpoint folder (no trainer_state.json). Use a "
            "checkpoint-N folder, 'auto' (the last one in --output-dir) or 'no'."
        )
    return str(path)


def _training_arguments(
    options: FinetuneOptions, precision: str, evaluating: bool, model: Any
) -> Any:
    strategy = "steps" if evaluating else "no"
    return Seq2SeqTrainingArguments(
        output_dir=options.output_dir,
        per_device_train_batch_size=options.batch_size,
        per_device_eval_batch_size=options.eval_batch_size,
        gradient_accumulation_steps=options.gradient_accumulation_steps,
        learning_rate=options.learning_rate,
        warmup_steps=options.warmup_steps,
        max_steps=options.max_steps,
        **_checkpointing(options.gradient_checkpointing),
        fp16=precision == "fp16",
        bf16=precision == "bf16",
        eval_strategy=strategy,
        eval_steps=options.eval_steps,
        save_strategy="steps",
        save_steps=options.save_steps,
        save_total_limit=options.save_total_limit,
        logging_steps=options.logging_steps,
        logging_first_step=True,
        predict_with_generate=True,
        generation_max_length=min(options.generation_max_length, model.config.max_target_positions),
        load_best_model_at_end=evaluating,
        metric_for_best_model=options.metric_for_best_model,
        greater_is_better=False,
        seed=options.seed,
        report_to=[] if options.report_to == "none" else [options.report_to],
        dataloader_num_workers=options.dataloader_num_workers,
        dataloader_pin_memory=torch.cuda.is_available(),
        remove_unused_columns=False,  # examples carry exactly what the collator needs
        label_names=["labels"],
    )


def _checkpointing(enabled: bool) -> dict[str, Any]:
    """Gradient checkpointing, under the argument names of the installed transformers.

    Non-reentrant checkpointing: the reentrant kind warns and needs inputs that require grad.
    """
    names = {f.name for f in fields(Seq2SeqTrainingArguments)}
    prefix = "activation" if "activation_checkpointing" in names else "gradient"  # renamed in 5.x
    return {
        f"{prefix}_checkpointing": enabled,
        f"{prefix}_checkpointing_kwargs": {"use_reentrant": False},
    }


def _metrics_function(tokenizer: Any):
    """`compute_metrics` for the Trainer: decode both sides, score with `train.metrics`."""
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    def compute(prediction: Any) -> dict[str, float]:
        # -100 marks label padding, and the Trainer pads predictions of different batches
        # with it too; neither is a token the tokenizer can decode.
        predicted = np.where(prediction.predictions == -100, pad, prediction.predictions)
        labels = np.where(prediction.label_ids == -100, pad, prediction.label_ids)
        hypotheses = tokenizer.batch_decode(predicted, skip_special_tokens=True)
        references = tokenizer.batch_decode(labels, skip_special_tokens=True)
        return score(references, hypotheses).to_dict()

    return compute


def _write_evaluation(output_dir: Path, options: FinetuneOptions, scores: Scores) -> None:
    from train.evaluate import EvalResult

    result = EvalResult(
        model=str(output_dir),
        dataset=options.eval_dataset or options.dataset,
        split=options.eval_split,
        backend="transformers (Trainer)",
        scores=scores,
    )
    result.save(output_dir / EVALUATION_FILE)


def _write_summary(output_dir: Path, options: FinetuneOptions, result: FinetuneResult) -> None:
    summary = {
        "options": asdict(options),
        "steps": result.steps,
        "seconds": round(result.seconds, 1),
        "best_checkpoint": result.best_checkpoint,
        "losses": result.losses,
        "scores": result.scores.to_dict() if result.scores else None,
    }
    text = json.dumps(summary, indent=2, ensure_ascii=False)
    (output_dir / SUMMARY_FILE).write_text(text + "\n", encoding="utf-8")


class ReadableProgress(ProgressCallback):
    """The Trainer's progress bar, with each log event as a sentence instead of a dict."""

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs:
            return
        line = _log_line(state.global_step, state.max_steps, logs)
        if self.training_bar is not None:
            self.training_bar.write(line)
        else:
            log.info(line)


def _log_line(step: int, max_steps: int, logs: dict[str, float]) -> str:
    if "eval_wer" in logs:
        return (
            f"step {step}/{max_steps}: WER {logs['eval_wer']:.2f} "
            f"(orthographic {logs.get('eval_wer_orthographic', float('nan')):.2f}), "
            f"CER {logs.get('eval_cer', float('nan')):.2f}, eval loss "
            f"{logs.get('eval_loss', float('nan')):.4f}"
        )
    if "loss" in logs:
        return (
            f"step {step}/{max_steps}: loss {logs['loss']:.4f}, "
            f"learning rate {logs.get('learning_rate', 0):.2e}"
        )
    shown = ", ".join(
        f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in logs.items()
    )
    return f"step {step}/{max_steps}: {shown}"
