"""Tiny offline Whisper checkpoints for tests: built in memory, saved in about a second.

Nothing here touches the model hub. The tokenizer is a byte-level BPE with one token per test word
(" hund" is one id) and Whisper's special tokens in Whisper's order, so prompts, language codes and
timestamp arithmetic behave as they do for real checkpoints. `build_model(..., hears="hund")` wires
the weights so the model says " hund" for any audio, on transformers and on CTranslate2 alike.

Import it from tests as `from whisper_tiny import ...` (pytest puts `tests/` on `sys.path`).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import ctranslate2
import torch
from transformers import WhisperForConditionalGeneration, WhisperTokenizer

# What these checkpoints share with the speed benchmark's (bench/checkpoints.py). The two
# `X as X` names are re-exported: tests import them from here.
from bench.checkpoints import SAMPLING_RATE as SAMPLING_RATE
from bench.checkpoints import WHISPER_LANGUAGES as WHISPER_LANGUAGES
from bench.checkpoints import (
    byte_chars,
    byte_vocab,
    generation_config,
    random_model,
    save_checkpoint,
    whisper_config,
    whisper_tokenizer,
)

logger = logging.getLogger(__name__)

DEFAULT_WORDS: tuple[str, ...] = (
    "hund",
    "katt",
    "äpple",
    "häst",
    "sköldpadda",
    "båt",
    "hus",
    "bil",
    "ko",
    "jordgubbe",
    "tack",
    "hej",
)

MAX_TARGET_POSITIONS = 64
# How far the wired model's chosen token outscores the rest (logit units, before softmax).
_HEARING_SCALE = 10.0


def _check_words(words: Sequence[str]) -> None:
    problems = [
        f"{word!r}: a word must be non-empty and contain no whitespace"
        for word in words
        if not word or word != "".join(word.split())
    ]
    duplicates = sorted({word for word in words if list(words).count(word) > 1})
    if duplicates:
        problems.append(f"duplicate words: {duplicates}")
    if problems:
        raise ValueError("bad test vocabulary: " + "; ".join(problems))


def build_tokenizer(words: Sequence[str] = DEFAULT_WORDS) -> WhisperTokenizer:
    """A Whisper tokenizer with a tiny byte-level BPE vocabulary.

    Ids: the 256 byte tokens (GPT-2's byte-to-character table), then for each word the chain of
    merges that builds it with a leading space ("Ġh", "Ġhu", "Ġhun", "Ġhund"; å/ä/ö as the
    characters of their UTF-8 bytes), then `bench.checkpoints.SPECIAL_TOKENS` with
    `<|notimestamps|>` as the last id. `encode(" hund", add_special_tokens=False)` is one id; any
    other text still encodes, byte by byte except where a word's prefix matches (" hundar" is
    " hund", "a", "r"; " Åre" starts with the "Ġ" + first byte of "å" merge).
    """
    _check_words(words)
    vocab = byte_vocab()
    merges: list[tuple[str, str]] = []
    for word in words:
        chars = byte_chars(" " + word)
        prefix = chars[0]
        for char in chars[1:]:
            if (prefix, char) not in merges:
                merges.append((prefix, char))
            prefix += char
            vocab.setdefault(prefix, len(vocab))
    return whisper_tokenizer(vocab, merges)


def sot_prompt(tokenizer: WhisperTokenizer, language: str = "sv") -> list[int]:
    """The decoder prompt `<|startoftranscript|><|{language}|><|transcribe|><|notimestamps|>`."""
    tokens = ["<|startoftranscript|>", f"<|{language}|>", "<|transcribe|>", "<|notimestamps|>"]
    return tokenizer.convert_tokens_to_ids(tokens)


def _wire_to_hear(model: WhisperForConditionalGeneration, word_id: int, eot_id: int,
                  loops: bool = False, loops_below: float = 0.0) -> None:  # fmt: skip
    """Set weights so the decoder predicts `word_id` after any other token, and EOT after it
    (with `loops`, the word again: a decoding loop, "hund hund hund ...", to the token cap).

    Every decoder layer's residual branches are zeroed (self- and cross-attention output
    projections, fc2: weights and biases), so each layer passes its input through unchanged and
    the audio cannot reach the output. The positional embeddings are zeroed too, so the final
    hidden state after token t is LayerNorm(embed_tokens[t]) whatever the position. Every token
    embeds to one zero-mean direction `to_word`, the word itself to an orthogonal `to_eot`; the
    final LayerNorm (weight 1, bias 0) keeps their directions, and the untied output projection
    has only two non-zero rows: the word's along `to_word`, EOT's along `to_eot`. The chosen
    token then leads every other by ~57 logits. Keying on the previous token rather than on a
    position makes it independent of the prompt: 4 tokens (sot, sv, transcribe, notimestamps),
    faster-whisper's English-only [sot, notimestamps], or a `prompt_ids` prefix all work.
    """
    decoder = model.model.decoder
    d_model = model.config.d_model
    to_word = torch.zeros(d_model)
    to_word[0], to_word[1] = 1.0, -1.0
    to_eot = torch.zeros(d_model)
    to_eot[2], to_eot[3] = 1.0, -1.0
    with torch.no_grad():
        for layer in decoder.layers:
            for linear in (layer.self_attn.out_proj, layer.encoder_attn.out_proj, layer.fc2):
                linear.weight.zero_()
                linear.bias.zero_()
        decoder.embed_positions.weight.zero_()
        decoder.embed_tokens.weight.copy_(to_word.expand_as(decoder.embed_tokens.weight))
        if not loops:
            decoder.embed_tokens.weight[word_id] = to_eot
        decoder.layer_norm.weight.fill_(1.0)
        decoder.layer_norm.bias.zero_()
        model.proj_out.weight.zero_()
        model.proj_out.weight[word_id] = _HEARING_SCALE * to_word
        model.proj_out.weight[eot_id] = _HEARING_SCALE * to_eot
    if loops_below:
        _wire_window(model, to_word, to_eot, loops_below)
        with torch.no_grad():
            decoder.embed_tokens.weight[word_id] = to_word + to_eot  # the window tips it


def _wire_no_speech(model: WhisperForConditionalGeneration, tokenizer: WhisperTokenizer) -> None:
    """<|startoftranscript|> embeds to its own direction, which only the no-speech token's output
    row reads: the first step's distribution is all no-speech, and every later step (after the
    prompt's other tokens) is as `_wire_to_hear` left it."""
    start, silent = tokenizer.convert_tokens_to_ids(["<|startoftranscript|>", "<|nospeech|>"])
    to_silence = torch.zeros(model.config.d_model)
    to_silence[8], to_silence[9] = 1.0, -1.0
    with torch.no_grad():
        model.model.decoder.embed_tokens.weight[start] = to_silence
        model.proj_out.weight[silent] = _HEARING_SCALE * to_silence


def _wire_window(model: WhisperForConditionalGeneration, to_word: torch.Tensor,
                 to_eot: torch.Tensor, seconds: float) -> None:  # fmt: skip
    """Let the encoder window tip the decoder after the word: the word again (a loop) when
    the window is at most `seconds`, EOT when it is longer.

    The encoder ignores the audio (convolutions and residual branches zeroed): its output at
    position p is its positional embedding, `short` for the first `50 * seconds` positions and
    `long` after them. Cross-attention has zero queries, so it attends evenly and adds the mean
    over the window: `to_word` from a window of `short` positions only, mostly `to_eot` from a
    30 s window (2/3 of it `long`). The word's own embedding is `to_word + to_eot`, so that mean
    decides; after any other token (`to_word`) the word still wins at every window.
    """
    encoder, d_model = model.model.encoder, model.config.d_model
    short, long = torch.zeros(d_model), torch.zeros(d_model)
    short[4], short[5] = 1.0, -1.0
    long[6], long[7] = 1.0, -1.0
    norm = float(torch.nn.functional.layer_norm(short, (d_model,))[4])  # the encoder's LayerNorm
    with torch.no_grad():
        for conv in (encoder.conv1, encoder.conv2):
            conv.weight.zero_()
            conv.bias.zero_()
        for layer in encoder.layers:
            for linear in (layer.self_attn.out_proj, layer.fc2):
                linear.weight.zero_()
                linear.bias.zero_()
        edge = int(50 * seconds)
        encoder.embed_positions.weight[:edge] = short
        encoder.embed_positions.weight[edge:] = long
        encoder.layer_norm.weight.fill_(1.0)
        encoder.layer_norm.bias.zero_()
        for layer in model.model.decoder.layers:
            attention = layer.encoder_attn
            attention.q_proj.weight.zero_()
            attention.q_proj.bias.zero_()
            attention.v_proj.weight.copy_(torch.eye(d_model))
            attention.v_proj.bias.zero_()
            scale = 1.0 / (2 * norm * len(model.model.decoder.layers))
            attention.out_proj.weight.copy_(
                scale * (torch.outer(to_word, short) + torch.outer(to_eot, long))
            )
            attention.out_proj.bias.zero_()


def build_model(
    out_dir: Path,
    *,
    words: Sequence[str] = DEFAULT_WORDS,
    hears: str | None = None,
    window_seconds: int = 30,
    d_model: int = 16,
    layers: int = 1,
    outdated_generation_config: bool = False,
    seed: int = 0,
    loops: bool = False,
    loops_below: float = 0.0,
    any_window: bool = False,
    no_speech: bool = False,
) -> Path:
    """Save a tiny Whisper checkpoint (model, tokenizer, feature extractor) in `out_dir`.

    Sizes follow transformers' `WhisperModelTester`: d_model 16, `layers` encoder and decoder
    layers, 2 heads, ffn 2 * d_model, 80 mel bins, 64 decoder positions, and an encoder window of
    `window_seconds` (`max_source_positions = 50 * window_seconds`, feature extractor
    `chunk_length = window_seconds`). Weights are random from `seed`, except with `hears`: then
    the model outputs " {hears}" and `<|endoftext|>` for any audio (see `_wire_to_hear`).
    `outdated_generation_config` saves a generation config without `lang_to_id`, `task_to_id`,
    `is_multilingual` and `no_timestamps_token_id`, as 2022-era fine-tunes have:
    `generate(..., language="sv")` then raises "The generation config is outdated". With
    `loops` (and `hears`), the model says the word over and over instead of stopping; with
    `loops_below` (seconds, and `hears`), it does so only at encoder windows of at most that many
    seconds, and stops after the word at the full window (`_wire_window`). `any_window` marks the
    config as trained for any encoder window (`asr.window.ANY_WINDOW_KEY`). `no_speech` (with
    `hears`) makes the model sure there is no speech at the start of its transcript (its
    no-speech token takes the first step after <|startoftranscript|>), though it still says the
    word after the prompt: what Whisper does on a cough it then transcribes.
    Returns `out_dir`.
    """
    started = time.perf_counter()
    words = tuple(words)
    if hears is not None and hears not in words:
        raise ValueError(f"hears={hears!r} is not one of the words {list(words)}")
    if window_seconds < 1 or window_seconds > 30:
        raise ValueError(f"window_seconds={window_seconds} must be between 1 and 30")
    tokenizer = build_tokenizer(words)
    eot_id = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    config = whisper_config(
        tokenizer,
        d_model=d_model,
        layers=layers,
        heads=2,
        ffn_dim=2 * d_model,
        window_seconds=window_seconds,
        max_target_positions=MAX_TARGET_POSITIONS,
        scale_embedding=False,
        tie_word_embeddings=False,  # `_wire_to_hear` sets the output rows apart from the inputs
    )
    model = random_model(config, seed)
    if hears is not None:
        (word_id,) = tokenizer.encode(" " + hears, add_special_tokens=False)
        _wire_to_hear(model, word_id, eot_id, loops, loops_below)
        if no_speech:
            _wire_no_speech(model, tokenizer)
    generation = generation_config(tokenizer, config, outdated_generation_config)
    if any_window:
        config.any_audio_window = True  # asr.window.ANY_WINDOW_KEY
    save_checkpoint(model, tokenizer, generation, window_seconds, out_dir)
    logger.debug("built %s in %.2f s", out_dir, time.perf_counter() - started)
    return Path(out_dir)


# Tokenizer and feature-extractor files a CTranslate2 model folder needs beside model.bin.
_CT2_COPY_CANDIDATES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.json",
    "merges.txt",
    "special_tokens_map.json",
    "added_tokens.json",
    "normalizer.json",
    "preprocessor_config.json",
    "processor_config.json",
)


def build_ct2(hf_dir: Path, out_dir: Path, quantization: str = "int8") -> Path:
    """Convert the transformers checkpoint in `hf_dir` to CTranslate2 in `out_dir`; return it.

    The tokenizer and processor files that exist are copied along (transformers 5 writes
    `processor_config.json`, not `preprocessor_config.json`). The result is loaded once with
    `ctranslate2.models.Whisper` so a broken conversion fails here, not in the test using it.
    """
    hf_dir = Path(hf_dir)
    copy_files = [name for name in _CT2_COPY_CANDIDATES if (hf_dir / name).exists()]
    converter = ctranslate2.converters.TransformersConverter(str(hf_dir), copy_files=copy_files)
    converter.convert(str(out_dir), quantization=quantization, force=True)
    ctranslate2.models.Whisper(str(out_dir), device="cpu")
    return Path(out_dir)


def _cache_dir(tmp_root: Path, prefix: str, arguments: dict[str, object]) -> Path:
    key = json.dumps(arguments, sort_keys=True, default=list)
    return Path(tmp_root) / f"{prefix}-{hashlib.sha1(key.encode()).hexdigest()[:12]}"


def _build_once(target: Path, build: Callable[[Path], object]) -> Path:
    if target.exists():
        return target
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    build(partial)
    partial.rename(target)
    return target


def cached_model(tmp_root: Path, **kwargs: object) -> Path:
    """`build_model(**kwargs)` into `tmp_root`, built once per distinct arguments.

    Pass a session-scoped directory (`tmp_path_factory.mktemp("whisper")`). Defaults count: the
    same checkpoint comes back for `cached_model(root)` and `cached_model(root, seed=0)`. Treat
    the folder as read-only; it is shared by every test asking for the same arguments.
    """
    bound = inspect.signature(build_model).bind(Path(), **kwargs)
    bound.apply_defaults()
    arguments = {name: value for name, value in bound.arguments.items() if name != "out_dir"}
    target = _cache_dir(tmp_root, "hf", arguments)
    return _build_once(target, lambda path: build_model(path, **kwargs))


def cached_ct2(tmp_root: Path, quantization: str = "int8", **kwargs: object) -> Path:
    """`build_ct2` of `cached_model(tmp_root, **kwargs)`, converted once per distinct arguments."""
    hf_dir = cached_model(tmp_root, **kwargs)
    target = hf_dir.with_name(f"{hf_dir.name}-ct2-{quantization}")
    return _build_once(target, lambda path: build_ct2(hf_dir, path, quantization))
