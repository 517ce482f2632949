"""`python -m bench load`: N spoken players at once against the app, each checked for its own game.

1. Build (once, cached) a random-weight Whisper of the real architecture, unless `--model DIR`
   names a real one or `--no-model` runs the app typed-only (spoken answers then get a message).
2. Start `app.py` on a free loopback port; wait until it serves and its model is loaded.
3. Make one espeak-ng recording per word of the deck.
4. For each N in `--players`: N clients, each its own session and thread, start a round, then send
   `--answers` recordings, all players at one instant per answer; every reply is checked with
   `bench.players.check_reply` (leaked, crossed or lost states).
5. Print a Markdown table (stdout); exit 1 if any answer leaked, crossed, was lost or errored.

Random weights decode random text for the whole token budget: the answers are judged wrong, but the
time is the model's real worst case.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import game
from bench.classes import ClassRun, judged
from bench.players import Burst, Kind, play_burst
from bench.server import ROOT, AppServer, ServerError

DEFAULT_DECKS = ROOT / "assets" / "decks"  # the app's own default decks
WORDS = 6  # recordings made from the deck's first words
SHOWN = 5  # errors and problems printed per burst


@dataclass(frozen=True)
class LoadOptions:
    players: tuple[int, ...] = (1, 5, 20, 40)  # concurrent players, one burst each
    answers: int = 3  # spoken answers per player per burst
    model: str | None = None  # a real checkpoint (folder or hub id); None: random weights
    model_size: str = "tiny"  # random-weight architecture: tiny, base or small
    window: int = 30  # random-weight encoder window in seconds: 30 or 5
    backend: str = "ctranslate2"  # passed to app.py --backend
    device: str = "auto"  # passed to app.py --device
    no_model: bool = False  # typed-only app: tests the state checks without model cost
    decks: Path | None = None  # passed to app.py --decks
    deck: str | None = None  # the deck played; None: the app's first (default) deck
    cache: Path | None = None  # where random-weight models are built once
    startup_timeout: float = 600.0  # seconds to wait for the server and its model
    log: Path | None = None  # also write the app's log here
    max_batch_size: int = 0  # passed to app.py --max-batch-size; 0: the app's measured default
    asr_url: str = ""  # passed to app.py --asr-url: a remote transcription engine
    class_mode: bool = False  # players join a class; every judged answer must be recorded
    db: str = ""  # class mode's database (app.py --db); "": a SQLite file made for the run

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> LoadOptions:
        try:
            players = tuple(int(p) for p in args.players.split(",") if p.strip())
        except ValueError:
            players = ()
        if not players or min(players) < 1:
            raise ValueError(f"--players wants numbers >= 1, like 1,5,20: got {args.players!r}")
        if args.answers < 1:
            raise ValueError(f"--answers wants a number >= 1: got {args.answers}")
        return cls(
            players=players,
            answers=args.answers,
            model=args.model,
            model_size=args.model_size,
            window=args.window,
            backend=args.backend,
            device=args.device,
            no_model=args.no_model,
            decks=args.decks,
            deck=args.deck,
            cache=args.cache,
            startup_timeout=args.startup_timeout,
            log=args.log,
            max_batch_size=args.max_batch_size,
            asr_url=args.asr_url,
            class_mode=args.class_mode,
            db=args.db,
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = LoadOptions()
    add = parser.add_argument
    add("--players", default=",".join(map(str, d.players)), help="concurrent players per burst")
    add("--answers", type=int, default=d.answers, help="spoken answers per player (default 3)")
    add("--model", metavar="DIR", help="a real checkpoint instead of random weights")
    add("--model-size", choices=["tiny", "base", "small"], default=d.model_size)
    add("--window", type=int, choices=[30, 5], default=d.window, help="encoder window, seconds")
    add("--backend", choices=["ctranslate2", "transformers", "auto"], default=d.backend)
    add("--device", default=d.device, help="cpu, cuda or auto (app.py --device)")
    add("--no-model", action="store_true", help="run the app typed-only (no speech model)")
    add("--decks", type=Path, metavar="DIR", help="more decks (app.py --decks)")
    add("--deck", help="the deck to play (default: the app's first)")
    add("--cache", type=Path, metavar="DIR", help="where random-weight models are kept")
    add("--startup-timeout", type=float, default=d.startup_timeout, metavar="S")
    add("--log", type=Path, metavar="FILE", help="also write the app's log to FILE")
    add(
        "--max-batch-size",
        type=int,
        default=d.max_batch_size,
        metavar="N",
        help="clips per model call in the app (app.py --max-batch-size; 0: its default)",
    )
    add(
        "--asr-url",
        default=d.asr_url,
        metavar="URL",
        help="a transcription engine for the app (app.py --asr-url; --model names its model)",
    )
    add(
        "--class-mode",
        action="store_true",
        help="players join a class first; checks that every judged answer is recorded",
    )
    add("--db", default="", metavar="URL",
        help="class mode's database (app.py --db; default: a SQLite file for the run)")  # fmt: skip


def say(text: str) -> None:
    print(f"[bench load] {text}", file=sys.stderr, flush=True)


def first_deck(options: LoadOptions) -> game.Deck:
    """The deck to play: `--deck`, else the one the app's menu starts on (the first by name)."""
    decks: dict[str, game.Deck] = {}
    for path in game.find_decks(*[DEFAULT_DECKS, *([options.decks] if options.decks else [])]):
        try:
            deck = game.load_deck(path)
        except game.DeckError:
            continue  # the app leaves it out too
        decks.setdefault(deck.name, deck)
    if options.deck:
        if options.deck not in decks:
            raise ValueError(f"no deck {options.deck!r}; there are: {', '.join(sorted(decks))}")
        return decks[options.deck]
    return decks[sorted(decks)[0]]


def model_for(options: LoadOptions) -> tuple[str, str]:
    """(the app's --model, a description for the report)."""
    if options.model:
        return options.model, f"{options.model} ({options.backend})"
    from asr.models import cache_dir
    from bench.speed_worker import prepare_models

    root = options.cache or cache_dir() / "bench-models"
    root.mkdir(parents=True, exist_ok=True)
    ct2 = options.backend == "ctranslate2"
    say(f"preparing a random-weight whisper-{options.model_size} ({options.window} s) in {root}")
    hf_dir, ct2_dir = prepare_models(options.model_size, options.window, root, ct2)
    chosen = ct2_dir if ct2 and ct2_dir else hf_dir
    kind = "CTranslate2 int8" if ct2 else options.backend
    return str(chosen), (
        f"random-weight whisper-{options.model_size}, {options.window} s window, {kind}"
    )


def recordings(deck: game.Deck, folder: Path) -> list[Path]:
    """One espeak-ng WAV per word (22.05 kHz int16: decodable without ffmpeg)."""
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is needed for the spoken answers: apt-get install espeak-ng")
    wavs = []
    for i, card in enumerate(deck.cards[:WORDS]):
        path = folder / f"{i}.wav"
        if not path.is_file():
            subprocess.run(
                ["espeak-ng", "-v", "sv", "-w", str(path), card.display], check=True, timeout=30
            )
        wavs.append(path)
    return wavs


def machine(description: str) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"Machine: {cpu}, {cores} cores; model: {description}."


def _percentile(values: list[float], pct: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[round(pct) - 1]


def table(rows: list[tuple[Burst, float]], lifetime_peak: bool) -> str:
    peak = "peak RSS MB" + (" (lifetime)" if lifetime_peak else "")
    lines = [
        f"| players | answers | p50 s | p95 s | answers/s | errors | leaks | crossed | lost "
        f"| no-speech | class records | {peak} |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for burst, peak_mb in rows:
        k = burst.kinds
        records = f"{burst.records[0]} of {burst.records[1]}" if burst.records else "-"
        lines.append(
            f"| {burst.players} | {burst.answers} | {_percentile(burst.latencies, 50):.2f} "
            f"| {_percentile(burst.latencies, 95):.2f} | {burst.answers_per_s:.2f} "
            f"| {len(burst.errors)} | {k[Kind.LEAK]} | {k[Kind.CROSSED]} | {k[Kind.LOST]} "
            f"| {k[Kind.NO_SPEECH]} | {records} | {peak_mb:.0f} |"
        )
    return "\n".join(lines) + "\n"


def run(options: LoadOptions) -> tuple[list[tuple[Burst, float]], str, bool]:
    """The bursts with the server's peak RSS for each, the machine line, whether peaks reset."""
    deck = first_deck(options)
    args = ["--device", options.device] + (["--decks", str(options.decks)] if options.decks else [])
    if options.no_model:
        description = "none (app.py --no-model: spoken answers get a message)"
        args += ["--no-model"]
    elif options.asr_url:
        model = options.model or "whisper-1"
        description = f"{model} on the engine at {options.asr_url}"
        args += ["--model", model, "--asr-url", options.asr_url]
    else:
        model, description = model_for(options)
        args += ["--model", model, "--backend", options.backend]
        args += ["--max-batch-size", str(options.max_batch_size)]
    rows: list[tuple[Burst, float]] = []
    resets = True
    with tempfile.TemporaryDirectory(prefix="bench-load-") as scratch:
        wavs = recordings(deck, Path(scratch))
        if options.class_mode:
            args += ["--db", options.db or f"sqlite:///{Path(scratch) / 'classes.db'}"]
        with AppServer(args, options.log) as server:
            say(f"starting app.py {' '.join(args)} on {server.url}")
            waited = server.wait_ready(options.startup_timeout, model=not options.no_model)
            say(f"ready after {waited:.1f} s; deck {deck.name!r}; warming up with one answer")
            warmup = play_burst(server.url, 1, 1, deck.name, wavs)
            if warmup.errors:
                raise RuntimeError(f"the warm-up answer failed: {warmup.errors[0]}")
            room = ClassRun.create(server.url, deck.name) if options.class_mode else None
            for b, n in enumerate(options.players):
                resets = server.reset_peak() and resets
                first = room.joiner(b) if room else None
                burst = play_burst(server.url, n, options.answers, deck.name, wavs, progress=say,
                                   first=first)  # fmt: skip
                if room:
                    burst.records = room.settle(judged(burst.kinds))
                rows.append((burst, server.peak_mb()))
                _report(burst)
    return rows, machine(description), resets


def _report(burst: Burst) -> None:
    k = burst.kinds
    say(
        f"{burst.players} players: {burst.answers} answers in {burst.wall_s:.1f} s; "
        f"ok {k[Kind.OK]}, no-speech {k[Kind.NO_SPEECH]}, leaks {k[Kind.LEAK]}, "
        f"crossed {k[Kind.CROSSED]}, lost {k[Kind.LOST]}, errors {len(burst.errors)}"
    )
    for lines in (burst.errors, burst.problems):
        for line in lines[:SHOWN]:
            say(f"  {line}")
        if len(lines) > SHOWN:
            say(f"  … and {len(lines) - SHOWN} more like these")


def main(args: argparse.Namespace) -> int:
    """Run the bursts, print the table; 1 if any answer leaked, crossed, was lost or errored."""
    try:
        options = LoadOptions.from_args(args)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")  # the clients talk to loopback only
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` too must stop the app, not orphan it
    started = time.monotonic()
    try:
        rows, machine_line, resets = run(options)
    except KeyboardInterrupt:
        say("interrupted; the app is stopped")
        return 130
    except (ServerError, RuntimeError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(table(rows, lifetime_peak=not resets), end="")
    took = time.monotonic() - started
    print(f"\n{machine_line} {options.answers} answers per player; took {took:.0f} s.")
    if not resets:
        print("Peak RSS is the app's lifetime peak: /proc/PID/clear_refs could not be written.")
    return 1 if any(burst.failed for burst, _ in rows) else 0


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")
