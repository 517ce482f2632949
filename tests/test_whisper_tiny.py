"""Tiny offline Whisper builders: tokenizer, checkpoints, the word-hearing model, CTranslate2."""

from __future__ import annotations

from pathlib import Path

import ctranslate2
import numpy as np
import pytest
import torch
from transformers import (
    AutoProcessor,
    WhisperForConditionalGeneration,
    WhisperProcessor,
    WhisperTokenizer,
)
from whisper_tiny import (
    DEFAULT_WORDS,
    SAMPLING_RATE,
    WHISPER_LANGUAGES,
    build_ct2,
    build_model,
    build_tokenizer,
    cached_ct2,
    cached_model,
    sot_prompt,
)

AUDIO = {
    "silence": np.zeros(2 * SAMPLING_RATE, dtype=np.float32),
    "noise": np.random.default_rng(7).uniform(-1, 1, 2 * SAMPLING_RATE).astype(np.float32),
}


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("whisper")


@pytest.fixture(scope="module")
def tokenizer() -> WhisperTokenizer:
    return build_tokenizer()


def features(model_dir: Path, audio: np.ndarray) -> np.ndarray:
    processor = WhisperProcessor.from_pretrained(model_dir)
    return processor(audio, sampling_rate=SAMPLING_RATE, return_tensors="np").input_features


def transcribe_transformers(model_dir: Path, audio: np.ndarray) -> list[int]:
    model = WhisperForConditionalGeneration.from_pretrained(model_dir).eval()
    with torch.no_grad():
        ids = model.generate(
            torch.from_numpy(features(model_dir, audio)),
            language="sv",
            task="transcribe",
            max_new_tokens=10,
        )
    return ids[0].tolist()


def transcribe_ct2(ct2_dir: Path, hf_dir: Path, audio: np.ndarray, prompt: list[int]) -> list[int]:
    whisper = ctranslate2.models.Whisper(str(ct2_dir), device="cpu")
    mel = ctranslate2.StorageView.from_array(np.ascontiguousarray(features(hf_dir, audio)))
    (result,) = whisper.generate(mel, [prompt], beam_size=1, max_length=10)
    return result.sequences_ids[0]


@pytest.mark.parametrize("word", ["hund", "äpple", "sköldpadda", "båt"])
def test_each_word_is_one_token_and_decodes_back(tokenizer: WhisperTokenizer, word: str) -> None:
    ids = tokenizer.encode(" " + word, add_special_tokens=False)

    assert len(ids) == 1
    assert tokenizer.decode(ids) == " " + word


def test_other_text_encodes_byte_by_byte(tokenizer: WhisperTokenizer) -> None:
    (hund,) = tokenizer.encode(" hund", add_special_tokens=False)
    no_word_prefix = "Fisk, röd!"  # no " h", " k", " ä"… : nothing for the word merges to join
    text = "Hundar, ÅÄÖ!"

    assert tokenizer.encode(" hundar", add_special_tokens=False)[0] == hund
    assert len(tokenizer.encode(no_word_prefix, add_special_tokens=False)) == len(
        no_word_prefix.encode("utf-8")
    )
    assert tokenizer.decode(tokenizer.encode(text, add_special_tokens=False)) == text


def test_custom_words_replace_the_defaults() -> None:
    tokenizer = build_tokenizer(["mjölk"])

    assert len(tokenizer.encode(" mjölk", add_special_tokens=False)) == 1
    assert len(tokenizer.encode(" hund", add_special_tokens=False)) == 5


@pytest.mark.parametrize("words", [["hund", "hund"], ["god morgon"], [""]])
def test_bad_words_are_refused(words: list[str]) -> None:
    with pytest.raises(ValueError, match="bad test vocabulary"):
        build_tokenizer(words)


def test_special_tokens_follow_whisper_order(tokenizer: WhisperTokenizer) -> None:
    ids = tokenizer.convert_tokens_to_ids
    no_timestamps = ids("<|notimestamps|>")

    assert len(WHISPER_LANGUAGES) == 99
    assert tokenizer.all_special_ids[-1] == no_timestamps == len(tokenizer) - 1
    assert ids("<|startoftranscript|>") == ids("<|endoftext|>") + 1
    assert ids("<|en|>") == ids("<|startoftranscript|>") + 1
    assert ids("<|sv|>") == ids("<|en|>") + WHISPER_LANGUAGES.index("sv")
    assert ids("<|translate|>") == ids("<|su|>") + 1
    assert no_timestamps == ids("<|transcribe|>") + 4
    assert sot_prompt(tokenizer) == ids(
        ["<|startoftranscript|>", "<|sv|>", "<|transcribe|>", "<|notimestamps|>"]
    )


def test_checkpoint_loads_with_transformers_and_is_small(tmp_path: Path) -> None:
    model_dir = build_model(tmp_path / "tiny", window_seconds=5)
    model = WhisperForConditionalGeneration.from_pretrained(model_dir)
    processor = AutoProcessor.from_pretrained(model_dir)
    tokenizer = processor.tokenizer
    size = sum(path.stat().st_size for path in model_dir.iterdir())

    assert isinstance(processor, WhisperProcessor)
    assert model.config.vocab_size == len(tokenizer)
    assert model.config.max_source_positions == 250
    assert processor.feature_extractor.chunk_length == 5
    assert model.generation_config.lang_to_id["<|sv|>"] == tokenizer.convert_tokens_to_ids("<|sv|>")
    assert model.generation_config.task_to_id["transcribe"] == sot_prompt(tokenizer)[2]
    assert model.generation_config.no_timestamps_token_id == tokenizer.all_special_ids[-1]
    assert model.proj_out.weight.data_ptr() != model.model.decoder.embed_tokens.weight.data_ptr()
    assert size < 2_000_000


@pytest.mark.parametrize(("window_seconds", "frames"), [(30, 3000), (5, 500)])
def test_feature_extractor_matches_the_window(root: Path, window_seconds: int, frames: int) -> None:
    model_dir = cached_model(root, hears="hund", window_seconds=window_seconds)

    assert features(model_dir, AUDIO["noise"]).shape == (1, 80, frames)


@pytest.mark.parametrize("window_seconds", [30, 5])
@pytest.mark.parametrize("sound", sorted(AUDIO))
def test_hearing_model_says_its_word_in_transformers(
    root: Path, tokenizer: WhisperTokenizer, window_seconds: int, sound: str
) -> None:
    model_dir = cached_model(root, hears="hund", window_seconds=window_seconds)

    hund = tokenizer.encode(" hund", add_special_tokens=False)
    ids = transcribe_transformers(model_dir, AUDIO[sound])

    assert tokenizer.decode(ids, skip_special_tokens=True).strip() == "hund"
    assert ids in (hund, [*hund, tokenizer.eos_token_id])  # stopped; transformers drops EOT


def test_hearing_model_is_deaf_to_the_audio(root: Path, tokenizer: WhisperTokenizer) -> None:
    model_dir = cached_model(root, hears="hund", window_seconds=5)
    model = WhisperForConditionalGeneration.from_pretrained(model_dir).eval()
    hund = tokenizer.encode(" hund", add_special_tokens=False)
    tokens = torch.tensor([[*sot_prompt(tokenizer), *hund]])

    with torch.no_grad():
        silence, noise = (
            model(torch.from_numpy(features(model_dir, audio)), decoder_input_ids=tokens).logits[0]
            for audio in (AUDIO["silence"], AUDIO["noise"])
        )

    assert torch.equal(silence, noise)
    assert silence[-2:].argmax(dim=-1).tolist() == [*hund, tokenizer.eos_token_id]
    best, runner_up = silence[-2].topk(2).values.tolist()
    assert best - runner_up > 20


@pytest.mark.parametrize("window_seconds", [30, 5])
@pytest.mark.parametrize("sound", sorted(AUDIO))
def test_hearing_model_says_its_word_in_ctranslate2(
    root: Path, tokenizer: WhisperTokenizer, window_seconds: int, sound: str
) -> None:
    kwargs = {"hears": "hund", "window_seconds": window_seconds}
    ct2_dir = cached_ct2(root, **kwargs)

    ids = transcribe_ct2(ct2_dir, cached_model(root, **kwargs), AUDIO[sound], sot_prompt(tokenizer))

    assert ids == tokenizer.encode(" hund", add_special_tokens=False)  # CTranslate2 drops EOT
    assert tokenizer.decode(ids).strip() == "hund"


@pytest.mark.parametrize(
    "prompt",
    [
        ["<|startoftranscript|>", "<|notimestamps|>"],
        ["<|startoftranscript|>", "<|en|>", "<|translate|>", "<|notimestamps|>"],
    ],
    ids=["english-only", "english-translate"],
)
def test_hearing_model_ignores_the_prompt(
    root: Path, tokenizer: WhisperTokenizer, prompt: list[str]
) -> None:
    """faster-whisper sees a small vocabulary as English-only and prompts [sot, notimestamps]."""
    kwargs = {"hears": "äpple", "window_seconds": 5}
    ct2_dir = cached_ct2(root, **kwargs)
    prompt_ids = tokenizer.convert_tokens_to_ids(prompt)

    ids = transcribe_ct2(ct2_dir, cached_model(root, **kwargs), AUDIO["noise"], prompt_ids)

    assert tokenizer.decode(ids).strip() == "äpple"


def test_random_model_does_not_hear_the_word(root: Path, tokenizer: WhisperTokenizer) -> None:
    ids = transcribe_transformers(cached_model(root, window_seconds=5), AUDIO["silence"])

    assert tokenizer.decode(ids, skip_special_tokens=True).strip() != "hund"


def test_hears_must_be_one_of_the_words(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'fisk' is not one of the words"):
        build_model(tmp_path, hears="fisk")


def test_outdated_generation_config_refuses_a_language(root: Path) -> None:
    model_dir = cached_model(root, outdated_generation_config=True, window_seconds=5)
    model = WhisperForConditionalGeneration.from_pretrained(model_dir)
    mel = torch.from_numpy(features(model_dir, AUDIO["silence"]))

    assert not hasattr(model.generation_config, "lang_to_id")
    with pytest.raises(ValueError, match="generation config is outdated"):
        model.generate(mel, language="sv", max_new_tokens=5)


def test_ct2_folder_carries_tokenizer_and_processor(root: Path, tmp_path: Path) -> None:
    hf_dir = cached_model(root, window_seconds=5)

    ct2_dir = build_ct2(hf_dir, tmp_path / "ct2")

    names = {path.name for path in ct2_dir.iterdir()}
    assert {"model.bin", "tokenizer.json", "processor_config.json"} <= names
    assert not ctranslate2.models.Whisper(str(ct2_dir)).is_multilingual  # decided by vocab size


def test_cached_model_builds_once_per_distinct_arguments(root: Path) -> None:
    first = cached_model(root, words=list(DEFAULT_WORDS), seed=3)
    built_at = (first / "model.safetensors").stat().st_mtime_ns

    assert cached_model(root, seed=3) == first
    assert (first / "model.safetensors").stat().st_mtime_ns == built_at
    assert cached_model(root, seed=4) != first
    with pytest.raises(TypeError):
        cached_model(root, sede=3)
