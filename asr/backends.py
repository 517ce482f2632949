"""Two ways to run Whisper: transformers (PyTorch) and CTranslate2. Both decode exactly once.

Every call is Swedish, task transcribe, greedy, no timestamps and a small token limit: a one-word
answer needs a handful of tokens, and a loop ("hund hund hund ...") stops early. transformers'
`generate` would otherwise run a seek loop and a temperature fallback that re-run the encoder
(measured here: up to 5 encoder passes on one clip); `force_unique_generate_call` shuts both off.
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from asr import models
from asr.errors import ModelLoadError
from asr.window import LOGPROB_FLOOR, answer_window, model_floor, needs_full_window

log = logging.getLogger(__name__)

LANGUAGE = "sv"
PROMPT_TOKENS = ("<|startoftranscript|>", f"<|{LANGUAGE}|>", "<|transcribe|>", "<|notimestamps|>")


@dataclass(frozen=True)
class Decoded:
    text: str
    tokens: int
    """How many tokens were generated (without the prompt)."""
    hit_limit: bool
    """The token limit stopped decoding: the text may end in a loop or a cut word."""
    window: float = 0.0
    """The encoder window it was decoded at, in seconds (0: not said)."""
    avg_logprob: float | None = None
    """The model's mean log-probability per generated token, where the backend gives it."""
    no_speech_prob: float | None = None
    """The model's probability of its no-speech token at the start of the transcript (Whisper's
    own no-speech detection), where the backend gives it."""


class Backend(Protocol):
    name: str
    device: str
    precision: str
    window_seconds: float

    def decode(self, batch: list[np.ndarray]) -> list[Decoded]: ...


def _feature_extractor(path: Path, window_seconds: float | None, n_mels: int | None):
    """The checkpoint's feature extractor, with its window set to the encoder's."""
    from transformers import WhisperFeatureExtractor

    try:
        extractor = WhisperFeatureExtractor.from_pretrained(str(path))
    except (OSError, ValueError):
        extractor = WhisperFeatureExtractor(feature_size=n_mels or 80)
    if n_mels and extractor.feature_size != n_mels:
        extractor = WhisperFeatureExtractor(feature_size=n_mels)
    if window_seconds and int(window_seconds) != extractor.chunk_length:
        extractor = WhisperFeatureExtractor(
            feature_size=extractor.feature_size, chunk_length=int(window_seconds)
        )
    return extractor


def repair_generation_config(generation_config, tokenizer) -> bool:
    """Give an outdated generation config (2022-era fine-tunes) what `language=` needs.

    Such configs lack `lang_to_id`, and `generate(language="sv")` then raises "The generation
    config is outdated". The ids come from the tokenizer: the language tokens are the special
    tokens between <|startoftranscript|> and <|translate|>. Returns True if anything changed.
    """
    if getattr(generation_config, "lang_to_id", None) and getattr(
        generation_config, "task_to_id", None
    ):
        return False
    vocab = tokenizer.get_vocab()
    start, end = vocab["<|startoftranscript|>"], vocab["<|translate|>"]
    generation_config.lang_to_id = {t: i for t, i in vocab.items() if start < i < end}
    generation_config.task_to_id = {"translate": end, "transcribe": vocab["<|transcribe|>"]}
    generation_config.no_timestamps_token_id = vocab["<|notimestamps|>"]
    generation_config.decoder_start_token_id = start
    generation_config.is_multilingual = True
    generation_config.forced_decoder_ids = None
    generation_config._from_model_config = False
    log.info(
        "repaired an outdated generation config (%d languages)", len(generation_config.lang_to_id)
    )
    return True


class _AnswerWindow:
    """Decoding at the answer window (`asr.window`), with the guard: a clip whose decode loops
    or is unlikely at a short window is decoded again at the model's full window. `guard`
    counts clips decoded at a short window ("short") and those decoded again ("again")."""

    window_seconds: float
    window_floor: float
    guard: Counter[str]
    # The guard's floor on the mean log-probability; None checks loops only (the benchmarks'
    # random weights, whose every decode is unlikely).
    unlikely_below: float | None = LOGPROB_FLOOR

    def _decode(self, batch: list[np.ndarray], window: float) -> list[Decoded]:
        raise NotImplementedError

    def decode(self, batch: list[np.ndarray]) -> list[Decoded]:
        longest = max(len(clip) for clip in batch) / 16_000
        window = answer_window(longest, self.window_seconds, self.window_floor)
        results = self._decode(batch, window)
        if window >= self.window_seconds:
            return results
        self.guard["short"] += len(batch)
        again = [i for i, r in enumerate(results)
                 if needs_full_window(r.text, r.avg_logprob, self.unlikely_below)]  # fmt: skip
        if again:
            self.guard["again"] += len(again)
            log.info("%d of %d decoded again at %.0f s (looped or unlikely at %.0f s)",
                     len(again), len(batch), self.window_seconds, window)  # fmt: skip
            redone = self._decode([batch[i] for i in again], self.window_seconds)
            for i, result in zip(again, redone, strict=True):
                results[i] = result
        return results


def encode_at_window(encoder, features):
    """A Whisper encoder's states for `features` of any length up to its window: transformers'
    own encoder at the full window; below it, the encoder's own layers with the positional
    embeddings of the positions there are (transformers' encoder refuses any length but the full
    window). A test holds the two equal at the full window. `train --any-window` trains with it.
    """
    import torch
    from transformers.modeling_outputs import BaseModelOutput

    if features.shape[-1] >= encoder.config.max_source_positions * 2:
        return BaseModelOutput(last_hidden_state=encoder(features).last_hidden_state)
    gelu = torch.nn.functional.gelu
    hidden = gelu(encoder.conv2(gelu(encoder.conv1(features)))).permute(0, 2, 1)
    hidden = hidden + encoder.embed_positions.weight[: hidden.shape[1]]
    for layer in encoder.layers:
        hidden = layer(hidden, None)
        if isinstance(hidden, tuple):  # older transformers return (states, attentions)
            hidden = hidden[0]
    return BaseModelOutput(last_hidden_state=encoder.layer_norm(hidden))


class TransformersBackend(_AnswerWindow):
    """Whisper on PyTorch: fp16 on a GPU; fp32, bf16 or dynamic int8 on a CPU.

    bf16 halves the weights and, on CPUs with native bf16 units (AMX, AVX-512 BF16), runs the
    matrix products there through oneDNN; the features are cast to the model's dtype.
    """

    name = "transformers"

    def __init__(self, model: str, device: str, precision: str, max_new_tokens: int,
                 window_floor: float = 0.0) -> None:  # fmt: skip
        import torch
        from transformers import WhisperForConditionalGeneration, WhisperTokenizer

        path = models.hf_dir(model)
        self.device = device
        self.precision = precision
        self.max_new_tokens = max_new_tokens
        dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(precision, torch.float32)
        try:
            self.model = WhisperForConditionalGeneration.from_pretrained(str(path), dtype=dtype)
            self.tokenizer = WhisperTokenizer.from_pretrained(str(path))
        except (OSError, ValueError) as e:
            raise ModelLoadError(f"Could not load the Whisper checkpoint in {path}: {e}") from e
        self.model.eval().to(device)
        if precision == "int8":
            # torch.ao's dynamic quantisation is deprecated in favour of torchao but still the one
            # int8 path without another dependency; CTranslate2 is the recommended int8 backend.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", UserWarning)
                # inplace: a copy would hold the fp32 and int8 weights at once (twice the peak).
                self.model = torch.ao.quantization.quantize_dynamic(
                    self.model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True
                )
        repair_generation_config(self.model.generation_config, self.tokenizer)
        config = self.model.config
        self.window_seconds = config.max_source_positions * 2 / 100
        self.extractor = _feature_extractor(path, self.window_seconds, config.num_mel_bins)
        self.window_floor = model_floor(window_floor, models.any_window(path))
        self.guard: Counter[str] = Counter()  # "short": clips at a short window; "again": redone
        vocab = self.tokenizer.get_vocab()  # the token's name changed once (nocaptions)
        self._no_speech_id = vocab.get("<|nospeech|>", vocab.get("<|nocaptions|>"))
        self._torch = torch
        self._dtype = dtype

    def _decode(self, batch: list[np.ndarray], window: float) -> list[Decoded]:
        torch = self._torch
        features = self.extractor(
            batch, sampling_rate=16_000, return_tensors="pt", padding="max_length",
            max_length=int(window * 16_000), truncation=True,
        ).input_features.to(self.device, self._dtype)  # fmt: skip
        with torch.inference_mode():
            encoded = self._encode(features)
            first: list = []  # the decoder's states over the prompt, from its first step

            def keep_first(_module, _args, output) -> None:  # None: the output stays as it is
                if not first:
                    first.append(output.last_hidden_state)

            hook = self.model.model.decoder.register_forward_hook(keep_first)
            try:
                out = self.model.generate(
                    encoder_outputs=encoded,
                    language=LANGUAGE,
                    task="transcribe",
                    return_timestamps=False,
                    max_new_tokens=self.max_new_tokens,
                    num_beams=1,
                    do_sample=False,
                    force_unique_generate_call=True,
                    return_dict_in_generate=True,
                    output_scores=True,
                )
            finally:
                hook.remove()
            sequences = out["sequences"]
            steps = len(out["scores"])
            # Log-probabilities of the tokens chosen at each step (the scores after Whisper's
            # suppressions, as the greedy choice saw them), for the guard.
            chosen = sequences[:, sequences.shape[1] - steps :]
            logprobs = (
                torch.stack(
                    [torch.log_softmax(score.float(), dim=-1) for score in out["scores"]], dim=1
                )
                .gather(2, chosen.unsqueeze(-1))
                .squeeze(-1)
            )
            no_speech = self._no_speech(first[0] if first else None, len(batch))
        results = []
        eos = self.tokenizer.eos_token_id
        rows = zip(chosen.tolist(), logprobs.tolist(), no_speech, strict=True)
        for row, row_logprobs, row_no_speech in rows:
            ended = row.index(eos) + 1 if eos in row else len(row)  # EOS counts, pads after do not
            generated = [t for t in row[:ended] if t < eos]  # special tokens start at EOS
            text = self.tokenizer.decode(generated, skip_special_tokens=True)
            hit = eos not in row and len(generated) >= self.max_new_tokens
            mean = sum(row_logprobs[:ended]) / ended if ended else None
            results.append(Decoded(text.strip(), len(generated), hit, window, mean, row_no_speech))
        return results

    def _encode(self, features):
        return encode_at_window(self.model.get_encoder(), features)

    def _no_speech(self, prompt_states, rows: int) -> list[float | None]:
        """Whisper's no-speech probability for each clip: its no-speech token's share of the
        distribution after <|startoftranscript|>, read off the decoder's first step over the
        prompt (generate keeps only the last position's logits; this costs one projection)."""
        torch = self._torch
        if self._no_speech_id is None or prompt_states is None or prompt_states.shape[1] < 2:
            return [None] * rows
        logits = self.model.proj_out(prompt_states[:, 0]).float()
        return torch.softmax(logits, dim=-1)[:, self._no_speech_id].tolist()


class CTranslate2Backend(_AnswerWindow):
    """Whisper on CTranslate2: int8 on a CPU (a quarter of the memory), float16 on a GPU.

    CTranslate2 accepts mel features shorter than the window the model was trained on: a batch
    is encoded at its answer window (`asr.window`), and a clip whose decode loops or is unlikely
    there is decoded again at the full window. `guard` counts both.
    """

    name = "ctranslate2"

    def __init__(self, model: str, device: str, precision: str, max_new_tokens: int,
                 window_floor: float = 0.0) -> None:  # fmt: skip
        import ctranslate2
        from tokenizers import Tokenizer

        compute_type = {"int8": "int8", "fp16": "float16"}.get(precision, "float32")
        path = models.ct2_dir(model, {"int8": "int8", "fp16": "float16"}.get(precision, "float32"))
        self.device = device
        self.precision = precision
        self.max_new_tokens = max_new_tokens
        self.window_floor = model_floor(window_floor, models.any_window(path))
        try:
            self.model = ctranslate2.models.Whisper(
                str(path), device=device, compute_type=compute_type, inter_threads=1
            )
            self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        except (RuntimeError, ValueError, OSError) as e:
            raise ModelLoadError(f"Could not load the CTranslate2 model in {path}: {e}") from e
        self.prompt = [self.tokenizer.token_to_id(t) for t in PROMPT_TOKENS]
        if None in self.prompt:
            raise ModelLoadError(f"The tokenizer in {path} lacks Whisper's special tokens.")
        self.eos = self.tokenizer.token_to_id("<|endoftext|>")
        self.extractor = _feature_extractor(path, None, self.model.n_mels)
        self.window_seconds = float(self.extractor.chunk_length)
        self.guard: Counter[str] = Counter()  # "short": clips at a short window; "again": redone
        self._ctranslate2 = ctranslate2

    def _decode(self, batch: list[np.ndarray], window: float) -> list[Decoded]:
        samples = int(window * 16_000)
        features = self.extractor(
            batch, sampling_rate=16_000, return_tensors="np", padding="max_length",
            max_length=samples, truncation=True,
        ).input_features.astype(np.float32)  # fmt: skip
        storage = self._ctranslate2.StorageView.from_array(np.ascontiguousarray(features))
        outputs = self.model.generate(
            storage,
            [self.prompt] * len(batch),
            beam_size=1,
            # CTranslate2 decodes at most min(max_length / 2, max_length - prompt + 1) tokens
            # for Whisper (OpenNMT/CTranslate2#1856): ask for enough to get max_new_tokens.
            max_length=max(2 * self.max_new_tokens, self.max_new_tokens + len(self.prompt) - 1),
            suppress_blank=True,
            return_scores=True,
            return_no_speech_prob=True,
        )
        results = []
        for out in outputs:
            ids = [t for t in out.sequences_ids[0] if t < self.eos]
            text = self.tokenizer.decode(ids, skip_special_tokens=True)
            hit = len(out.sequences_ids[0]) >= self.max_new_tokens
            # CTranslate2's score is the sum of log-probabilities over length ** length_penalty
            # (1 here): the mean per token.
            score = float(out.scores[0]) if out.scores else None
            no_speech = float(out.no_speech_prob) if out.no_speech_prob is not None else None
            results.append(Decoded(text.strip(), len(ids), hit, window, score, no_speech))
        return results
