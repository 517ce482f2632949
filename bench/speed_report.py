"""The speed benchmark's results and its report: tables, notes and targets."""

from __future__ import annotations

import os
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bench.speed_worker import (
    BASELINE,
    NOISY_PCT,
    TARGET_OVERHEAD_MS,
    TARGET_SMALL_5S,
    VARIANTS,
    WARMUP,
)

if TYPE_CHECKING:
    from bench.speed import BenchOptions


@dataclass
class Measurement:
    """One (size, window, path), as its own process measured it."""

    size: str
    window: int
    variant: str
    latencies: list[float] = field(default_factory=list)
    """Wall seconds of each timed call, audio handling included."""
    overheads: list[float] = field(default_factory=list)
    """`Transcript.seconds - model_seconds` of each call: the asr paths' audio handling."""
    encoder_runs: int = 0
    """Encoder runs in the probed call; 1 means it decoded exactly once."""
    tokens: int = 0
    """Decoder steps in the probed call: the tokens decoded."""
    beams: int = 0
    """Hypotheses decoded side by side in the probed call: 1 is greedy."""
    start_mb: float = 0.0
    """RSS before loading the model: the imported libraries."""
    peak_mb: float = 0.0
    """Peak RSS of the whole process."""
    others_pct: float = 0.0
    """CPU that other processes used during the timed calls, % of the machine: noise."""
    batch: int = 0
    """Clips in the batch measurement; 0 when it was skipped."""
    batch_seconds: list[float] = field(default_factory=list)
    """Wall seconds of one model call on `batch` copies of the clip, once per repeat."""
    singles_seconds: list[float] = field(default_factory=list)
    """Wall seconds of `batch` model calls on one clip each, one after another, once per repeat."""
    batch_others_pct: float = 0.0
    """CPU that other processes used during the batch measurement, % of the machine."""
    note: str = ""
    error: str = ""

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies)

    @property
    def p90(self) -> float:
        return float(np.percentile(self.latencies, 90))

    @property
    def model_mb(self) -> float:
        return self.peak_mb - self.start_mb

    @property
    def overhead_ms(self) -> float | None:
        return 1000 * statistics.median(self.overheads) if self.overheads else None

    @property
    def batch_ratio(self) -> float | None:
        """Median batch time over median singles time; below 1, batching pays."""
        if self.error or not self.batch_seconds or not self.singles_seconds:
            return None
        return statistics.median(self.batch_seconds) / statistics.median(self.singles_seconds)


# --- the report ---

COLUMNS = (
    "size | window | path | p50 s | p90 s | vs baseline | peak MB (model) | peak MB (total) | "
    "asr overhead ms | tokens | beams | encoder runs | other CPU %"
).split(" | ")


def machine_line(threads: int) -> str:
    from datetime import datetime
    from importlib.metadata import version

    cpu, flags = "unknown CPU", set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and cpu == "unknown CPU":
                cpu = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        pass
    isa = next(
        (name for flag, name in _ISA if flag in flags), "no AVX2" if flags else "unknown ISA"
    )
    libraries = ", ".join(f"{n} {version(n)}" for n in ("torch", "transformers", "ctranslate2"))
    return (
        f"Machine: {cpu} ({isa}), {os.cpu_count()} cores, {threads} threads; "
        f"Python {sys.version.split()[0]}, {libraries}; {datetime.now():%Y-%m-%d %H:%M}"
    )


_ISA = (("avx512_vnni", "AVX-512 VNNI"), ("avx512f", "AVX-512"), ("avx2", "AVX2"))


def default_cpu_variant(window: int = 30) -> str:
    """The path `load_transcriber` takes on this CPU, for a model with this window, by default."""
    from asr.cpu import CpuFeatures, choose_cpu_path

    path = choose_cpu_path(CpuFeatures.detect(), float(window))
    return f"{path.backend}-{path.precision}"


def auto_against_fastest(measurements: list[Measurement]) -> list[str]:
    """Per size and window: what `auto` takes here, the fastest path measured, and the ratio."""
    lines = []
    for size, window in dict.fromkeys((m.size, m.window) for m in measurements):
        here = [m for m in measurements if (m.size, m.window) == (size, window) and not m.error]
        auto = next((m for m in here if m.variant == default_cpu_variant(window)), None)
        if auto is None or not here:
            lines.append(f"- {size} {window} s: auto ({default_cpu_variant(window)}) not measured")
            continue
        fastest = min(here, key=lambda m: m.p50)
        ratio = auto.p50 / fastest.p50
        verdict = "PASS" if ratio <= AUTO_WITHIN else "FAIL"
        lines.append(
            f"- {verdict} {size} {window} s: auto takes {auto.variant}, {auto.p50:.3f} s p50, "
            f"{auto.peak_mb:.0f} MB; fastest here {fastest.variant}, {fastest.p50:.3f} s: "
            f"{ratio:.2f}x (target: within {AUTO_WITHIN}x)" + _noise(auto, fastest)
        )
    return lines


AUTO_WITHIN = 1.1  # auto must be within this of the fastest path measured here


def render_table(measurements: list[Measurement]) -> str:
    baselines = {(m.size, m.window): m for m in measurements if m.variant == BASELINE}
    rows = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for m in measurements:
        if m.error:
            cells = [m.size, f"{m.window} s", m.variant, "failed", *["-"] * 9]
        else:
            base = baselines.get((m.size, m.window))
            ratio = f"{m.p50 / base.p50:.2f}" if base and not base.error else "-"
            overhead = "-" if m.overhead_ms is None else f"{m.overhead_ms:.1f}"
            cells = [
                m.size,
                f"{m.window} s",
                m.variant,
                f"{m.p50:.3f}",
                f"{m.p90:.3f}",
                ratio,
                f"{m.model_mb:.0f}",
                f"{m.peak_mb:.0f}",
                overhead,
                str(m.tokens),
                str(m.beams),
                str(m.encoder_runs),
                f"{m.others_pct:.0f}",
            ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def checklist(measurements: list[Measurement]) -> list[str]:
    """The targets, PASS or FAIL with the numbers (SKIP when a number was not measured); the
    default path is the one `auto` takes on this CPU for each window."""
    by = {(m.size, m.window, m.variant): m for m in measurements if not m.error}
    lines = []
    for size, window in dict.fromkeys((m.size, m.window) for m in measurements):
        default = default_cpu_variant(window)
        base, ours = by.get((size, window, BASELINE)), by.get((size, window, default))
        if base is None or ours is None:
            lines.append(f"- SKIP {size} {window} s: default path or baseline not measured")
            continue
        ok = ours.p50 <= base.p50 and ours.model_mb < base.model_mb
        lines.append(
            f"- {'PASS' if ok else 'FAIL'} {size} {window} s: the default CPU path ({default}) "
            f"takes {ours.p50:.3f} s p50 against the baseline's {base.p50:.3f} s "
            f"({ours.p50 / base.p50:.2f}x) and {ours.model_mb:.0f} MB against "
            f"{base.model_mb:.0f} MB (never slower, lighter)" + _noise(ours, base)
        )
    default = default_cpu_variant(5)
    small = by.get(("small", 5, default))
    if small is None:
        lines.append(f"- SKIP small 5 s under {TARGET_SMALL_5S} s p50: not measured")
    else:
        fastest = min(
            (m for m in by.values() if (m.size, m.window) == ("small", 5)), key=lambda m: m.p50
        )
        lines.append(
            f"- {'PASS' if small.p50 < TARGET_SMALL_5S else 'FAIL'} small 5 s under "
            f"{TARGET_SMALL_5S} s p50: {default} takes {small.p50:.3f} s "
            f"(fastest: {fastest.variant}, {fastest.p50:.3f} s)" + _noise(small)
        )
    overheads = [(m.overhead_ms, m) for m in by.values() if m.overhead_ms is not None]
    if not overheads:
        lines.append(f"- SKIP asr overhead under {TARGET_OVERHEAD_MS:.0f} ms: no asr path ran")
    else:
        worst, m = max(overheads, key=lambda pair: pair[0])
        lines.append(
            f"- {'PASS' if worst < TARGET_OVERHEAD_MS else 'FAIL'} asr overhead under "
            f"{TARGET_OVERHEAD_MS:.0f} ms: at most {worst:.1f} ms p50 "
            f"({m.size} {m.window} s {m.variant})"
        )
    return lines


def _noise(*measurements: Measurement) -> str:
    worst = max(m.others_pct for m in measurements)
    if worst <= NOISY_PCT:
        return ""
    return f"; other processes took {worst:.0f} % of the CPU meanwhile: measure again"


def render(options: BenchOptions, measurements: list[Measurement]) -> str:
    notes = [f"- {m.size} {m.window} s {m.variant}: {m.note}" for m in measurements if m.note]
    notes += [
        f"- {m.size} {m.window} s {m.variant}: other processes took {m.others_pct:.0f} % of the "
        "CPU even at its quietest try: its times are inflated"
        for m in measurements
        if not m.error and m.others_pct > NOISY_PCT
    ]
    errors = [f"- {m.size} {m.window} s {m.variant}:\n{m.error}" for m in measurements if m.error]
    parts = [
        machine_line(options.threads),
        "",
        f"One 2 s clip (44.1 kHz int16 stereo), {options.tokens} tokens, {options.runs} runs "
        f"after {WARMUP} warm-ups, random weights. p50/p90: wall seconds of one call (asr paths: "
        "`Transcriber.transcribe`, audio handling included; baseline: a plain transformers "
        "pipeline, fp32, greedy, on a ready 16 kHz array). vs baseline: p50 over the baseline's "
        "p50 (below 1 is faster). peak MB (model): peak RSS minus RSS after imports. other CPU %: "
        "what other processes took of the machine during the timed calls (above ~10 % the "
        "numbers are inflated).",
        "",
        render_table(measurements),
    ]
    if notes:
        parts += ["", "Notes:", *notes]
    if errors:
        parts += ["", "Failures:", *errors]
    batched = [m for m in measurements if m.batch_ratio is not None]
    if batched:
        n = batched[0].batch
        parts += [
            "",
            f"Batching: one model call on {n} copies of the clip (ready 16 kHz samples: "
            f"`backend.decode`, or the pipeline with batch_size={n}) against {n} calls on one "
            f"clip each, one after another; medians of {len(batched[0].batch_seconds)} "
            "repeats after a warm-up. batch / singles below 1: batching gives more clips a "
            "second (each caller still waits for the whole batch).",
            "",
            render_batch_table(batched),
            "",
            "Does batching pay on this machine?",
            *batch_verdicts(batched),
        ]
    parts += ["", "What auto picks on this CPU, against the fastest path measured:"]
    parts += auto_against_fastest(measurements)
    parts += ["", "Targets:", *checklist(measurements)]
    return "\n".join(parts) + "\n"


BATCH_COLUMNS = (
    "size | window | path | N | batch of N s | N single calls s | batch / singles | other CPU %"
).split(" | ")
EVEN = 0.05  # a median batch / singles ratio within 5 % of 1 is a wash: machines are this noisy


def render_batch_table(measurements: list[Measurement]) -> str:
    rows = ["| " + " | ".join(BATCH_COLUMNS) + " |", "|" + "---|" * len(BATCH_COLUMNS)]
    for m in measurements:
        cells = [
            m.size,
            f"{m.window} s",
            m.variant,
            str(m.batch),
            f"{statistics.median(m.batch_seconds):.3f}",
            f"{statistics.median(m.singles_seconds):.3f}",
            f"{m.batch_ratio:.2f}",
            f"{m.batch_others_pct:.0f}",
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def batch_verdicts(measurements: list[Measurement]) -> list[str]:
    """One line per backend and window: does a batch beat the same clips one by one, here?

    The window decides more than the size or the precision (a padded 30 s window and a short one
    behave oppositely), so each line also says what `asr`'s default batch size is for it.
    """
    from asr.transcriber import default_batch_size

    by_backend: dict[tuple[str, int], list[Measurement]] = {}
    for m in measurements:
        by_backend.setdefault((VARIANTS[m.variant].backend, m.window), []).append(m)
    defaults = {
        (m.variant, m.window): default_batch_size(VARIANTS[m.variant].backend, "cpu", m.window,
                                      VARIANTS[m.variant].precision)
        for m in measurements
        if VARIANTS[m.variant].backend != "pipeline"
    }  # fmt: skip
    lines = []
    for (backend, window), ms in by_backend.items():
        ms = sorted(ms, key=lambda m: m.batch_ratio)
        median = statistics.median(m.batch_ratio for m in ms)
        if median < 1 - EVEN:
            verdict = "batching pays"
        elif median > 1 + EVEN:
            verdict = "batching does not pay (it is slower)"
        else:
            verdict = "batching neither pays nor costs"
        best, worst = ms[0], ms[-1]
        spread = (
            f"batch / singles {best.batch_ratio:.2f}"
            if len(ms) == 1
            else f"batch / singles {best.batch_ratio:.2f} ({_where(best)}) to "
            f"{worst.batch_ratio:.2f} ({_where(worst)}), median {median:.2f}"
        )
        noisy = max(m.batch_others_pct for m in ms)
        noise = (
            f"; other processes took up to {noisy:.0f} % of the CPU meanwhile: measure again"
            if noisy > NOISY_PCT
            else ""
        )
        sizes = sorted({f"{defaults[m.variant, m.window]} ({VARIANTS[m.variant].precision})"
                        for m in ms if (m.variant, m.window) in defaults})  # fmt: skip
        chosen = f"; asr's default here: {', '.join(sizes)} per call" if sizes else ""
        lines.append(
            f"- {backend} at {window} s: {verdict} for {ms[0].batch} clips: {spread}{noise}{chosen}"
        )
    return lines


def _where(m: Measurement) -> str:
    return f"{m.size} {m.window} s {m.variant}"
