"""Säg det! in the browser: the entry point a Hugging Face Space runs (`python app.py`).

`python app.py [--decks DIR] [--model M] [--backend B]` starts it. The app itself is the `ui`
package: `build_demo(...)` builds the Blocks without launching, so tests can drive it with a
fake transcriber. Per-player state lives in the browser (`gr.BrowserState`) and in `gr.State`;
module level holds only read-only things.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import threading
from pathlib import Path
from typing import Any

import gradio as gr

import asr
from game import voice
from game.upload import UploadLimits
from ui import AppOptions, Model, build_demo, load_decks, zerogpu
from ui.context import browser_secret
from ui.files import WORK_PREFIX, new_work_dir, remove_stale_work_dirs
from ui.play import transcribe as _transcribe
from ui.render import CSS
from ui.text import I18N

__all__ = [
    "DEFAULT_DECKS", "WORK_PREFIX", "AppOptions", "Model", "_transcribe", "browser_secret",
    "build_demo", "launch", "load_decks", "main", "new_work_dir", "remove_stale_work_dirs",
    "voice",
]  # fmt: skip

log = logging.getLogger("sag-det")

HERE = Path(__file__).resolve().parent
MAX_MICROPHONES = 200  # hands-free microphones open at once; more wait in Gradio's queue
OTHER_EVENTS = 40  # events beside them (Gradio's own default for all events together)
DEFAULT_DECKS = HERE / "assets" / "decks"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, with each option's `SAGDET_*` environment variable as its default."""
    env = os.environ.get
    parser = argparse.ArgumentParser(description="Säg det! the Swedish speaking game")
    parser.add_argument("--decks", type=Path, default=env("SAGDET_DECKS"), help="a folder of decks")
    parser.add_argument(
        "--model",
        default=env("SAGDET_MODEL", asr.DEFAULT_MODEL),
        help="model name, hub id or folder",
    )
    parser.add_argument(
        "--backend",
        default=env("SAGDET_BACKEND", "auto"),
        choices=["auto", "transformers", "ctranslate2"],
    )
    parser.add_argument(
        "--asr-url",
        default=env("SAGDET_ASR_URL", ""),
        help="send recordings to this OpenAI-style transcription engine (vLLM, whisper.cpp "
        "server) instead of loading a model; --model names the engine's model",
    )
    parser.add_argument("--device", default=env("SAGDET_DEVICE", "auto"), help="cpu, cuda or auto")
    parser.add_argument(
        "--precision",
        default=env("SAGDET_PRECISION", "auto"),
        choices=["auto", "fp32", "fp16", "bf16", "int8"],
        help="auto: the path measured fastest on this CPU (see the README)",
    )
    parser.add_argument(
        "--window-floor",
        type=float,
        default=float(env("SAGDET_WINDOW_FLOOR", str(asr.window.FLOOR))),
        help="the shortest encoder window an answer gets, seconds (the answer window; "
        "0: the model's full window); check a model with python -m bench window first",
    )
    _add_serving(parser)
    parser.add_argument("--no-model", action="store_true", help="typed answers only")
    parser.add_argument(
        "--db",
        default=env("SAGDET_DB"),
        help="class mode's database: a SQLAlchemy URL (postgresql+psycopg://...), a folder for "
        "a SQLite file, or a .db file (default: /data when it exists, else ~/.cache/sag-det)",
    )
    parser.add_argument(
        "--voice",
        type=Path,
        default=env("SAGDET_VOICE"),
        help="a Piper voice file (.onnx, its .onnx.json beside it) that says Listen's words; "
        "without it, or without the piper package, espeak-ng does",
    )
    parser.add_argument(
        "--allow-saving-decks",
        action="store_true",
        default=env("SAGDET_ALLOW_SAVING_DECKS") == "1",
        help="let uploaded decks be saved into --decks for everyone",
    )
    args = parser.parse_args(argv)
    args.db = _database(parser, args.db)
    return args


def _database(parser: argparse.ArgumentParser, setting: str | None) -> str | None:
    """--db as the URL class mode opens, checked now: a value that can never work stops the
    start with its reason, rather than failing the first class a teacher makes."""
    if not (setting or "").strip():
        return None  # the default, chosen when class mode is first used
    from classroom import BadDatabaseSetting, url_from_setting

    try:
        return url_from_setting(setting)
    except BadDatabaseSetting as e:
        parser.error(str(e))


def _add_serving(parser: argparse.ArgumentParser) -> None:
    """The options of serving many players at once."""
    env = os.environ.get
    parser.add_argument(
        "--max-batch-size",
        type=int,
        default=int(env("SAGDET_MAX_BATCH_SIZE", "0")),
        help="recordings of players speaking at once decoded in one model call "
        "(0: the measured default, 1 on a CPU, 8 on a GPU)",
    )
    parser.add_argument(
        "--batch-wait-ms",
        type=float,
        default=float(env("SAGDET_BATCH_WAIT_MS", "10")),
        help="how long a recording waits for others to share its model call",
    )
    parser.add_argument(
        "--max-microphones",
        type=int,
        default=int(env("SAGDET_MAX_MICROPHONES", str(MAX_MICROPHONES))),
        help="hands-free microphones open at once (each is a streaming event); more wait",
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    roots = [DEFAULT_DECKS, *([args.decks] if args.decks else [])]
    model = Model(name=f"{args.model}, remote" if args.asr_url else args.model)
    if not args.no_model:
        model.future = zerogpu.load(  # asr.load_in_background, or at once on ZeroGPU
            args.model,
            "remote" if args.asr_url else args.backend,
            args.device,
            "auto" if args.asr_url else args.precision,
            url=args.asr_url,
            max_batch_size=args.max_batch_size,
            batch_wait=args.batch_wait_ms / 1000,
            window_floor=max(0.0, args.window_floor),
        )
        model.future.add_done_callback(lambda _: log.info("%s", model.status()))
    options = AppOptions(
        decks_dir=args.decks,
        allow_saving_decks=args.allow_saving_decks,
        secret=browser_secret(),
        db_url=args.db,
        teacher_key=os.environ.get("SAGDET_TEACHER_KEY", ""),
        voice_model=args.voice,
    )
    demo = build_demo(load_decks(*roots), model, options)
    launch(demo, microphones=max(1, args.max_microphones))


def launch(demo: gr.Blocks, microphones: int = MAX_MICROPHONES, **extra: Any) -> tuple:
    """Queue and launch `demo` as it is served (tests pass `prevent_thread_lock` and the like).

    Gradio runs at most `max_threads` events at once, whatever their groups, and an open
    hands-free microphone is an event for as long as it streams: room for `microphones` of
    them, and `OTHER_EVENTS` more for everything else.
    """
    return demo.queue(default_concurrency_limit=8).launch(
        max_threads=microphones + OTHER_EVENTS,
        css=CSS,
        i18n=I18N,
        # Per file: the largest upload the deck loader accepts (a deck's zip or an Anki package);
        # recordings are far smaller.
        max_file_size=UploadLimits().max_upload_bytes,
        # Gradio's run history keeps every call's inputs and outputs in the browser (a class's
        # PIN or a teacher key on a school's shared computer) behind an English "Runs" link.
        run_history=False,
        # No allowed_paths: they would serve every file under them to anyone who knows the path
        # (a deck's items.csv holds every answer). What a handler returns, Gradio copies into its
        # own cache and serves from there: the neutral picture copies and the spoken words only.
        **extra,
    )


def close(demo: gr.Blocks) -> None:
    """Stop a demo that `launch` started without blocking (tests, benchmarks).

    `Blocks.close` sets the server's asyncio stop event from the calling thread. Each open
    heartbeat waits on that event and cancels its wait when its browser goes; a set from
    another thread racing that cancel raises `InvalidStateError` halfway through the close,
    leaving the port served. The event is set on the server's own loop first, so the close
    that follows finds it set; should a wait begin in between, the close is finished here.
    """
    served = {id(a): a for a in (getattr(demo, "server_app", None), getattr(demo, "app", None))}
    for server_app in served.values():
        event = getattr(server_app, "stop_event", None)
        loop = getattr(event, "_loop", None)  # bound by the first wait on it, if any
        if event is None or loop is None or not loop.is_running():
            continue
        done = threading.Event()

        def stop(event: Any = event, done: threading.Event = done) -> None:
            event.set()
            done.set()

        loop.call_soon_threadsafe(stop)
        done.wait(timeout=5)
    try:
        demo.close()
    except asyncio.InvalidStateError:  # the race above, on a wait that began meanwhile
        if demo.server:
            demo.server.close()
        demo.app.startup_events_triggered = False


if __name__ == "__main__":
    main()
