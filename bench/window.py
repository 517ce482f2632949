"""`python -m bench window`: a model's transcripts, verdicts and time at each encoder window.

For a Whisper folder (CTranslate2, or transformers with `--backend transformers`; by default the
random-weight one `bench load` builds) and spoken deck
words (espeak-ng, or a folder of WAVs named after their answers), every word is transcribed at
the full window (30 s), at 10 s and 5 s, and at the answer window the app uses (`asr.window`,
its guard included), and judged against its card. The table gives the median time per word, the
verdicts, how many verdicts differ from the full window's, and how often the guard decoded again:
a deployer checks their own model here before turning the window down.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import game

WINDOWS: tuple[tuple[str, float, float], ...] = (
    # (name, encoder window in s, floor given to asr.window: 0 = exactly that window)
    ("30 s", 30.0, 0.0),
    ("10 s", 10.0, 0.0),
    ("5 s", 5.0, 0.0),
    ("answer window (default)", 30.0, -1.0),  # -1: asr's default floor and guard
)


@dataclass
class Row:
    name: str
    seconds: list[float] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    guard: Counter[str] = field(default_factory=Counter)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--model", type=Path, metavar="DIR", help="a Whisper folder (default: random "
        "whisper-tiny, which says nothing about verdicts)")  # fmt: skip
    add("--backend", choices=("ctranslate2", "transformers"), default="ctranslate2",
        help="the path to decode on (default ctranslate2, int8)")  # fmt: skip
    add("--words", type=int, default=24, help="deck words to say (default 24)")
    add("--show", action="store_true", help="print each word's transcripts that differ")


def _clips(count: int, folder: Path) -> list[tuple[game.Card, object]]:
    import soundfile

    from bench.handsfree import say_words
    from bench.load import DEFAULT_DECKS

    decks = [game.load_deck(path) for path in game.find_decks(DEFAULT_DECKS)]
    cards = [card for deck in sorted(decks, key=lambda d: d.name) for card in deck.cards][:count]
    clips = []
    for card, wav in zip(cards, say_words(cards, folder), strict=True):
        samples, rate = soundfile.read(wav, dtype="float32")
        clips.append((card, (rate, samples)))
    return clips


def _measure(model: Path, backend_name: str, name: str, window: float, floor: float,
             clips) -> Row:  # fmt: skip
    import numpy as np

    import asr
    from asr import window as answer

    row = Row(name)
    transcriber = asr.load_transcriber(model, backend_name, "cpu",
                                       window_floor=answer.FLOOR if floor < 0 else 0.0)  # fmt: skip
    backend = transcriber.backend
    for card, (rate, samples) in clips:
        clip = asr.prepare((rate, samples)).samples.astype(np.float32)
        started = time.perf_counter()
        if floor < 0:
            heard = transcriber.transcribe((asr.SAMPLE_RATE, clip))
        else:
            heard = backend._decode([clip], window)[0]
        row.seconds.append(time.perf_counter() - started)
        row.texts.append(heard.text)
        signs = game.Signs(heard.no_speech_prob, heard.avg_logprob)  # as the app judges
        row.verdicts.append(str(game.judge(card, heard.text, signs=signs).verdict))
    row.guard = Counter(getattr(backend, "guard", {}))
    asr.clear_cache()
    return row


def report(rows: list[Row], cards: list[game.Card], show: bool) -> str:
    base = rows[0]
    lines = [
        "| window | median s per word | vs 30 s | verdicts | differ from 30 s | decoded again |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for row in rows:
        median = statistics.median(row.seconds)
        counts = Counter(row.verdicts)
        verdicts = ", ".join(f"{k} {counts[k]}" for k in ("correct", "close", "wrong", "no_speech")
                             if counts[k])  # fmt: skip
        differ = sum(a != b for a, b in zip(row.verdicts, base.verdicts, strict=True))
        again = f"{row.guard['again']} of {row.guard['short']}" if row.guard else "-"
        ratio = median / statistics.median(base.seconds)
        lines.append(f"| {row.name} | {median:.3f} | {ratio:.2f} | {verdicts} | {differ} "
                     f"| {again} |")  # fmt: skip
    if show:
        lines.append("")
        for i, card in enumerate(cards):
            texts = [row.texts[i] for row in rows]
            if len(set(texts)) > 1:
                lines.append(f"- {card.display}: " + " | ".join(repr(t) for t in texts))
    return "\n".join(lines) + "\n"


def main(args: argparse.Namespace) -> int:
    from bench.load import LoadOptions, machine, model_for

    if args.words < 1:
        print("error: --words must be 1 or more", file=sys.stderr)
        return 2
    model = args.model
    description = str(model)
    if model is None:
        path, description = model_for(LoadOptions(model_size="tiny", backend=args.backend))
        model = Path(path)
    with tempfile.TemporaryDirectory(prefix="bench-window-") as scratch:
        clips = _clips(args.words, Path(scratch))
        rows = []
        for name, window, floor in WINDOWS:
            rows.append(_measure(model, args.backend, name, window, floor, clips))
            print(f"[bench window] {name}: done", file=sys.stderr, flush=True)
    print(report(rows, [card for card, _ in clips], args.show), end="")
    print(f"\n{machine(description)} {len(clips)} deck words said by espeak-ng; one decode each, "
          "after a warm-up.")  # fmt: skip
    return 0
