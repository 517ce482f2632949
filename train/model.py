"""The model side of training: load a base Whisper, set it to Swedish, cut its audio window, save.

What is saved is what `asr.load_transcriber(folder)` loads as it is, on both backends: weights,
config, tokenizer, feature extractor (with the window's `chunk_length`), and a generation config
that knows Swedish (`lang_to_id`) and is marked `_from_model_config = False`, so transformers
keeps it instead of rebuilding it from config.json (which drops `lang_to_id` again).
"""

from __future__ import annotations

import logging
from typing import Any

from train.errors import TrainError

log = logging.getLogger(__name__)

POSITIONS_PER_SECOND = 50  # encoder positions: 100 mel frames a second, halved by conv2's stride


def load_base(name: str, language: str = "sv") -> tuple[Any, Any]:
    """(model, processor) of a hub id or local checkpoint, set to transcribe `language`."""
    from transformers import WhisperForConditionalGeneration, WhisperProcessor

    try:
        processor = WhisperProcessor.from_pretrained(name)
        model = WhisperForConditionalGeneration.from_pretrained(name)
    except (OSError, ValueError) as e:
        raise TrainError(
            f"Could not load the base model {name!r}: {e}. Give a hub id such as "
            "openai/whisper-small (needs the network once) or a folder with a Whisper "
            "checkpoint (config.json, weights, tokenizer and preprocessor files)."
        ) from e
    set_language(model, processor, language)
    return model, processor


def set_language(model: Any, processor: Any, language: str) -> None:
    """Make labels and generation Swedish/transcribe, repairing 2022-era generation configs."""
    from asr.backends import repair_generation_config

    tokenizer = processor.tokenizer
    if f"<|{language}|>" not in tokenizer.get_vocab():
        raise TrainError(f"The model's tokenizer has no language token <|{language}|>.")
    repair_generation_config(model.generation_config, tokenizer)
    # Labels start <|startoftranscript|><|sv|><|transcribe|><|notimestamps|>, the prompt that
    # generate() and asr give the model: train on exactly what it will be asked.
    tokenizer.set_prefix_tokens(language=language, task="transcribe", predict_timestamps=False)
    config = model.generation_config
    config.language = language
    config.task = "transcribe"
    config.forced_decoder_ids = None  # superseded by language/task; generate() warns otherwise
    model.config.forced_decoder_ids = None
    config._from_model_config = False


def window_seconds(model: Any) -> int:
    """The encoder's window in seconds (30 for every released Whisper)."""
    return model.config.max_source_positions // POSITIONS_PER_SECOND


def check_window(seconds: int, current: float) -> None:
    """Refuse an --audio-window the base model's window of `current` seconds cannot be cut to."""
    if not 1 <= seconds <= current:
        raise TrainError(
            f"--audio-window {seconds}: must be a whole number of seconds from 1 to "
            f"{current:g} (the base model hears {current:g} s)."
        )


def cut_window(model: Any, feature_extractor: Any, seconds: int) -> None:
    """Shorten the encoder's input window to `seconds`, in place.

    The encoder adds its (frozen, sinusoidal) positional embeddings to exactly
    `max_source_positions` frames and refuses any other length, so the window is cut by keeping
    the first `seconds * 50` rows and telling config and feature extractor the new length. The
    positions a short clip used before are the ones it uses after; what changes is that the
    encoder no longer sees the padding up to 30 s, which it was trained with: hence fine-tuning.
    """
    current = window_seconds(model)
    check_window(seconds, current)
    if seconds == current:
        return
    import torch

    positions = seconds * POSITIONS_PER_SECOND
    encoder = model.model.encoder
    kept = encoder.embed_positions.weight.detach()[:positions].clone()
    encoder.embed_positions = torch.nn.Embedding(positions, kept.shape[1])
    with torch.no_grad():
        encoder.embed_positions.weight.copy_(kept)
    encoder.embed_positions.requires_grad_(False)
    encoder.max_source_positions = positions
    model.config.max_source_positions = positions
    feature_extractor.chunk_length = seconds
    feature_extractor.n_samples = seconds * feature_extractor.sampling_rate
    feature_extractor.nb_max_frames = feature_extractor.n_samples // feature_extractor.hop_length
    log.info(
        "audio window cut from %d s to %d s (%d encoder positions)", current, seconds, positions
    )


def ready_for_asr(model: Any) -> None:
    """Settings the saved model needs: the decoder cache back on, the generation config kept.

    Save it with the processor (`Trainer.save_model` does both), and asr loads the folder.
    """
    model.generation_config._from_model_config = False
    model.config.use_cache = True  # turned off for training; decoding wants it
