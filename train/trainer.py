"""The Trainer as fine-tuning uses it: data-parallel on GPUs or CPUs, honest about what it read.

Under `torchrun --nproc-per-node N` or `accelerate launch --num_processes N` every process runs
`finetune` and the Trainer wraps the model in DistributedDataParallel (NCCL on GPUs, gloo on
CPUs). The training stream is read by the main process and each batch split among the processes
(accelerate's `DataLoaderDispatcher` with `split_batches`): so every process trains on different
clips, and the main process's dataloader workers decode the audio for all.
Each process counts the batches and clips it trained on; `data_parallel_report` gathers them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import torch
from transformers import Seq2SeqTrainer
from transformers.trainer_callback import ProgressCallback

log = logging.getLogger(__name__)


@dataclass
class ReadCount:
    """What one process trained on."""

    batches: int = 0
    examples: int = 0
    ids: set[int] = field(default_factory=set)
    """`train.features.example_id` of every clip, to count distinct clips across processes."""


class SpeechTrainer(Seq2SeqTrainer):
    """Seq2SeqTrainer that takes the clips' ids out of each batch and counts them.

    Under several processes the main process reads one batch for all of them and accelerate
    splits it (`split_batches`): a batch of transcripts is padded to its longest, and batches
    collated apart would differ in width and could not be joined. The dataloaders read
    world-size times the per-process batch, and every batch must split evenly (accelerate would
    complete a short one with clips of the first, and score them twice, as it cannot tell the
    length of a stream): the training stream yields whole batches only, the evaluation stream is
    padded with unscored copies (`train.features.SpeechStream`).
    """

    def __init__(self, *args: Any, any_window: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read = ReadCount()
        self.any_window = any_window
        """`train.anywindow.WindowDistillation` for --any-window, else None."""
        self._parts: list[torch.Tensor] = []  # (encoder, decoder) losses since the last log
        self._draw = (-1, 0)  # (step, micro-batch) of the last window drawn
        # Whisper's forward takes **kwargs, so the Trainer takes it for a model that averages its
        # loss over the tokens of every process (`num_items_in_batch`). It does not: it returns
        # its own batch's mean, which the Trainer then multiplied by the world size and left
        # undivided for gradient accumulation: the logged loss (and the gradient) were world
        # size x accumulation steps times the true one. A plain batch mean is what it is.
        self.model_accepts_loss_kwargs = False
        self.loss_is_scaled_for_ga = False  # a batch mean: the Trainer divides it for accumulation

    def get_train_dataloader(self) -> Any:
        if self.args.world_size == 1:
            return super().get_train_dataloader()
        per_process = self._train_batch_size
        self._train_batch_size = per_process * self.args.world_size
        try:
            return super().get_train_dataloader()
        finally:
            self._train_batch_size = per_process

    def get_eval_dataloader(self, eval_dataset: Any = None) -> Any:
        if self.args.world_size == 1:
            return super().get_eval_dataloader(eval_dataset)
        per_process = self.args.per_device_eval_batch_size
        self.args.per_device_eval_batch_size = per_process * self.args.world_size
        try:
            return super().get_eval_dataloader(eval_dataset)
        finally:
            self.args.per_device_eval_batch_size = per_process

    def training_step(
        self, model: Any, inputs: dict[str, Any], num_items_in_batch: Any = None
    ) -> torch.Tensor:
        ids = inputs.pop("example_ids", None)
        self.read.batches += 1
        if ids is not None:
            self.read.examples += len(ids)
            self.read.ids.update(int(i) for i in ids.tolist())
        return super().training_step(model, inputs, num_items_in_batch)

    def compute_loss(
        self, model: Any, inputs: dict[str, Any], return_outputs: bool = False,
        num_items_in_batch: Any = None,
    ) -> Any:  # fmt: skip
        positions = inputs.pop("clip_positions", None)
        if self.any_window is None or not model.training or positions is None:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        step = self.state.global_step
        self._draw = (step, self._draw[1] + 1 if self._draw[0] == step else 0)
        loss, encoder, decoder, outputs = self.any_window.loss(
            model, inputs, positions, f"{step}:{self._draw[1]}", self.accelerator.autocast()
        )
        self._parts.append(torch.stack([encoder.detach(), decoder.detach()]).float())
        return (loss, outputs) if return_outputs else loss

    def log(self, logs: dict[str, float], *args: Any, **kwargs: Any) -> None:
        """The Trainer's log, with --any-window's two losses beside the loss (every process
        logs at the same steps, so their mean over processes is taken here)."""
        if "loss" in logs and self._parts:
            parts = torch.stack(self._parts).mean(dim=0)
            if self.args.world_size > 1:
                parts = self.accelerator.reduce(parts, reduction="mean")
            logs["encoder_loss"], logs["decoder_loss"] = (float(p) for p in parts)
            self._parts.clear()
        super().log(logs, *args, **kwargs)

    def prediction_step(
        self, model: Any, inputs: dict[str, Any], prediction_loss_only: bool,
        ignore_keys: list[str] | None = None, **gen_kwargs: Any,
    ) -> Any:  # fmt: skip
        inputs.pop("example_ids", None)
        inputs.pop("clip_positions", None)
        return super().prediction_step(
            model, inputs, prediction_loss_only, ignore_keys=ignore_keys, **gen_kwargs
        )


def data_parallel_report(trainer: SpeechTrainer) -> dict[str, Any]:
    """World size, and per process the batches and clips trained on since this start.

    A collective call under several processes: every process must make it.
    """
    mine = trainer.read
    counts: list[ReadCount] = [mine]
    size = trainer.args.world_size
    if size > 1 and torch.distributed.is_available() and torch.distributed.is_initialized():
        gathered: list[Any] = [None] * size
        torch.distributed.all_gather_object(gathered, mine)
        counts = gathered
    every = set().union(*(c.ids for c in counts))
    return {
        "world_size": size,
        "backend": _backend(),
        "per_process": [
            {"rank": rank, "batches": c.batches, "examples": c.examples, "clips": len(c.ids)}
            for rank, c in enumerate(counts)
        ],
        "distinct_clips": len(every),
        "note": "counted since this run started (a resumed run counts only its new steps)",
    }


def _backend() -> str | None:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return str(torch.distributed.get_backend())
    return None


class ReadableProgress(ProgressCallback):
    """The Trainer's progress bar, with each log event as a sentence instead of a dict."""

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs:
            return
        line = log_line(state.global_step, state.max_steps, logs)
        if self.training_bar is not None:
            self.training_bar.write(line)
        else:
            log.info(line)


def log_line(step: int, max_steps: int, logs: dict[str, float]) -> str:
    if "eval_wer" in logs:
        return (
            f"step {step}/{max_steps}: WER {logs['eval_wer']:.2f} "
            f"(orthographic {logs.get('eval_wer_orthographic', float('nan')):.2f}), "
            f"CER {logs.get('eval_cer', float('nan')):.2f}, eval loss "
            f"{logs.get('eval_loss', float('nan')):.4f}"
        )
    if "loss" in logs:
        parts = ""
        if "encoder_loss" in logs:
            parts = f" (encoder {logs['encoder_loss']:.4f}, decoder {logs['decoder_loss']:.4f})"
        return (
            f"step {step}/{max_steps}: loss {logs['loss']:.4f}{parts}, "
            f"learning rate {logs.get('learning_rate', 0):.2e}"
        )
    shown = ", ".join(
        f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in logs.items()
    )
    return f"step {step}/{max_steps}: {shown}"
