"""The measuring side of `python -m bench speed`: random-weight models and one process per job.

`build_model` makes tiny/base/small Whisper checkpoints with random weights, the real token ids and
the real compute (the parts shared with the tests' tiny models are in `bench.checkpoints`);
`_serve` is the helper process that forks a fresh measuring process per job, so a process's peak
RSS minus its RSS at the start is the model's own cost (see `bench.speed`).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.speed_probe import match_ct2_budget, probed

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
        Variant("transformers-bf16", "transformers", "bf16"),
        Variant("ctranslate2-int8", "ctranslate2", "int8"),
        Variant("ctranslate2-fp32", "ctranslate2", "fp32"),
    )
}
BASELINE = "pipeline-fp32"


# --- models with random weights ---


def build_tokenizer():
    """A Whisper tokenizer with the multilingual ids, built in memory.

    Byte tokens, unreachable fillers up to id 50256, <|endoftext|> 50257, <|startoftranscript|>
    50258, the 99 languages (<|sv|> 50273), the task and control tokens up to <|notimestamps|>
    50363, then 1501 timestamps to 51864 (see `bench.checkpoints.whisper_tokenizer`).
    """
    from bench.checkpoints import byte_vocab, whisper_tokenizer

    vocab = byte_vocab()
    for filler in range(TEXT_TOKENS - len(vocab)):  # no merges: never produced by encoding
        vocab[f"~{filler}"] = len(vocab)
    tokenizer = whisper_tokenizer(vocab, timestamps=1501)
    ids = tokenizer.convert_tokens_to_ids
    assert len(tokenizer) == VOCAB_SIZE and ids("<|sv|>") == 50273, "Whisper's ids moved"
    return tokenizer


def build_model(size: str, window: int, out_dir: Path) -> Path:
    """Save a random-weight Whisper `size` with an encoder window of `window` seconds."""
    import torch

    from bench.checkpoints import generation_config, random_model, save_checkpoint, whisper_config

    d_model, layers, heads = SIZES[size]
    tokenizer = build_tokenizer()
    config = whisper_config(
        tokenizer,
        d_model=d_model,
        layers=layers,
        heads=heads,
        ffn_dim=4 * d_model,
        window_seconds=window,
        max_target_positions=448,
    )
    model = random_model(config)
    with torch.no_grad():
        # A zero row gives <|endoftext|> a logit of exactly 0 while the best of 51864 random
        # logits is far above it: every path then decodes the full token budget.
        model.get_output_embeddings().weight[EOS].zero_()
    generation = generation_config(tokenizer, config)
    return save_checkpoint(model, tokenizer, generation, window, out_dir)


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


@dataclass
class _Loaded:
    """A path ready to time."""

    call: Callable[[], object]
    """Transcribes the clip once, as a player's recording (the timed call)."""
    decode: Callable[[int], object]
    """Decodes n copies of the ready 16 kHz clip in one model call (the batch measurement)."""
    torch_model: object | None
    transcriber: object | None


def _load(job: dict) -> _Loaded:
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
        # Batching pads with the tokenizer's pad token, which real Whisper checkpoints name
        # (<|endoftext|>) and the random ones leave unset.
        pipe.tokenizer.pad_token = "<|endoftext|>"
        kwargs = {
            "language": "sv",
            "task": "transcribe",
            "max_new_tokens": job["tokens"],
            "force_unique_generate_call": True,  # one encoder run; the probe checks it
            # The pipeline's own default is 5 beams (transformers' ASR pipeline, "follows openai's
            # whisper implementation"): 5x the decoder work and cache of every asr path.
            "num_beams": 1,
        }

        def call() -> object:
            return pipe(samples, generate_kwargs=kwargs)

        def decode(n: int) -> object:
            if n == 1:
                return call()
            return pipe([samples] * n, batch_size=n, generate_kwargs=kwargs)

        return _Loaded(call, decode, pipe.model, None)
    from asr.audio import prepare
    from asr.transcriber import load_transcriber

    model = job["ct2"] if variant.backend == "ctranslate2" else job["hf"]
    # Each path at the model's own window, as the bare baseline runs it: the answer window
    # (asr.window) would change the input, not the path.
    transcriber = load_transcriber(model, variant.backend, "cpu", variant.precision,
                                   max_new_tokens=job["tokens"], window_floor=0)  # fmt: skip
    torch_model = transcriber.backend.model if variant.backend == "transformers" else None
    ready = prepare((CLIP_RATE, clip)).samples
    return _Loaded(
        lambda: transcriber.transcribe((CLIP_RATE, clip)),
        lambda n: transcriber.backend.decode([ready] * n),
        torch_model,
        transcriber,
    )


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


def _others_pct(before: tuple[int, int], seconds: float) -> float:
    """CPU that other processes took since `before` (a `_cpu_ticks()`), % of the machine."""
    busy_after, own_after = _cpu_ticks()
    busy, own = busy_after - before[0], own_after - before[1]
    capacity = seconds * os.sysconf("SC_CLK_TCK") * (os.cpu_count() or 1)
    return max(0.0, 100 * (busy - own) / capacity) if capacity else 0.0


def _measure(job: dict) -> dict:
    import torch

    from asr.transcriber import Transcript

    torch.set_num_threads(job["threads"])
    start_mb = _rss_mb()
    path = _load(job)
    counts = probed(path.call, path.torch_model, path.transcriber)  # the first warm-up
    note = ""
    if path.transcriber is not None and path.transcriber.backend.name == "ctranslate2":
        counts, note = match_ct2_budget(path.call, path.transcriber, counts, job["tokens"])
    for _ in range(WARMUP - 1):
        path.call()
    latencies, overheads = [], []
    before = _cpu_ticks()
    for _ in range(job["runs"]):
        started = time.perf_counter()
        out = path.call()
        latencies.append(time.perf_counter() - started)
        if isinstance(out, Transcript):
            if out.model_seconds <= 0:
                raise RuntimeError(f"the model did not run: the clip was judged {out.reason!r}")
            overheads.append(out.seconds - out.model_seconds)
    others_pct = _others_pct(before, sum(latencies))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before any batch
    batch = _time_batch(path.decode, job["batch"], job["batch_repeats"])
    return {
        "others_pct": others_pct,
        "latencies": latencies,
        "overheads": overheads,
        "encoder_runs": counts["encoder"],
        "tokens": counts["steps"],
        "beams": counts["beams"],
        "start_mb": start_mb,
        "peak_mb": peak_mb,
        "note": note,
        **batch,
    }


def _time_batch(decode: Callable[[int], object], n: int, repeats: int) -> dict:
    """Seconds of one model call on n clips and of n calls on one clip, `repeats` times each.

    The two alternate within each repeat, so a load that comes and goes hits both alike. Single
    calls are warm from the latency runs; a batch of n gets one warm-up call of its own (its first
    run allocates the larger buffers).
    """
    if n < 2 or repeats < 1:
        return {}
    decode(n)
    batch_seconds, singles_seconds = [], []
    before = _cpu_ticks()
    for _ in range(repeats):
        started = time.perf_counter()
        decode(n)
        batch_seconds.append(time.perf_counter() - started)
        started = time.perf_counter()
        for _ in range(n):
            decode(1)
        singles_seconds.append(time.perf_counter() - started)
    return {
        "batch": n,
        "batch_seconds": batch_seconds,
        "singles_seconds": singles_seconds,
        "batch_others_pct": _others_pct(before, sum(batch_seconds) + sum(singles_seconds)),
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
