"""`python -m bench speed`: latency and memory of each way `asr` can run Whisper on a CPU.

The models have random weights but the real architectures (tiny, base, small), so the compute is
real and nothing is downloaded. Every path decodes the same clip once, greedily, for the same
number of tokens. The baseline is a plain transformers pipeline made to do the same: random
weights emit timestamp tokens, and transformers' seek loop and temperature fallback would re-run
the encoder (5 runs instead of 1, measured), and the ASR pipeline's own default is 5 beams.
A probe counts the encoder runs, decoder steps and beams of one call per path; the table shows them.
With `--batch N` each path also times one model call on N clips against N calls on one clip: the
question `asr.transcriber.default_batch_size` answers per backend and device.

Each (size, window, path) runs in a fresh process forked from a helper that has only imported the
libraries, so the process's peak RSS minus its RSS at the start is the model's own cost, and no
path pays the others' imports (about 4 s each) either. Machines are noisy: compare the ratios
within one run, not the seconds of two runs. The CPU that other processes take during each
measurement is recorded, and a measurement they disturbed is taken again.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.speed_report import Measurement, render
from bench.speed_worker import (
    BASELINE,
    CLIP_RATE,
    NOISY_PCT,
    QUIET_WAIT,
    SIZES,
    VARIANTS,
    WARMUP,
    WINDOWS,
    _cpu_ticks,
    prepare_models,
    voiced_clip,
)

# --- the driver ---


@dataclass(frozen=True)
class BenchOptions:
    sizes: tuple[str, ...] = tuple(SIZES)  # architectures to measure
    windows: tuple[int, ...] = WINDOWS  # encoder windows in seconds
    variants: tuple[str, ...] = tuple(VARIANTS)  # paths to measure
    runs: int = 10  # timed calls per path, after WARMUP warm-up calls
    threads: int = os.cpu_count() or 1  # torch and OpenMP threads in every path
    tokens: int = 8  # tokens every path decodes
    cache: Path | None = None  # keep the built models here between runs
    out: Path | None = None  # also write the report here
    retries: int = 2  # measurements taken again when other processes load the CPU
    batch: int = 8  # clips in the batch-against-singles measurement; 0 or 1 skips it
    batch_repeats: int = 3  # timed batches (and as many rounds of single calls) per path

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> BenchOptions:
        runs = args.runs if args.runs is not None else (3 if args.quick else cls.runs)
        if runs < 1 or args.tokens < 1 or args.threads < 1 or args.retries < 0:
            raise ValueError("--runs, --tokens, --threads must be 1 or more, --retries 0 or more")
        if args.batch < 0 or args.batch_repeats < 1:
            raise ValueError("--batch must be 0 or more, --batch-repeats 1 or more")
        return cls(
            sizes=("tiny",) if args.quick else args.sizes,
            windows=args.windows,
            variants=args.backends,
            runs=runs,
            threads=args.threads,
            tokens=args.tokens,
            cache=args.cache,
            out=args.out,
            retries=args.retries,
            batch=args.batch,
            batch_repeats=args.batch_repeats,
        )


class _Helper:
    """The process that forks one measuring process per job (see `_serve`)."""

    def __init__(self, threads: int, log_path: Path) -> None:
        root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ, TOKENIZERS_PARALLELISM="false")
        env |= {name: str(threads) for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        self.log_path = log_path
        with open(log_path, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from bench.speed_worker import _serve; _serve()"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env=env,
            )
        if self.process.stdout.readline() != "ready\n":
            self.close()
            tail = log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the measuring helper did not start:\n{tail}")

    def run(self, job: dict) -> dict:
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        return json.loads(line) if line else {"error": f"the helper died; see {self.log_path}"}

    def close(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def run_all(options: BenchOptions, root: Path) -> list[Measurement]:
    """Build each model once, then measure every path on it in its own process."""
    measurements: list[Measurement] = []
    total = len(options.sizes) * len(options.windows) * len(options.variants)
    needs_ct2 = any(VARIANTS[v].backend == "ctranslate2" for v in options.variants)
    helper = _Helper(options.threads, root / "helper.log")
    try:
        for size in options.sizes:
            for window in options.windows:
                _say(f"building whisper-{size} with a {window} s window in {root}")
                hf_dir, ct2_dir = prepare_models(size, window, root, needs_ct2)
                for variant in options.variants:
                    _say(f"[{len(measurements) + 1}/{total}] {size} {window} s {variant}")
                    job = {"variant": variant, "hf": str(hf_dir), "ct2": str(ct2_dir)}
                    job |= {"runs": options.runs, "tokens": options.tokens}
                    job |= {"threads": options.threads, "batch": options.batch}
                    job["batch_repeats"] = options.batch_repeats
                    measurements.append(_quietest(helper, size, window, job, options.retries))
                if options.cache is None:  # a small model takes 1.2 GB of disk
                    for folder in filter(None, (hf_dir, ct2_dir)):
                        shutil.rmtree(folder, ignore_errors=True)
    finally:
        helper.close()
    return measurements


def _quietest(helper: _Helper, size: str, window: int, job: dict, retries: int) -> Measurement:
    """Measure; measure again (up to `retries` times) while other processes load the CPU."""
    best = m = None
    for attempt in range(retries + 1):
        if attempt:
            _say(f"  other processes took {m.others_pct:.0f} % of the CPU: measuring again")
        if retries:  # with no retries, noise is the caller's business
            _wait_for_quiet()
        m = Measurement(size, window, job["variant"], **helper.run(job))
        _say(_summary(m))
        if best is None or (not m.error and (best.error or m.others_pct < best.others_pct)):
            best = m
        if best.error or best.others_pct <= NOISY_PCT:
            break
    return best


def _wait_for_quiet() -> None:
    """Wait, up to QUIET_WAIT seconds, for other processes to leave the CPU mostly idle."""
    deadline = time.monotonic() + QUIET_WAIT
    capacity = os.sysconf("SC_CLK_TCK") * (os.cpu_count() or 1)
    while True:
        busy, own = _cpu_ticks()
        time.sleep(1.0)
        busy_now, own_now = _cpu_ticks()
        share = 100 * (busy_now - busy - (own_now - own)) / capacity
        if share <= NOISY_PCT or time.monotonic() > deadline:
            return


def _summary(m: Measurement) -> str:
    if m.error:
        return f"  FAILED: {m.error.strip().splitlines()[-1]}"
    sanity = " (baseline sanity check: must be 1)" if m.variant == BASELINE else ""
    note = f"; {m.note}" if m.note else ""
    batch = f"; batch / {m.batch} singles {m.batch_ratio:.2f}" if m.batch_ratio else ""
    return (
        f"  p50 {m.p50:.3f} s, p90 {m.p90:.3f} s, model {m.model_mb:.0f} MB, {m.tokens} tokens "
        f"x {m.beams} beams, "
        f"encoder ran {m.encoder_runs}x per call{sanity}, other processes {m.others_pct:.0f} % "
        f"of the CPU{batch}{note}"
    )


# --- command line ---


def _choices(allowed, convert=str, described: str = ""):
    """An argparse type for a comma-separated list of `allowed` values."""

    def parse(text: str) -> tuple:
        try:
            values = tuple(convert(v.strip()) for v in text.split(",") if v.strip())
        except ValueError:
            values = ()
        wrong = [v for v in values if v not in allowed]
        if wrong or not values:
            expected = described or ", ".join(map(str, allowed))
            raise argparse.ArgumentTypeError(f"{text!r}: expected {expected}, comma-separated")
        return values

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sizes",
        type=_choices(SIZES),
        default=tuple(SIZES),
        help="model architectures, comma-separated (default: tiny,base,small)",
    )
    parser.add_argument(
        "--windows",
        type=_choices(range(1, 31), int, "whole seconds from 1 to 30"),
        default=WINDOWS,
        help="encoder windows in seconds, comma-separated (default: 30,5)",
    )
    parser.add_argument(
        "--backends",
        type=_choices(VARIANTS),
        default=tuple(VARIANTS),
        help=f"paths to measure, comma-separated (default: all of {','.join(VARIANTS)})",
    )
    parser.add_argument(
        "--runs",
        type=int,
        metavar="N",
        help=f"timed calls per path, after {WARMUP} warm-ups (default: 10)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        metavar="N",
        default=BenchOptions.threads,
        help=f"CPU threads for every path (default: all {BenchOptions.threads} cores)",
    )
    parser.add_argument(
        "--tokens", type=int, default=8, metavar="N", help="tokens to decode (default: 8)"
    )
    parser.add_argument("--quick", action="store_true", help="tiny only, 3 runs: for tests")
    parser.add_argument(
        "--retries",
        type=int,
        metavar="N",
        default=BenchOptions.retries,
        help="measure a path again, up to N times, while other processes take over "
        f"{NOISY_PCT:.0f} %% of the CPU (default: 2)",
    )
    parser.add_argument(
        "--batch",
        type=int,
        metavar="N",
        default=BenchOptions.batch,
        help="also time one model call on N clips against N calls on one clip, per path "
        f"(default: {BenchOptions.batch}; 0 or 1 skips it)",
    )
    parser.add_argument(
        "--batch-repeats",
        type=int,
        metavar="N",
        default=BenchOptions.batch_repeats,
        help=f"timed batches per path; the median counts (default: {BenchOptions.batch_repeats})",
    )
    parser.add_argument(
        "--cache", type=Path, metavar="DIR", help="keep the built models in DIR between runs"
    )
    parser.add_argument(
        "--out", type=Path, metavar="FILE.md", help="also write the report to FILE.md"
    )


def main(args: argparse.Namespace) -> int:
    """Measure, print the report to stdout (progress to stderr); 1 if a path failed."""
    from asr.audio import prepare

    try:
        options = BenchOptions.from_args(args)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    clip = prepare((CLIP_RATE, voiced_clip()))
    if not clip.speech:  # the asr paths would skip the model and time nothing
        raise RuntimeError(f"the benchmark clip is not speech to asr.audio ({clip.reason})")
    with tempfile.TemporaryDirectory(prefix="bench-speed-") as scratch:
        root = options.cache or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        measurements = run_all(options, root)
    report = render(options, measurements)
    print(report, end="")
    if options.out is not None:
        options.out.write_text(report, encoding="utf-8")
    return 1 if any(m.error for m in measurements) else 0
