"""`python -m bench handsfree`: how long a hands-free learner waits from the end of speech to the
verdict.

Each trial is a deck word said by espeak-ng, between quiet room noise, cut into the pieces the
browser's streaming recorder sends (`stream_every`, 0.5 s, 16-bit WAV at 48 kHz, each piece a file
under the first piece's header) and handled as the app's `.stream` handler does: the file read
with `asr.endpoint.read_stream_chunk`, fed to an `asr.endpoint.Endpointer`, and the finished answer
transcribed on the default CPU path (`asr.load_transcriber(model, backend="auto")`) and judged
with `game.judge`. The latency runs from the arrival of the piece holding the end of the speech to
the verdict: the pieces after it (the hang-over), the VAD on each, the model and the judge.

Arrivals run on a virtual clock: piece i arrives at (i + 1) x 0.5 s and is handled at its arrival
or once the piece before it is done, whichever is later; the handling itself is timed for real.
For one learner that is the wait of a real-time run, without sleeping through the quiet.

Two ways are timed on the same words in the same run, word by word in turn: "before", the
model's full window with recognition begun when the hang-over has ended the answer; and "after",
the app's way: the answer window (`asr.window`) and recognition begun at the answer's first
pause while the model is idle (`asr.EarlyStart`), published when the hang-over confirms the end.
An early recognition runs beside the later pieces in the app; on the virtual clock its result is
ready its measured time after it began. `auto` picks each way's path for its own window.

The model is a random-weight Whisper of the real architecture (`bench.speed_worker`), built once
offline: random weights decode random text for the whole token budget, so the verdicts are
"wrong" or "no speech", and the model's time is its worst case. Every random decode is unlikely
by the guard's log-probability floor, so here the guard checks loops only (`bench window` gives
its rate on real weights).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

import game
from bench.load import DEFAULT_DECKS, machine
from bench.speed_worker import NOISY_PCT, QUIET_WAIT, _cpu_ticks, _others_pct

RATE = 48_000  # the browser's microphone rate on most machines
LEAD = 0.7  # seconds of quiet before the word


@dataclass(frozen=True)
class Way:
    """One way of answering, timed: its transcriber and whether recognition begins early."""

    name: str
    transcriber: object
    early: bool
    line: str  # what `auto` chose for it, and why


@dataclass(frozen=True)
class Trial:
    word: str
    way: str
    latency: float  # seconds from the arrival of the piece with the end of speech to the verdict
    from_speech_end: float  # the same from the true end of speech (the learner's wait)
    hangover_wait: float  # of `latency`, the time waiting for later pieces
    vad_ms: float  # mean handling time of a piece without an answer (read + VAD)
    model: float  # seconds in `transcribe`
    judge_ms: float
    verdict: str
    early: bool = False  # the verdict came from a recognition begun at the first pause
    window: float = 0.0  # the encoder window the answer was decoded at
    others: float = 0.0  # % of the CPU that other processes took during the trial


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--size", choices=("tiny", "base", "small"), default="small", help="default: small")
    add("--window", type=int, choices=(30, 5), default=30, help="encoder window s (default 30)")
    add("--runs", type=int, default=12, metavar="N", help="spoken words timed (default 12)")
    add("--chunk", type=float, default=0.5, metavar="S", help="stream_every seconds (0.5)")
    add("--tail", type=float, default=1.5, metavar="S", help="quiet after the word (1.5)")
    add("--tokens", type=int, metavar="N", help="cap on decoded tokens (default: asr's, 24)")
    add("--quick", action="store_true", help="whisper-tiny, 3 runs, short tail: for tests")
    add("--cache", type=Path, metavar="DIR", help="build the random-weight models in DIR")


def _options(args: argparse.Namespace) -> argparse.Namespace:
    if args.quick:
        args.size, args.runs, args.tail = "tiny", min(args.runs, 3), min(args.tail, 1.0)
    tokens = 1 if args.tokens is None else args.tokens
    if args.runs < 1 or not 0.05 <= args.chunk <= 2 or args.tail < 1.0 or tokens < 1:
        raise ValueError("--runs, --tokens: 1 or more; --chunk: 0.05-2 s; --tail: 1 s or more")
    return args


def _say(text: str) -> None:
    print(f"[bench handsfree] {text}", file=sys.stderr, flush=True)


def load_ways(args: argparse.Namespace) -> list[Way]:
    """The transcribers on the paths `auto` takes here: at the full window, and at the answer
    window (each with the path `auto` picks for it)."""
    import asr
    from asr import window
    from asr.cpu import CpuFeatures, choose_cpu_path
    from asr.models import cache_dir
    from bench.speed_worker import prepare_models

    root = args.cache or cache_dir() / "bench-models"
    root.mkdir(parents=True, exist_ok=True)
    _say(f"preparing a random-weight whisper-{args.size} ({args.window} s window) in {root}")
    hf_dir, _ = prepare_models(args.size, args.window, root, ct2=False)
    cap = {} if args.tokens is None else {"max_new_tokens": args.tokens}
    ways = []
    for name, floor, early in (("before", 0.0, False), ("after", window.FLOOR, True)):
        started = time.perf_counter()
        transcriber = asr.load_transcriber(str(hf_dir), backend="auto", device="cpu",
                                           window_floor=floor, **cap)  # fmt: skip
        transcriber.backend.unlikely_below = None  # random weights: see the docstring
        _say(f"{name}: loaded in {time.perf_counter() - started:.1f} s")
        opts = transcriber.options
        at = window.typical_window(transcriber.window_seconds, transcriber.backend.window_floor)
        path = choose_cpu_path(CpuFeatures.detect(), at)
        line = (
            f"{name}: {'the answer window and an early start' if early else 'the full window'}; "
            f"auto chose {opts.backend} {opts.precision} on {opts.device} for a {at:.0f} s "
            f"window (random-weight whisper-{args.size} trained at {args.window} s, up to "
            f"{opts.max_new_tokens} tokens decoded), because {path.reason}."
        )
        ways.append(Way(name, transcriber, early, line))
    return ways


def pieces(wav: Path, chunk: float, tail: float) -> tuple[list[bytes], float]:
    """The browser's streamed files for `wav` with quiet around it; and where the speech ends."""
    import soundfile as sf
    import soxr

    clean, rate = sf.read(wav, dtype="float32")
    loud = np.flatnonzero(np.abs(clean) > 0.01)
    speech_end = LEAD + (loud[-1] + 1) / rate
    word = soxr.resample(clean, rate, RATE)
    quiet = [np.zeros(int(s * RATE), np.float32) for s in (LEAD, tail)]
    signal = np.concatenate([quiet[0], word, quiet[1]])
    signal = signal + np.random.default_rng(0).normal(0, 3e-4, len(signal))
    pcm = np.round(np.clip(signal, -1, 1) * 32767).astype("<i2")
    step = int(chunk * RATE)
    first = min(step, len(pcm)) * 2  # every piece goes under the first piece's header
    header = b"RIFF" + struct.pack("<I", first + 36) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, 1, RATE, RATE * 2, 2, 16) + b"data"
    header += struct.pack("<I", first)
    files = [header + pcm[i : i + step].tobytes() for i in range(0, len(pcm), step)]
    return files, speech_end


def run_trial(way: Way, card: game.Card, wav: Path, args, scratch: Path) -> Trial | None:
    """One word, piece by piece on the virtual clock; None if it was not heard as one answer."""
    from asr.endpoint import EarlyStart, Endpointer, read_stream_chunk

    transcriber = way.transcriber
    files, speech_end = pieces(wav, args.chunk, args.tail)
    end_piece = int(speech_end // args.chunk)
    endpointer, early, done, idle = Endpointer(), EarlyStart(), 0.0, []
    ready_at: dict[float, float] = {}  # an early recognition's end of speech: when it is ready
    for i, data in enumerate(files):
        arrival = (i + 1) * args.chunk
        begin = max(arrival, done)
        path = scratch / f"piece-{i}.wav"
        path.write_bytes(data)
        started = time.perf_counter()
        answers = endpointer.feed(*read_stream_chunk(str(path)))
        if not answers:
            done = begin + time.perf_counter() - started
            idle.append(done - begin)
            if way.early:  # the model is idle between one learner's words

                def start(utterance, at=done):
                    began = time.perf_counter()
                    heard = _transcribed(transcriber, utterance.audio)
                    ready_at[utterance.speech_end] = at + time.perf_counter() - began
                    return heard

                early.consider(endpointer, start, idle=True)
            continue
        if len(answers) > 1 or i < end_piece:
            return None
        taken = early.take(endpointer, answers[0])
        if taken is not None:
            heard = taken.result()
            model_done = time.perf_counter()
            verdict_from = max(begin + model_done - started, ready_at[answers[0].speech_end])
        else:
            heard = transcriber.transcribe(answers[0].audio)
            model_done = time.perf_counter()
            verdict_from = begin + model_done - started
        signs = game.Signs(heard.no_speech_prob, heard.avg_logprob)  # as the app judges
        judgement = game.judge(card, heard.text, signs=signs)
        done = verdict_from + time.perf_counter() - model_done
        return Trial(
            word=card.answer,
            way=way.name,
            latency=done - (end_piece + 1) * args.chunk,
            from_speech_end=done - speech_end,
            hangover_wait=begin - (end_piece + 1) * args.chunk,
            vad_ms=1000 * statistics.fmean(idle) if idle else 0.0,
            model=heard.seconds,
            judge_ms=1000 * (time.perf_counter() - model_done),
            verdict=str(judgement.verdict),
            early=taken is not None,
            window=heard.window,
        )
    return None


def _transcribed(transcriber, audio) -> Future:
    """`transcribe` as a finished future (the bench's early start runs it at once)."""
    result: Future = Future()
    result.set_result(transcriber.transcribe(audio))
    return result


def cards() -> list[game.Card]:
    """The words of the first default deck, as the app's menu starts on it."""
    decks = [game.load_deck(path) for path in game.find_decks(DEFAULT_DECKS)]
    return list(min(decks, key=lambda deck: deck.name).cards)


def say_words(chosen: list[game.Card], folder: Path) -> list[Path]:
    """espeak-ng's Swedish for each card, as the learner would say it ("en hund")."""
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is needed for the spoken words: apt-get install espeak-ng")
    wavs = []
    for index, card in enumerate(chosen):
        path = folder / f"word-{index}.wav"
        if not path.is_file():
            command = ["espeak-ng", "-v", "sv", "-w", str(path), card.display]
            subprocess.run(command, check=True, timeout=30)
        wavs.append(path)
    return wavs


def _wait_for_quiet() -> None:
    """Wait (up to QUIET_WAIT s) until other processes leave the CPU mostly idle: on 2 cores a
    busy neighbour slows torch's two threads many times over, and the figure means nothing."""
    deadline = time.monotonic() + QUIET_WAIT
    while time.monotonic() < deadline:
        ticks = _cpu_ticks()
        time.sleep(1.0)
        if _others_pct(ticks, 1.0) <= NOISY_PCT:
            return


def _pct(values: list[float], pct: int) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def report(trials: list[Trial], missed: list[str], ways: list[Way], args) -> str:
    names = [way.name for way in ways]
    by_way = {name: [t for t in trials if t.way == name] for name in names}

    def row(name: str, pick, unit: str = "s", scale: float = 1.0) -> str:
        cells = []
        for way in names:
            values = [pick(t) for t in by_way[way]]
            cells += [
                f"{_pct(values, 50) * scale:.3f} {unit}",
                f"{_pct(values, 90) * scale:.3f} {unit}",
            ]
        return f"| {name} | " + " | ".join(cells) + " |"

    header = " | ".join(f"{way} p50 | {way} p90" for way in names)
    lines = [
        f"{machine(f'random-weight whisper-{args.size}, {args.window} s window')}",
        *(way.line for way in ways),
        f"{len(by_way[names[0]])} spoken words each way, pieces of {args.chunk} s at {RATE} Hz, "
        f"{len(missed)} not heard as one answer{': ' + ', '.join(missed) if missed else ''}.",
        "",
        f"| end of speech → verdict | {header} |",
        "|---|" + "---:|" * (2 * len(names)),
        row("from the piece holding the end of speech", lambda t: t.latency),
        row("from the true end of speech", lambda t: t.from_speech_end),
        row("of which: waiting for the hang-over", lambda t: t.hangover_wait),
        row("of which: transcribe", lambda t: t.model),
        row("of which: judge", lambda t: t.judge_ms, "ms"),
        row("a piece without an answer (read + VAD)", lambda t: t.vad_ms, "ms"),
        "",
    ]
    for way in ways:
        done = by_way[way.name]
        windows = Counter(f"{t.window:.0f} s" for t in done)
        guard = dict(getattr(way.transcriber.backend, "guard", {}))
        lines.append(
            f"{way.name}: verdicts {dict(Counter(t.verdict for t in done))}; decoded at "
            f"{dict(windows)}; {sum(t.early for t in done)} of {len(done)} from an early start; "
            f"guard {guard or '-'}."
        )
    lines.append(
        f"Other processes took {statistics.median(t.others for t in trials):.0f} % of the CPU "
        f"during a word (median; at most {max(t.others for t in trials):.0f} %)."
    )
    return "\n".join(lines) + "\n"


def time_words(ways: list[Way], args) -> tuple[list[Trial], list[str]]:
    """Each of `args.runs` deck words, each way in turn, timed after a warm-up; and the words
    not heard as one answer."""
    deck_cards = cards()
    chosen = [deck_cards[i % len(deck_cards)] for i in range(args.runs)]
    trials, missed = [], []
    with tempfile.TemporaryDirectory(prefix="bench-handsfree-") as scratch:
        folder = Path(scratch)
        wavs = say_words(chosen, folder)
        for way in ways:  # warm-up: VAD, model, judge
            run_trial(way, chosen[0], wavs[0], args, folder)
        for card, wav in zip(chosen, wavs, strict=True):
            for way in ways:
                if not args.quick:
                    _wait_for_quiet()
                ticks, started = _cpu_ticks(), time.monotonic()
                trial = run_trial(way, card, wav, args, folder)
                others = _others_pct(ticks, time.monotonic() - started)
                if trial is None:
                    missed.append(f"{card.answer} ({way.name})")
                    continue
                trials.append(replace(trial, others=others))
                _say(f"{card.answer} {way.name}: {trial.latency:.3f} s ({trial.verdict}, "
                     f"early {trial.early}, others {others:.0f} %)")  # fmt: skip
    return trials, missed


def main(args: argparse.Namespace) -> int:
    """Time the words, print the table; 1 if any word was not heard as exactly one answer."""
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # its generate() advice, every call
    try:
        args = _options(args)
        ways = load_ways(args)
    except (ValueError, OSError, RuntimeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for way in ways:
        _say(way.line)
    trials, missed = time_words(ways, args)
    if not {t.way for t in trials} >= {way.name for way in ways}:
        print("error: a way heard no word as an answer", file=sys.stderr)
        return 1
    print(report(trials, missed, ways, args), end="")
    return 1 if missed else 0
