"""The measuring side of `python -m asr bench`: random-weight models and one process per job.

`build_model` makes tiny/base/small Whisper checkpoints with random weights, the real token ids and
the real compute; `_serve` is the helper process that forks a fresh measuring process per job, so
a process's peak RSS minus its RSS at the start is the model's own cost (see `asr.bench`).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# d_model, layers in each of encoder and decoder, attention heads (ffn is 4 * d_model).
SIZES: dict[str, tuple[int, int, int]] = {
    "tiny": (384, 4, 6),
    "base": (512, 6, 8),
    "small": (768, 12, 12),
}
WINDOWS = (30, 5)
VOCAB_SIZE = 51865
TEXT_TOKENS = 50257  # ids 0..50256 are byte-level BPE tokens; <|endoftext|> is 50257
EOS = 50257
WARMUP = 2
CLIP_RATE = 44_100  # what the browser records at
TARGET_SMALL_5S = 0.8  # seconds, p50
TARGET_OVERHEAD_MS = 50.0
NOISY_PCT = 10.0  # other processes' CPU share above which a measurement is taken again
QUIET_WAIT = 60.0  # seconds to wait for a quiet CPU before each measurement


@dataclass(frozen=True)
class Variant:
    key: str
    backend: str
    """"pipeline" for the baseline, else the `asr` backend."""
    precision: str


VARIANTS: dict[str, Variant] = {
    v.key: v
    for v in (
        Variant("pipeline-fp32", "pipeline", "fp32"),
        Variant("transformers-fp32", "transformers", "fp32"),
        Variant("transformers-int8", "transformers", "int8"),
        Variant("ctranslate2-int8", "ctranslate2", "int8"),
        Variant("ctranslate2-fp32", "ctranslate2", "fp32"),
    )
}
BASELINE = "pipeline-fp32"


# --- models with random weights ---


def build_tokenizer():
    """A Whisper tokenizer with the multilingual special-token ids, built in memory.

    Byte tokens (GPT-2's byte-to-character table), unreachable fillers up to id 50256,
    <|endoftext|> 50257, <|startoftranscript|> 50258, the 99 languages (<|sv|> 50273), the task
    and control tokens up to <|notimestamps|> 50363, then 1501 timestamps to 51864. The timestamps
    are plain vocabulary, not special: transformers counts every id above the last special id as
    a timestamp.
    """
    from transformers import WhisperTokenizer
    from transformers.convert_slow_tokenizer import bytes_to_unicode
    from transformers.models.whisper.tokenization_whisper import LANGUAGES

    vocab = {char: i for i, char in enumerate(bytes_to_unicode().values())}
    filler = 0
    while len(vocab) < TEXT_TOKENS:
        vocab[f"~{filler}"] = len(vocab)
        filler += 1
    languages = [f"<|{code}|>" for code in LANGUAGES if code != "yue"]  # yue came with large-v3
    controls = ["<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>"]
    special = ["<|endoftext|>", "<|startoftranscript|>", *languages, *controls]
    special += ["<|nospeech|>", "<|notimestamps|>"]
    for token in special:
        vocab[token] = len(vocab)
    for step in range(1501):
        vocab[f"<|{step * 0.02:.2f}|>"] = len(vocab)
    assert len(vocab) == VOCAB_SIZE and vocab["<|sv|>"] == 50273, "Whisper's ids moved"
    return WhisperTokenizer(vocab=vocab, merges=[], extra_special_tokens=special[1:])


def build_model(size: str, window: int, out_dir: Path) -> Path:
    """Save a random-weight Whisper `size` with an encoder window of `window` seconds."""
    import torch
    from transformers import (
        GenerationConfig,
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperProcessor,
    )

    d_model, layers, heads = SIZES[size]
    tokenizer = build_tokenizer()
    ids = tokenizer.convert_tokens_to_ids
    config = WhisperConfig(
        vocab_size=VOCAB_SIZE,
        num_mel_bins=80,
        d_model=d_model,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=4 * d_model,
        decoder_ffn_dim=4 * d_model,
        max_source_positions=50 * window,
        max_target_positions=448,
        decoder_start_token_id=ids("<|startoftranscript|>"),
        bos_token_id=EOS,
        eos_token_id=EOS,
        pad_token_id=EOS,
        begin_suppress_tokens=[220, EOS],
        suppress_tokens=[],
    )
    torch.manual_seed(0)
    model = WhisperForConditionalGeneration(config).eval()
    with torch.no_grad():
        # A zero row gives <|endoftext|> a logit of exactly 0 while the best of 51864 random
        # logits is far above it: every path then decodes the full token budget.
        model.get_output_embeddings().weight[EOS].zero_()
    generation = GenerationConfig(
        decoder_start_token_id=config.decoder_start_token_id,
        bos_token_id=EOS,
        eos_token_id=EOS,
        pad_token_id=EOS,
        max_length=448,
        suppress_tokens=[],
        begin_suppress_tokens=[220, EOS],
        is_multilingual=True,
        lang_to_id={t: ids(t) for t in tokenizer.get_vocab() if 50258 < ids(t) < 50358},
        task_to_id={"translate": ids("<|translate|>"), "transcribe": ids("<|transcribe|>")},
        no_timestamps_token_id=ids("<|notimestamps|>"),
        prev_sot_token_id=ids("<|startofprev|>"),
    )
    generation._from_model_config = False  # else from_pretrained rebuilds it from config.json
    model.generation_config = generation
    model.save_pretrained(out_dir)
    extractor = WhisperFeatureExtractor(feature_size=80, chunk_length=window)
    WhisperProcessor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(out_dir)
    return out_dir


def prepare_models(size: str, window: int, root: Path, ct2: bool) -> tuple[Path, Path | None]:
    """The transformers checkpoint and its CTranslate2 int8 conversion, built once under `root`."""
    from asr.models import convert_to_ct2, is_ct2_dir

    hf_dir = root / f"whisper-{size}-{window}s"
    if not (hf_dir / "model.safetensors").is_file():
        partial = hf_dir.with_name(hf_dir.name + ".partial")
        build_model(size, window, partial)
        partial.rename(hf_dir)
    if not ct2:
        return hf_dir, None
    ct2_dir = root / f"whisper-{size}-{window}s-ct2-int8"
    if not is_ct2_dir(ct2_dir):
        convert_to_ct2(hf_dir, ct2_dir, "int8")
    return hf_dir, ct2_dir


def voiced_clip(seconds: float = 2.0, rate: int = CLIP_RATE) -> np.ndarray:
    """A spoken-word stand-in as the browser sends it: int16 stereo, (samples, 2).

    Six harmonics of a gliding 150 Hz voice under a one-syllable envelope, with 0.3 s of quiet
    room noise at each end: enough for `asr.audio.prepare` to call it speech and trim it.
    """
    t = np.arange(int(seconds * rate)) / rate
    f0 = 150.0 * (1 + 0.05 * np.sin(2 * np.pi * 3 * t))
    phase = 2 * np.pi * np.cumsum(f0) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 7))
    envelope = np.clip(np.sin(np.pi * (t - 0.3) / (seconds - 0.6)), 0, None) * (t > 0.3)
    noise = np.random.default_rng(0).normal(0, 3e-4, len(t))
    mono = 0.25 * voice * envelope * (t < seconds - 0.3) + noise
    stereo = np.stack([mono, 0.9 * mono], axis=1)
    return np.round(stereo * 32767).astype(np.int16)


# --- inside the measuring process ---


class _CountingWhisper:
    """Stands in for a `ctranslate2.models.Whisper`, counting generate calls and decoded tokens.

    One `generate` call encodes the features once, so the calls are the encoder runs.
    """

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.counts = {"encoder": 0, "steps": 0, "beams": 0}

    def generate(self, *args: object, **kwargs: object):
        results = self.inner.generate(*args, **kwargs)
        self.counts["encoder"] += 1
        self.counts["steps"] += len(results[0].sequences_ids[0])
        self.counts["beams"] = max(self.counts["beams"], kwargs.get("beam_size", 5))
        return results

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def _probed(call, torch_model, transcriber) -> dict[str, int]:
    """Run `call` once, counting encoder runs, decoder steps (the tokens decoded) and beams."""
    if torch_model is None:
        proxy = _CountingWhisper(transcriber.backend.model)
        transcriber.backend.model = proxy
        try:
            call()
        finally:
            transcriber.backend.model = proxy.inner
        return proxy.counts
    counts = {"encoder": 0, "steps": 0, "beams": 0}

    def encoder_ran(*_: object) -> None:
        counts["encoder"] += 1

    def decoder_ran(_module: object, _inputs: object, output: tuple) -> None:
        counts["steps"] += 1
        counts["beams"] = max(counts["beams"], output[0].shape[0])  # one clip: batch = beams

    hooks = [
        torch_model.model.encoder.register_forward_hook(encoder_ran),
        torch_model.model.decoder.register_forward_hook(decoder_ran),
    ]
    try:
        call()
    finally:
        for hook in hooks:
            hook.remove()
    return counts


def _load(job: dict):
    """(a call that transcribes the clip once, its torch model or None, its Transcriber or None)."""
    clip = voiced_clip()
    variant = VARIANTS[job["variant"]]
    if variant.backend == "pipeline":
        import soxr
        import torch
        from transformers import pipeline

        from asr.audio import load

        mono, rate = load((CLIP_RATE, clip))
        samples = soxr.resample(mono, rate, 16_000, quality="HQ").astype(np.float32)
        pipe = pipeline(
            "automatic-speech-recognition", model=job["hf"], device="cpu", dtype=torch.float32
        )
        kwargs = {
            "language": "sv",
            "task": "transcribe",
            "max_new_tokens": job["tokens"],
            "force_unique_generate_call": True,  # one encoder run; the probe checks it
            # The pipeline's own default is 5 beams (transformers' ASR pipeline, "follows openai's
            # whisper implementation"): 5x the decoder work and cache of every asr path.
            "num_beams": 1,
        }
        return (lambda: pipe(samples, generate_kwargs=kwargs)), pipe.model, None
    from asr.transcriber import load_transcriber

    model = job["ct2"] if variant.backend == "ctranslate2" else job["hf"]
    transcriber = load_transcriber(
        model, variant.backend, "cpu", variant.precision, max_new_tokens=job["tokens"]
    )
    torch_model = transcriber.backend.model if variant.backend == "transformers" else None
    return (lambda: transcriber.transcribe((CLIP_RATE, clip))), torch_model, transcriber


def _match_ct2_budget(call, transcriber, counts: dict[str, int], tokens: int):
    """Make the CTranslate2 path decode `tokens` tokens like the others; say so if it had to.

    CTranslate2 caps Whisper decoding at min(max_length / 2, max_length - prompt + 1)
    (OpenNMT/CTranslate2#1856), and the backend asks for max_length = max_new_tokens + 4, so it
    decodes about half the tokens asked for. Raising the backend's budget compensates.
    """
    asked, first = transcriber.backend.max_new_tokens, counts["steps"]
    budget = asked
    while counts["steps"] < tokens and budget < 4 * tokens + 8:
        budget += 2 * (tokens - counts["steps"])  # each 2 more asked buy 1 more decoded
        transcriber.backend.max_new_tokens = budget
        counts = _probed(call, None, transcriber)
    if budget == asked:
        return counts, ""
    return counts, f"decoded {first} of {asked} tokens; max_new_tokens raised to {budget}"


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _cpu_ticks() -> tuple[int, int]:
    """Busy clock ticks of the whole machine (steal included) and of this process."""
    with open("/proc/stat", encoding="ascii") as stat:
        ticks = [int(t) for t in stat.readline().split()[1:9]]
    with open("/proc/self/stat", encoding="ascii") as stat:
        own = stat.read().rsplit(")", 1)[1].split()
    return sum(ticks) - ticks[3] - ticks[4], int(own[11]) + int(own[12])


def _measure(job: dict) -> dict:
    import torch

    from asr.transcriber import Transcript

    torch.set_num_threads(job["threads"])
    start_mb = _rss_mb()
    call, torch_model, transcriber = _load(job)
    counts = _probed(call, torch_model, transcriber)  # the first warm-up
    note = ""
    if transcriber is not None and transcriber.backend.name == "ctranslate2":
        counts, note = _match_ct2_budget(call, transcriber, counts, job["tokens"])
    for _ in range(WARMUP - 1):
        call()
    latencies, overheads = [], []
    busy_before, own_before = _cpu_ticks()
    for _ in range(job["runs"]):
        started = time.perf_counter()
        out = call()
        latencies.append(time.perf_counter() - started)
        if isinstance(out, Transcript):
            if out.model_seconds <= 0:
                raise RuntimeError(f"the model did not run: the clip was judged {out.reason!r}")
            overheads.append(out.seconds - out.model_seconds)
    busy_after, own_after = _cpu_ticks()
    busy, own = busy_after - busy_before, own_after - own_before
    capacity = sum(latencies) * os.sysconf("SC_CLK_TCK") * (os.cpu_count() or 1)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "others_pct": max(0.0, 100 * (busy - own) / capacity),
        "latencies": latencies,
        "overheads": overheads,
        "encoder_runs": counts["encoder"],
        "tokens": counts["steps"],
        "beams": counts["beams"],
        "start_mb": start_mb,
        "peak_mb": peak_mb,
        "note": note,
    }


def _serve() -> None:
    """The helper process: import the libraries once, then fork a fresh child per job.

    Jobs come as JSON lines on stdin; each answer is one JSON line on stdout. A forked child starts
    with a resident-set high-water mark of its current RSS, so its peak is its own.
    """
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # a library printing to stdout must not corrupt the answers
    import ctranslate2  # noqa: F401
    import soxr  # noqa: F401
    import torch  # noqa: F401
    import transformers.models.whisper.modeling_whisper
    import transformers.pipelines  # noqa: F401

    import asr.transcriber  # noqa: F401

    channel.write("ready\n")
    channel.flush()
    for line in sys.stdin:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            try:
                answer = _measure(json.loads(line))
            except BaseException:
                answer = {"error": traceback.format_exc()}
            with os.fdopen(write_end, "w") as out:
                out.write(json.dumps(answer))
            os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end) as answers:
            text = answers.read()
        _, status = os.waitpid(pid, 0)
        if not text:
            text = json.dumps({"error": f"the measuring process died (wait status {status})"})
        channel.write(text + "\n")
        channel.flush()
