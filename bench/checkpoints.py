"""Random-weight Whisper checkpoints built offline: what the tests' and the benchmarks' share.

Two builders use it. `tests/whisper_tiny.py` makes tiny models with a one-token-per-word vocabulary
(and weights wired to hear one word); `bench/speed_worker.py` makes tiny/base/small with the real
vocabulary size and token ids. Both need Whisper's special tokens in Whisper's order after the text
tokens, a config and a generation config that `generate(language="sv")` accepts, and the processor
files beside the weights, so the product loads them like any fine-tuned checkpoint.

Tests and benchmarks may import this; the product packages must not (STYLE.md, habit 12).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from transformers import (
    GenerationConfig,
    WhisperConfig,
    WhisperFeatureExtractor,
    WhisperForConditionalGeneration,
    WhisperProcessor,
    WhisperTokenizer,
)
from transformers.convert_slow_tokenizer import bytes_to_unicode
from transformers.models.whisper.tokenization_whisper import LANGUAGES

# The 99 languages of whisper-tiny … large-v2, in Whisper's order; "yue" came with large-v3.
WHISPER_LANGUAGES: tuple[str, ...] = tuple(code for code in LANGUAGES if code != "yue")

# After the language tokens, as in openai/whisper's tokenizer. `<|notimestamps|>` must stay the
# last special token: transformers and CTranslate2 treat every id above it as a timestamp.
TASK_AND_CONTROL_TOKENS: tuple[str, ...] = (
    "<|translate|>",
    "<|transcribe|>",
    "<|startoflm|>",
    "<|startofprev|>",
    "<|nospeech|>",
    "<|notimestamps|>",
)
SPECIAL_TOKENS: tuple[str, ...] = (
    "<|endoftext|>",
    "<|startoftranscript|>",
    *(f"<|{code}|>" for code in WHISPER_LANGUAGES),
    *TASK_AND_CONTROL_TOKENS,
)

SAMPLING_RATE = 16_000
N_MELS = 80


def byte_vocab() -> dict[str, int]:
    """The 256 byte tokens of a byte-level BPE (GPT-2's byte-to-character table), ids 0..255."""
    return {char: index for index, char in enumerate(bytes_to_unicode().values())}


def byte_chars(text: str) -> list[str]:
    """`text` as the byte-level BPE's characters: one per UTF-8 byte (å is two)."""
    byte_to_char = bytes_to_unicode()
    return [byte_to_char[byte] for byte in text.encode("utf-8")]


def whisper_tokenizer(
    text_vocab: dict[str, int],
    merges: Sequence[tuple[str, str]] = (),
    timestamps: int = 0,
) -> WhisperTokenizer:
    """A Whisper tokenizer: `text_vocab`, then `SPECIAL_TOKENS`, then `timestamps` timestamps.

    The timestamps (`<|0.00|>`, `<|0.02|>`, …) are plain vocabulary, not special: transformers
    counts every id above the last special id as a timestamp. <|endoftext|> is the named
    bos/eos/unk token; listing the rest as extra special tokens in id order keeps
    `all_special_ids[-1]` == <|notimestamps|>, which timestamp decoding relies on.
    """
    vocab = dict(text_vocab)
    for token in SPECIAL_TOKENS:
        vocab[token] = len(vocab)
    for step in range(timestamps):
        vocab[f"<|{step * 0.02:.2f}|>"] = len(vocab)
    return WhisperTokenizer(
        vocab=vocab, merges=list(merges), extra_special_tokens=list(SPECIAL_TOKENS[1:])
    )


def whisper_config(
    tokenizer: WhisperTokenizer,
    *,
    d_model: int,
    layers: int,
    heads: int,
    ffn_dim: int,
    window_seconds: int,
    max_target_positions: int,
    **overrides: object,
) -> WhisperConfig:
    """A Whisper config for `tokenizer`'s ids, `layers` encoder and decoder layers each.

    The encoder hears `window_seconds` (50 positions a second after the conv stride); the
    special ids come from the tokenizer, so a vocabulary of any size works.
    """
    ids = tokenizer.convert_tokens_to_ids
    eot_id = ids("<|endoftext|>")
    return WhisperConfig(
        vocab_size=len(tokenizer),
        num_mel_bins=N_MELS,
        d_model=d_model,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=ffn_dim,
        decoder_ffn_dim=ffn_dim,
        max_source_positions=50 * window_seconds,
        max_target_positions=max_target_positions,
        decoder_start_token_id=ids("<|startoftranscript|>"),
        bos_token_id=eot_id,
        eos_token_id=eot_id,
        pad_token_id=eot_id,
        # Whisper suppresses a leading blank ("Ġ", 220 in every byte-level vocabulary) and EOT.
        begin_suppress_tokens=[ids("Ġ"), eot_id],
        suppress_tokens=[],
        **overrides,
    )


def generation_config(
    tokenizer: WhisperTokenizer, config: WhisperConfig, outdated: bool = False
) -> GenerationConfig:
    """The generation config `generate(language="sv", task="transcribe")` needs.

    `outdated` leaves out what configs from the 2022 fine-tuning recipe lack
    (`asr.backends.repair_generation_config`): `generate(language=...)` then raises "The
    generation config is outdated".
    """
    ids = tokenizer.convert_tokens_to_ids
    fields: dict[str, object] = {
        "decoder_start_token_id": config.decoder_start_token_id,
        "bos_token_id": config.bos_token_id,
        "eos_token_id": config.eos_token_id,
        "pad_token_id": config.pad_token_id,
        "max_length": config.max_target_positions,
        "suppress_tokens": list(config.suppress_tokens),
        "begin_suppress_tokens": list(config.begin_suppress_tokens),
    }
    if not outdated:
        fields |= {
            "is_multilingual": True,
            "lang_to_id": {f"<|{code}|>": ids(f"<|{code}|>") for code in WHISPER_LANGUAGES},
            "task_to_id": {task: ids(f"<|{task}|>") for task in ("transcribe", "translate")},
            "no_timestamps_token_id": ids("<|notimestamps|>"),
            "prev_sot_token_id": ids("<|startofprev|>"),
        }
    generation = GenerationConfig(**fields)
    # Otherwise `from_pretrained` rebuilds the generation config from config.json and drops
    # lang_to_id and friends.
    generation._from_model_config = False
    return generation


def random_model(config: WhisperConfig, seed: int = 0) -> WhisperForConditionalGeneration:
    """A Whisper model with random weights from `seed`, in eval mode."""
    torch.manual_seed(seed)
    return WhisperForConditionalGeneration(config).eval()


def save_checkpoint(
    model: WhisperForConditionalGeneration,
    tokenizer: WhisperTokenizer,
    generation: GenerationConfig,
    window_seconds: int,
    out_dir: Path,
) -> Path:
    """Save model, generation config, tokenizer and feature extractor in `out_dir`; return it.

    The feature extractor's `chunk_length` is the encoder window, so audio is padded to what the
    model hears, not to 30 s.
    """
    out_dir = Path(out_dir)
    model.generation_config = generation
    model.save_pretrained(out_dir)
    extractor = WhisperFeatureExtractor(
        feature_size=N_MELS,
        sampling_rate=SAMPLING_RATE,
        hop_length=160,
        chunk_length=window_seconds,
    )
    WhisperProcessor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(out_dir)
    return out_dir
