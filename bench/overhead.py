"""`python -m bench overhead`: the time `asr` spends around the model on one answer, step by step.

A recorded answer (2 s, 48 kHz 16-bit stereo WAV, as the browser uploads it) goes through
`Transcriber.transcribe` as the app calls it, from the file to the transcript; each step is also
timed on its own, on the same input: reading the file, folding to mono and resampling to 16 kHz,
the silence gate, the log-mel features at the answer's window, and the model call itself. The
"bare backend" is what a minimal script does with the same 16 kHz speech: the features and the
model, nothing else. The project's path should cost at most `TARGET` times that.

The model is a random-weight Whisper of the real architecture (`bench.speed_worker`), on the path
`auto` picks here (or `--backend`); its decode is forced to `--tokens` tokens so every call does
the same work. The guard checks loops only (random weights are unlikely by construction), so
what is timed is the path, not a second decode.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TARGET = 1.05  # the project's path against the bare backend on the same input


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--size", choices=("tiny", "base", "small"), default="small", help="default: small")
    add("--window", type=int, default=30, help="the model's trained window, s (default 30)")
    add("--backend", choices=("auto", "ctranslate2", "transformers"), default="auto")
    add("--runs", type=int, default=15, metavar="N", help="timed calls per step (default 15)")
    add("--tokens", type=int, default=8, metavar="N", help="tokens each decode runs (default 8)")
    add("--cache", type=Path, metavar="DIR", help="build the random-weight models in DIR")


def _median(call: Callable[[], object], runs: int) -> float:
    call()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _recording(folder: Path) -> Path:
    import soundfile

    from bench.speed_worker import CLIP_RATE, voiced_clip

    path = folder / "answer.wav"
    soundfile.write(path, voiced_clip(2.0, CLIP_RATE), CLIP_RATE, subtype="PCM_16")
    return path


def measure(args: argparse.Namespace) -> tuple[list[tuple[str, float]], float, str]:
    """Each step's median seconds, the bare backend's, and a line naming the path."""
    import soxr

    import asr
    from asr.audio import find_speech, load
    from asr.decode import read_file
    from asr.models import cache_dir
    from bench.speed_worker import prepare_models

    root = args.cache or cache_dir() / "bench-models"
    root.mkdir(parents=True, exist_ok=True)
    hf_dir, ct2_dir = prepare_models(
        args.size, args.window, root, ct2=args.backend != "transformers"
    )
    model = ct2_dir if args.backend == "ctranslate2" else hf_dir
    transcriber = asr.load_transcriber(str(model), backend=args.backend, device="cpu",
                                       max_new_tokens=args.tokens)  # fmt: skip
    backend = transcriber.backend
    backend.unlikely_below = None  # see the module's docstring
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as scratch:
        path = _recording(Path(scratch))
        samples, rate = read_file(path)
        clip = asr.prepare(str(path)).samples
        window = transcriber.transcribe(str(path)).window
        extract = backend.extractor  # the features at the answer's window, as `_decode` makes
        full = soxr.resample(load((rate, samples))[0], rate, 16_000, quality="HQ")

        def features() -> object:
            size = int(window * 16_000)
            return extract([clip], sampling_rate=16_000, return_tensors="np",
                           padding="max_length", max_length=size, truncation=True)  # fmt: skip

        def to_16k() -> object:
            return soxr.resample(load((rate, samples))[0], rate, 16_000, quality="HQ")

        steps = [
            ("read the file", _median(lambda: read_file(path), args.runs)),
            ("to 16 kHz mono", _median(to_16k, args.runs)),
            ("silence gate", _median(lambda: find_speech(full), args.runs)),
            ("features", _median(features, args.runs)),
        ]
        bare = _median(lambda: backend._decode([clip], window), args.runs)
        steps.append(("model (bare backend minus features)", bare - steps[-1][1]))
        steps.append(("the project's path (transcribe the file)",
                      _median(lambda: transcriber.transcribe(str(path)), args.runs)))  # fmt: skip
    opts = transcriber.options
    line = (f"{opts.backend} {opts.precision}, random-weight whisper-{args.size} trained at "
            f"{args.window} s, decoded at {window:.0f} s, {args.tokens} tokens")  # fmt: skip
    return steps, bare, line


def report(steps: list[tuple[str, float]], bare: float, line: str) -> str:
    from bench.load import machine

    project = steps[-1][1]
    lines = [machine(line), "", "| step | median |", "|---|---:|"]
    lines += [f"| {name} | {seconds * 1000:.1f} ms |" for name, seconds in steps]
    lines += [f"| bare backend (features + model) | {bare * 1000:.1f} ms |", "",
              f"The project's path: {project / bare:.3f}x the bare backend "
              f"(target at most {TARGET}x)."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main(args: argparse.Namespace) -> int:
    """Print the table; 1 if the project's path costs more than `TARGET` times the bare one."""
    if args.runs < 1 or args.tokens < 1:
        print("error: --runs and --tokens must be 1 or more", file=sys.stderr)
        return 2
    steps, bare, line = measure(args)
    print(report(steps, bare, line), end="")
    return 0 if steps[-1][1] <= TARGET * bare else 1


if __name__ == "__main__":  # pragma: no cover
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    sys.exit(main(parser.parse_args()))
