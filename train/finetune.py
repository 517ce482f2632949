"""`python -m train finetune`: the Seq2SeqTrainer recipe behind the game's original models.

Read `finetune()` as numbered steps. The same code runs on one GPU, on several (`accelerate
launch -m train finetune ...` or `torchrun --nproc-per-node N -m train finetune ...`: real
data-parallel training, see `train.trainer`) and, slowly, on one or several CPU processes.
Only the main process logs and writes files.
"""

from __future__ import annotations

import logging
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import Seq2SeqTrainingArguments
from transformers.trainer_callback import ProgressCallback, TrainerState

from train import model as model_mod
from train.anywindow import WindowDistillation
from train.checkpoints import checkpoint_step, kept_from_state, pick, resume_point
from train.clips import ClipLimits, Survey, survey
from train.data import Source, open_source
from train.errors import TrainError
from train.features import SpeechCollator, SpeechStream
from train.metrics import Scores, score
from train.options import FinetuneOptions
from train.processes import is_main_process, launch_problem, world_size
from train.runs import EVALUATION_FILE as EVALUATION_FILE
from train.runs import SUMMARY_FILE as SUMMARY_FILE
from train.runs import (
    FinetuneResult,
    finished_run,
    outcome,
    start_summary,
    write_report,
    write_summary,
)
from train.trainer import ReadableProgress, SpeechTrainer, data_parallel_report

log = logging.getLogger(__name__)


def finetune(options: FinetuneOptions) -> FinetuneResult:
    started = time.perf_counter()
    # 1. Check what can be checked before anything heavy loads; a finished run is left alone.
    problem = launch_problem()
    if problem:
        raise TrainError(problem)
    precision = _precision(options.precision)
    evaluating = options.eval_split.lower() != "none"
    if evaluating and options.save_steps % options.eval_steps:
        raise TrainError(
            f"--save-steps {options.save_steps} must be a multiple of --eval-steps "
            f"{options.eval_steps}: the best checkpoint is chosen among the evaluated ones."
        )
    _check_any_window(options)
    output_dir = Path(options.output_dir)
    resume_from = resume_point(options.resume, output_dir)
    finished = finished_run(output_dir, resume_from, options.max_steps)
    if finished is not None:
        log.info(
            "%s was trained to step %d already: nothing to do (raise --max-steps to train on, "
            "or --resume no to start afresh)", output_dir, finished.steps,
        )  # fmt: skip
        return finished
    # A checkpoint at --max-steps whose run stopped before saving its model: finish, not train.
    trained = resume_from is not None and checkpoint_step(resume_from) >= options.max_steps

    # 2. Data: every split opens, has a usable row, and (on disk) clips within the limits.
    train_source = open_source(options.dataset, options.shuffle_buffer)
    eval_source = train_source
    if options.eval_dataset:
        eval_source = open_source(options.eval_dataset, options.shuffle_buffer)
    limits = ClipLimits.for_window(
        _window_before_loading(options), options.min_seconds, options.max_seconds
    )
    surveys = check_data(train_source, options.train_split, eval_source if evaluating else None,
                         options.eval_split, limits)  # fmt: skip

    # 3. The base model (the kept checkpoint when only finishing), in Swedish, its window cut
    # if asked.
    base = str(pick(Path(resume_from).parent)[0]) if trained else options.base_model
    model, processor = model_mod.load_base(base, options.language)
    if options.audio_window is not None:
        model_mod.cut_window(model, processor.feature_extractor, options.audio_window)
    window = model_mod.window_seconds(model)
    max_labels = min(options.max_label_tokens, model.config.max_target_positions)
    distillation = None
    if options.any_window and not trained:  # the teacher: the base model, before it trains
        distillation = WindowDistillation.prepare(
            model, options.window_margin, options.decoder_weight, options.seed
        )
    model.config.use_cache = False  # useless in training, and it clashes with checkpointing

    processes = world_size()
    streams = {
        split_name: SpeechStream(
            source, split, processor, limits=limits, max_label_tokens=max_labels,
            seed=seed, whole_batches=whole, pad_to=pad,
        )
        for split_name, source, split, seed, whole, pad in (
            ("train", train_source, options.train_split, options.seed,
             options.batch_size * processes if processes > 1 else 1, 1),
            ("eval", eval_source, options.eval_split, None, 1, processes),
        )
        if split_name == "train" or evaluating
    }  # fmt: skip

    # 4. The Trainer, with the recipe's arguments.
    trainer = SpeechTrainer(
        model=model,
        args=_training_arguments(options, precision, evaluating, model),
        train_dataset=streams["train"],
        eval_dataset=streams.get("eval"),
        data_collator=SpeechCollator(model.config.decoder_start_token_id),
        processing_class=processor,
        compute_metrics=_metrics_function(processor.tokenizer) if evaluating else None,
        any_window=distillation,
    )
    trainer.remove_callback(ProgressCallback)
    trainer.add_callback(ReadableProgress())

    # 5. Train, from the last checkpoint if there is one. training.json says what is trained
    # from the start, so a run stopped early still names its base model and data.
    if trainer.is_world_process_zero():
        write_summary(output_dir, start_summary(options, train_source, surveys))
    if trained:
        log.info("%s reached step %d: saving and evaluating its kept checkpoint, %s",
                 resume_from, options.max_steps, Path(base).name)  # fmt: skip
        trainer.state = TrainerState.load_from_json(str(Path(resume_from) / "trainer_state.json"))
    else:
        log.info(
            "fine-tuning %s on %s (%s) for %d steps, %s, window %s, %d process(es)%s",
            options.base_model, train_source, options.train_split, options.max_steps, precision,
            f"any up to {window} s" if distillation else f"{window} s", trainer.args.world_size,
            f", resuming from {resume_from}" if resume_from else "",
        )  # fmt: skip
        trainer.train(resume_from_checkpoint=resume_from)

    # 6. Save the kept model where asr finds it, and what it scored. Every process evaluates
    # and counts (collective steps under several processes); only the main one writes files.
    model_mod.ready_for_asr(trainer.model)
    trainer.save_model(str(output_dir))  # the model and the processor, on the main process
    scores = None
    if evaluating:
        metrics = trainer.evaluate()
        scores = Scores(**{k: metrics[f"eval_{k}"] for k in Scores.__dataclass_fields__})
    result = FinetuneResult(
        output_dir=output_dir,
        steps=trainer.state.global_step,
        losses=[(e["step"], e["loss"]) for e in trainer.state.log_history if "loss" in e],
        scores=scores,
        kept=(
            kept_from_state(_state(trainer), output_dir, options.metric_for_best_model)
            if evaluating
            else None
        ),
        data_parallel=data_parallel_report(trainer),
        seconds=time.perf_counter() - started,
    )
    if trainer.is_world_process_zero():
        summary = start_summary(options, train_source, surveys) | outcome(result)
        write_report(output_dir, options, result, eval_source, _evaluations(trainer), summary)
    return result


def check_data(
    train_source: Source, train_split: str, eval_source: Source | None, eval_split: str,
    limits: ClipLimits,
) -> dict[str, Survey]:  # fmt: skip
    """Every split opens, has the columns and files it needs, and a usable row, and (on the main
    process) its clips are counted by `limits`, each kind named (`train.clips`); or raise."""
    checks = [("train", train_source, train_split, "--train-split")]
    if eval_source is not None:
        checks.append(("eval", eval_source, eval_split, "--eval-split"))
    surveys: dict[str, Survey] = {}
    for name, source, split, flag in checks:
        try:
            source.check(split)
            if is_main_process():  # one process reads the headers; the others wait in training
                surveys[name] = survey(source, split, limits)
        except TrainError as e:
            raise TrainError(f"{flag} {split}: {e}") from e
    log.info("data checked: %s", ", ".join(f"{s} ({split})" for _, s, split, _ in checks))
    for name, found in surveys.items():
        log.info("%s split: %s", name, found.summary())
    return surveys


def _check_any_window(options: FinetuneOptions) -> None:
    if not options.any_window:
        return
    if options.audio_window is not None:
        raise TrainError(
            "--any-window trains the full window to work at any shorter one: leave out "
            f"--audio-window {options.audio_window}."
        )
    if options.window_margin < 0 or options.decoder_weight < 0:
        raise TrainError(
            f"--window-margin {options.window_margin:g} and --decoder-weight "
            f"{options.decoder_weight:g} must be 0 or more."
        )


def _window_before_loading(options: FinetuneOptions) -> float:
    """The window the model will have: --audio-window, else the base model's (from its
    config.json where it is a folder; 30 s for a hub id)."""
    from asr.models import window_seconds

    base = window_seconds(options.base_model)
    if options.audio_window is None:
        return base
    model_mod.check_window(options.audio_window, base)
    return float(options.audio_window)


def _state(trainer: Any) -> dict[str, Any]:
    state = trainer.state
    return {
        "global_step": state.global_step,
        "best_model_checkpoint": state.best_model_checkpoint,
        "best_metric": state.best_metric,
        "log_history": state.log_history,
    }


def _evaluations(trainer: Any) -> int:
    """Evaluations during training: more than one, and the best of them was chosen."""
    return sum(1 for entry in trainer.state.log_history if "eval_runtime" in entry) - 1


def _precision(wanted: str) -> str:
    cuda = torch.cuda.is_available()
    if wanted == "auto":
        return "fp16" if cuda else "fp32"
    if wanted in ("fp16", "bf16") and not cuda:
        raise TrainError(f"--precision {wanted} needs a CUDA GPU; on a CPU use fp32.")
    return wanted


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
        # On CPUs the Trainer needs use_cpu to run several processes as DDP (gloo); without it
        # each process trains alone on everything (transformers warns "parallel_mode !=
        # ParallelMode.DISTRIBUTED").
        use_cpu=not torch.cuda.is_available(),
        ddp_backend="gloo" if world_size() > 1 and not torch.cuda.is_available() else None,
        ddp_find_unused_parameters=False,  # every weight that trains gets a gradient
        # One batch read for all processes and split: see train.trainer.SpeechTrainer.
        accelerator_config={"split_batches": True} if world_size() > 1 else None,
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
