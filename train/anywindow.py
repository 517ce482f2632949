"""Audio-context fine-tuning (`finetune --any-window`): a Whisper that works at any encoder window.

A one-word answer is 1-3 s, yet Whisper's encoder is trained on 30 s windows: cut the window
without training and decodes loop (whisper-base at 5 s, measured here). FUTO's whisper-acft
(https://github.com/futo-org/whisper-acft) fine-tunes the encoder to run at a window that fits the
clip: the student encodes each clip at a short window while the frozen original (the teacher)
encodes it at 30 s, and the student's hidden states over the clip's own frames are pulled towards
the teacher's. small.en kept a WER of 2.81 at a dynamic window, where the untuned model fell to
79.7.

Here, for each batch, the student's window is the batch's longest clip plus a margin drawn at
random (0 to `--window-margin` seconds), in encoder positions (50 a second); the loss is the mean
squared distance of the student's final encoder states to the teacher's over each clip's frames,
plus the usual decoder loss at the short window times `--decoder-weight`. The saved config says
`any_audio_window` (`asr.window.ANY_WINDOW_KEY`): the app then gives every answer its own length
and a margin (`asr.window.answer_window`).

The encoder runs at a short window the way the app runs it at inference
(`asr.backends.TransformersBackend._encode`: its own layers over the first N positional
embeddings; transformers' encoder refuses any length but the full window). It is installed on
the student's encoder, so the student still runs through the model's own forward, and so
through DistributedDataParallel under several processes.
"""

from __future__ import annotations

import copy
import logging
import math
import random
import types
from dataclasses import dataclass
from typing import Any

import torch

from train.model import POSITIONS_PER_SECOND, window_seconds

log = logging.getLogger(__name__)

SAMPLES_PER_POSITION = 16_000 // POSITIONS_PER_SECOND  # 320: 2 mel frames of 160 samples


def clip_positions(samples: int) -> int:
    """Encoder positions a clip of `samples` (16 kHz) covers."""
    return max(1, math.ceil(samples / SAMPLES_PER_POSITION))


def encode_at_window(encoder: Any, features: torch.Tensor) -> Any:
    """The encoder over mel features of any length up to its window, as asr runs it."""
    from asr.backends import encode_at_window as asr_encode

    return asr_encode(encoder, features)


def accept_any_window(encoder: Any) -> None:
    """Let `encoder` take mel features shorter than its window (the full window as before)."""
    full = encoder.forward
    frames = 2 * encoder.config.max_source_positions

    def forward(self: Any, input_features: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        if input_features.shape[-1] == frames:
            return full(input_features, *args, **kwargs)
        return encode_at_window(self, input_features)

    encoder.forward = types.MethodType(forward, encoder)


@dataclass
class WindowDistillation:
    """The teacher and the settings of audio-context fine-tuning (see the module)."""

    teacher: Any
    """A frozen copy of the base model's encoder, run at the full window."""
    full_positions: int
    margin_seconds: float
    decoder_weight: float
    seed: int

    @classmethod
    def prepare(
        cls, model: Any, margin_seconds: float, decoder_weight: float, seed: int
    ) -> WindowDistillation:
        """Copy the teacher out of `model` (before it trains), let its encoder take any window,
        and mark its config safe at any window."""
        from asr.window import ANY_WINDOW_KEY

        teacher = copy.deepcopy(model.model.encoder).eval().requires_grad_(False)
        accept_any_window(model.model.encoder)
        setattr(model.config, ANY_WINDOW_KEY, True)
        log.info(
            "any-window training: windows of each batch's longest clip plus 0-%g s, teacher at "
            "%d s, decoder loss x %g", margin_seconds, window_seconds(model), decoder_weight,
        )  # fmt: skip
        return cls(teacher, model.config.max_source_positions, margin_seconds, decoder_weight,
                   seed)  # fmt: skip

    def window(self, positions: torch.Tensor, draw: str) -> int:
        """The student's window for a batch whose clips cover `positions`, in positions; `draw`
        names the draw (step and micro-batch), so every process and a resumed run agree."""
        margin = random.Random(f"{self.seed}:{draw}").uniform(0, self.margin_seconds)
        wanted = math.ceil(int(positions.max()) + margin * POSITIONS_PER_SECOND)
        return max(1, min(self.full_positions, wanted))

    def loss(
        self, model: Any, inputs: dict[str, Any], positions: torch.Tensor, draw: str,
        autocast: Any,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, Any]:  # fmt: skip
        """(loss, encoder loss, decoder loss, the student's outputs) of one batch."""
        features = inputs["input_features"]
        if next(self.teacher.parameters()).device != features.device:
            self.teacher.to(features.device)
        with torch.no_grad(), autocast:
            target = self.teacher(features).last_hidden_state
        window = self.window(positions, draw)
        outputs = model(**{**inputs, "input_features": features[..., : 2 * window]})
        student = outputs.encoder_last_hidden_state.float()
        distance = (student - target[:, :window].float()).pow(2).mean(dim=-1)  # [batch, window]
        covered = torch.arange(window, device=distance.device)[None, :] < positions[:, None]
        encoder_loss = (distance * covered).sum() / covered.sum().clamp(min=1)
        decoder_loss = outputs.loss
        loss = encoder_loss + self.decoder_weight * decoder_loss
        return loss, encoder_loss, decoder_loss, outputs
