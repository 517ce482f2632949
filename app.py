"""Säg det! in the browser: a Gradio app over the `game` and `asr` packages.

`python app.py [--decks DIR] [--model M] [--backend B]` starts it; `build_demo(...)` builds the
Blocks without launching, so tests can drive it with a fake transcriber. Per-player state lives in
the browser (`gr.BrowserState`) and in `gr.State`; module level holds only read-only things.
"""

from __future__ import annotations

import argparse
import atexit
import hashlib
import logging
import os
import random
import secrets
import shutil
import tempfile
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import gradio as gr
import pandas as pd

import asr
import game
from game import render, voice
from game.library import DeckLibrary, DeckNameTaken

try:  # ZeroGPU on Hugging Face Spaces; the app runs the same without it.
    import spaces
except ImportError:
    spaces = None

log = logging.getLogger("sag-det")

HERE = Path(__file__).resolve().parent
DEFAULT_DECKS = HERE / "assets" / "decks"
STORAGE_KEY = "sag-det-progress"
UPLOADED = " (uploaded)"
MAX_TEXT = 200  # letters in a typed answer or a deck name; a phrase fits, a pasted essay not


class Recogniser(Protocol):
    def transcribe(self, audio: object, sample_rate: int | None = None) -> asr.Transcript: ...


@dataclass
class Model:
    """The speech model as the app sees it: loading in the background, ready, or failed."""

    future: Future | None = None
    ready: Recogniser | None = None
    name: str = ""

    def get(self) -> Recogniser | None:
        future = self.future
        if self.ready is None and future is not None and future.done() and not future.exception():
            self.ready = future.result()
        return self.ready

    def status(self) -> str:
        if self.get() is not None:
            return f"🎙️ Speech recognition ready ({self.name})."
        if self.future is None:
            return "⌨️ No speech model: type your answers."
        if not self.future.done():
            return f"⏳ Loading the speech model ({self.name})… type your answers meanwhile."
        return f"⚠️ The speech model could not load: {self.future.exception()} Type your answers."


@dataclass(frozen=True)
class AppOptions:
    decks_dir: Path | None = None  # the deployer's decks, next to the default ones
    allow_saving_decks: bool = False  # may uploaded decks be saved for everyone?
    round_size: int = game.session.ROUND_SIZE
    answer_concurrency: int = 16  # spoken answers handled at once; the rest queue in Gradio
    secret: str = field(default="", repr=False)  # encrypts progress stored in the browser
    work_dir: Path = field(default_factory=lambda: new_work_dir())


def load_decks(*roots: Path) -> dict[str, game.Deck]:
    """Every valid deck under `roots`, by name; invalid ones are logged and left out."""
    decks: dict[str, game.Deck] = {}
    for path in game.find_decks(*roots):
        try:
            deck = game.load_deck(path)
        except game.DeckError as e:
            log.error("%s", e)
            continue
        decks.setdefault(deck.name, deck)
    return decks


def build_demo(
    decks: dict[str, game.Deck] | DeckLibrary, model: Model, options: AppOptions
) -> gr.Blocks:
    """The whole app. `model` may be loading still, failed, or a fake in tests."""
    if not decks:
        raise SystemExit("No valid deck found: check the decks with `python -m game check DIR`.")
    library = decks if isinstance(decks, DeckLibrary) else DeckLibrary(decks)
    names = library.names()  # at build time only; every page load reads the library again
    voice_dir = options.work_dir / "voice"
    neutral = _NeutralNames(options.work_dir / "public")  # all that a page is served
    upload_dir = options.work_dir / "uploads"

    def deck_for(key: str, uploaded: dict) -> game.Deck:
        return uploaded.get(key) or library.get(key) or library.first()

    def on_screen(state: game.GameState, deck: game.Deck, pending: str | None):
        """The card the learner sees: the finished one until "Next", else the current one."""
        return deck.card(pending) if pending else game.current_card(state, deck)

    def screen(state: game.GameState, deck: game.Deck, pending: str | None, note: str) -> tuple:
        """Everything the play tab shows, in the order of `screen_outputs`."""
        card = on_screen(state, deck, pending)
        finished = state.round is not None and state.round.finished and not pending
        summary = game.summary(state) if finished else None
        data = game.to_dict(state)
        return (
            data,
            data,
            neutral.public(card.image) if card and card.image else None,
            render.progress_html(state, showing_finished=bool(pending)),
            note,
            gr.update(visible=voice.can_speak(card) and not finished),
            gr.update(visible=bool(pending)),
            gr.update(visible=finished),
            render.summary_html(summary, deck) if summary else "",
            _points_frame(summary, deck) if summary else None,
            _accuracy_frame(summary) if summary else None,
            pending,
        )

    def restore(stored: Any, deck: game.Deck) -> game.GameState:
        return game.fit_to_deck(game.from_dict(stored), deck)

    def begin(stored, key, uploaded, only=None, note="What is this in Swedish?"):
        deck = deck_for(key, uploaded)
        state = game.start_round(
            restore(stored, deck),
            deck,
            seed=random.randrange(2**32),
            size=options.round_size,
            only=only,
        )
        return screen(state, deck, None, render.note_html(note))

    def on_load(browser, key, uploaded):
        """A new page: pick up the progress kept in this browser (rounds go on after a reload)."""
        deck = deck_for(key, uploaded)
        state = restore(browser, deck)
        if state.round and state.round.deck == deck.name and not state.round.finished:
            return screen(state, deck, None, render.note_html("Welcome back: your round goes on."))
        return begin(browser, key, uploaded)

    def practise(stored, key, uploaded):
        deck = deck_for(key, uploaded)
        missed = game.summary(restore(stored, deck)).to_practise
        note = "Practising the words you missed." if missed else "Nothing missed: a new round!"
        return begin(stored, key, uploaded, only=missed or None, note=note)

    def step(action, stored, key, uploaded, pending, auto, *args, extra=None):
        deck = deck_for(key, uploaded)
        state = restore(stored, deck)
        if pending:  # the learner looks at a finished card: a new answer waits for "Next"
            note = render.note_html("Press *Next* for the next picture.")
            return screen(state, deck, pending, note)
        before = game.current_card(state, deck)
        state, feedback = action(state, deck, *args)
        note = render.feedback_html(feedback, **(extra or {}))
        done = feedback.card_done and before is not None and not auto
        return screen(state, deck, before.id if done else None, note)

    def answer_text(text, stored, key, uploaded, pending, auto):
        if not text or not text.strip():
            raise gr.Error("Type the Swedish word first.", duration=4)
        if len(text) > MAX_TEXT:  # judged and kept in the browser's state: keep it small
            raise gr.Error(f"That is longer than any answer: type just the word ({MAX_TEXT} "
                           "letters at most).", duration=6)  # fmt: skip
        return (
            *step(
                _typed,
                stored,
                key,
                uploaded,
                pending,
                auto,
                text,
                extra={"heard": text, "typed": True},
            ),
            "",
        )

    def answer_audio(audio, stored, key, uploaded, pending, auto):
        """One player's recording: its own state in, its own state out.

        Never batched by Gradio (a batched event takes every state input from the first player
        of the batch); clips of players speaking at once share a model call inside `asr`.
        """
        result = _transcribe(model, audio)
        if isinstance(result, str):  # a message instead of a transcript: no try is used up
            deck = deck_for(key, uploaded)
            return screen(restore(stored, deck), deck, pending, render.note_html(result))
        extra = {"heard": result.text, "seconds": result.seconds}
        return step(game.answer, stored, key, uploaded, pending, auto, result.text, extra=extra)

    def next_card(stored, key, uploaded):
        deck = deck_for(key, uploaded)
        return screen(restore(stored, deck), deck, None, "")

    def listen(stored, key, uploaded, pending):
        deck = deck_for(key, uploaded)
        card = on_screen(restore(stored, deck), deck, pending)
        path = voice.word_audio(card, voice_dir) if card else None
        if path is None:
            raise gr.Error("No recording of this word, and speech synthesis is not installed.")
        return neutral.public(path)  # a deck's own recording may be named after the answer

    def reset(key, uploaded):
        return begin({}, key, uploaded, note="Your progress is reset. A fresh start!")

    def upload(files, name, uploaded):
        from game.upload import UploadError, load_upload

        if not files:
            raise gr.Error(
                "Choose a deck to upload: a .zip, an Anki .apkg, or a CSV with its pictures."
            )
        try:
            if name and len(name) > MAX_TEXT:
                raise UploadError(f"The deck name is too long ({MAX_TEXT} letters at most).")
            deck = load_upload([Path(f) for f in files], upload_dir, name=name or None)
        except (UploadError, game.DeckError) as e:
            return (
                f"### ✗ This deck cannot be played\n```\n{_as_uploaded(e, files)}\n```",
                uploaded,
                gr.update(),
                gr.update(visible=False),
            )
        key = deck.name + UPLOADED
        uploaded = {**uploaded, key: deck}
        report = f"### ✓ {deck.name}: {len(deck.cards)} cards, ready to play in this session"
        if deck.warnings:
            report += "\n\nWarnings:\n" + "\n".join(f"- {w}" for w in deck.warnings)
        choices = library.names() + sorted(uploaded)
        return (
            report,
            uploaded,
            gr.update(choices=choices, value=key),
            gr.update(visible=options.allow_saving_decks),
        )

    def save_for_everyone(key, uploaded):
        from game.upload import UploadError, save_deck

        deck = uploaded.get(key)
        if not options.allow_saving_decks or options.decks_dir is None:
            raise gr.Error("Saving decks for everyone is switched off on this server.")
        if deck is None or deck.path is None:
            raise gr.Error("Pick an uploaded deck in the deck menu first.")
        if library.has(deck.name):  # never shadow a deck everyone already plays
            raise gr.Error(
                f"A deck called {deck.name!r} is offered already: change the name in the deck "
                "(or the name field for a CSV), upload it again, then save."
            )
        try:
            folder = save_deck(deck.path, options.decks_dir)
            library.add(game.load_deck(folder))
        except (UploadError, game.DeckError, DeckNameTaken) as e:
            raise gr.Error(str(e)) from e
        return (
            f"### ✓ Saved: {deck.name} is in the deck menu of everyone who opens the page "
            "from now on."
        )

    # Gradio's cache holds every recording and upload: files older than a day go, checked hourly.
    with gr.Blocks(title="Säg det!", delete_cache=(3600, 86_400)) as demo:
        # The session's state lives server-side in `stored` (one per tab, also for API clients);
        # `browser` mirrors it into the browser's storage so progress survives visits.
        browser = gr.BrowserState({}, storage_key=STORAGE_KEY, secret=options.secret)
        stored = gr.State({})
        uploaded = gr.State({})
        pending = gr.State(None)
        gr.Markdown("# Säg det!\nSay the Swedish word for the picture.")
        with gr.Tab("Play"):
            deck_key = gr.Dropdown(names, value=names[0], label="Deck")
            progress = gr.HTML(padding=False)
            picture = gr.Image(
                type="filepath",
                show_label=False,
                height=340,
                interactive=False,
                elem_id="picture",
                buttons=["fullscreen"],  # no download: the file would name the answer
            )
            feedback = gr.HTML(padding=False)
            with gr.Row():
                mic = gr.Audio(
                    sources=["microphone", "upload"],
                    # A path, decoded by `asr` (soundfile, then PyAV): Gradio's own decoding needs
                    # ffmpeg and fails before the handler, where no message can be given.
                    type="filepath",
                    label="Say the word: record, then stop",
                    scale=3,
                )
            with gr.Row():
                typed = gr.Textbox(
                    label="No microphone? Type it",
                    placeholder="Skriv ordet…",
                    scale=3,
                    submit_btn="Answer",
                )
            with gr.Row(equal_height=True):
                hint_btn = gr.Button("💡 Hint", min_width=70)
                listen_btn = gr.Button("🔊 Listen", min_width=70)
                skip_btn = gr.Button("⏭ Skip", min_width=70)
                next_btn = gr.Button("Next ▶", variant="primary", visible=False, min_width=70)
            spoken = gr.Audio(autoplay=True, visible=False, label="The word")
            with gr.Column(visible=False) as summary_box:
                summary = gr.HTML()
                with gr.Row():
                    points_plot = gr.BarPlot(
                        x="word", y="points", color="result", title="Points per word", height=260
                    )
                    accuracy_plot = gr.LinePlot(
                        x="card",
                        y="accuracy",
                        title="Accuracy over the round",
                        y_lim=[0, 100],
                        height=260,
                    )
                with gr.Row():
                    again_btn = gr.Button("Play again", variant="primary")
                    practise_btn = gr.Button("Practise missed words")
            status = gr.Markdown(model.status())
            with gr.Accordion("Settings", open=False):
                auto = gr.Checkbox(True, label="Next picture automatically after an answer")
                reset_btn = gr.Button("Reset my progress", variant="stop")
            credits = gr.Markdown(_credits(library.first()))
        with gr.Tab("Decks"):
            gr.Markdown(
                "Upload a deck: a **.zip** of a deck folder, an **Anki .apkg**, or a **CSV** "
                "together with its pictures. The format is in the README. Every problem is listed."
            )
            deck_files = gr.File(file_count="multiple", label="Deck files")
            deck_name = gr.Textbox(label="Deck name (for a CSV upload)", placeholder="Mina ord")
            check_btn = gr.Button("Check and play", variant="primary")
            report = gr.Markdown()
            save_btn = gr.Button("Save for everyone", visible=False)

        common = [stored, deck_key, uploaded]
        screen_outputs = [
            stored, browser, picture, progress, feedback, listen_btn, next_btn,
            summary_box, summary, points_plot, accuracy_plot, pending,
        ]  # fmt: skip
        demo.load(on_load, [browser, deck_key, uploaded], screen_outputs, api_name="start")
        demo.load(
            lambda key, mine: gr.update(choices=library.names() + sorted(mine), value=key),
            [deck_key, uploaded],
            deck_key,
            api_name="deck_menu",
        )
        deck_key.change(begin, common, screen_outputs, api_name="change_deck")
        deck_key.change(
            lambda k, u: _credits(deck_for(k, u)), [deck_key, uploaded], credits, api_name=False
        )
        again_btn.click(begin, common, screen_outputs, api_name="new_round")
        practise_btn.click(practise, common, screen_outputs, api_name="practise_missed")
        play_inputs = [*common, pending, auto]
        typed.submit(
            answer_text, [typed, *play_inputs], [*screen_outputs, typed], api_name="answer_text"
        )
        gr.on(
            [mic.stop_recording, mic.upload],
            answer_audio,
            [mic, *play_inputs],
            screen_outputs,
            api_name="answer_audio",
            # Answers wait in `asr`'s batcher, not in Gradio: this only caps how many recordings
            # are held in memory at once.
            concurrency_limit=options.answer_concurrency,
            concurrency_id="model",
        ).then(lambda: None, None, mic, api_name=False)  # ready to record the next answer
        hint_btn.click(lambda *a: step(game.hint, *a), play_inputs, screen_outputs, api_name="hint")
        skip_btn.click(lambda *a: step(game.skip, *a), play_inputs, screen_outputs, api_name="skip")
        next_btn.click(next_card, common, screen_outputs, api_name="next")
        listen_btn.click(listen, [*common, pending], spoken, api_name="listen")
        reset_btn.click(reset, [deck_key, uploaded], screen_outputs, api_name="reset_progress")
        check_btn.click(
            upload,
            [deck_files, deck_name, uploaded],
            [report, uploaded, deck_key, save_btn],
            api_name="upload_deck",
        )
        save_btn.click(save_for_everyone, [deck_key, uploaded], report, api_name="save_deck")
        timer = gr.Timer(1.0, active=model.future is not None and model.get() is None)
        timer.tick(
            lambda: (
                model.status(),
                gr.Timer(active=model.get() is None and not model.future.done()),
            ),
            None,
            [status, timer],
            api_name=False,
        )
    return demo


class _NeutralNames:
    """Copies of pictures and recordings under names that do not give the answer away
    (hund.png → 3f2a….png).

    The browser sees the file name in the picture's address; a learner could read the answer.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.known: dict[Path, str] = {}

    def public(self, path: Path) -> str:
        if path not in self.known:
            digest = hashlib.sha1(path.read_bytes()).hexdigest()[:16]
            target = self.folder / f"{digest}{path.suffix.lower()}"
            if not target.exists():
                self.folder.mkdir(parents=True, exist_ok=True)
                # Players load pages at once: copy under a private name, then rename, so no
                # request ever sees half a file.
                partial = target.with_name(f".{secrets.token_hex(8)}{target.name}")
                shutil.copyfile(path, partial)
                partial.replace(target)
            self.known[path] = str(target)
        return self.known[path]


def _as_uploaded(error: Exception, files: list) -> str:
    """The error in the teacher's terms: their file names, never the server's work folder."""
    if not isinstance(error, game.DeckError):
        return str(error)
    names = ", ".join(Path(f).name for f in files)
    count = len(error.problems)
    lines = "\n".join(f"  - {problem}" for problem in error.problems)
    return f"The deck in {names} has {count} problem{'s' if count != 1 else ''}:\n{lines}"


def _typed(state: game.GameState, deck: game.Deck, text: str):
    return game.answer(state, deck, text, typed=True)


def _transcribe(model: Model, audio: object) -> asr.Transcript | str:
    """The transcript of one recording, or a message for its sender saying why there is none.

    Never raises: a broken file, a refused recording, an engine that is down or a model that
    fails costs this player one message and nothing else.
    """
    if audio is None or audio == "":
        return "Nothing was recorded. Press record, say the word, then stop."
    recogniser = model.get()
    if recogniser is None:
        return model.status()
    try:
        return _recognise(recogniser, audio)
    except asr.AsrError as e:
        return str(e)
    except Exception:
        log.exception("the speech model failed on a recording")
        return "Something went wrong while listening. Please try again, or type your answer."


def _recognise(recogniser: Recogniser, audio: object) -> asr.Transcript:
    return recogniser.transcribe(audio)


if spaces is not None:  # on ZeroGPU the model call gets a GPU for its duration
    _recognise = spaces.GPU(_recognise)


def _points_frame(summary: game.RoundSummary, deck: game.Deck) -> pd.DataFrame:
    rows = []
    for result in summary.results:
        card = deck.card(result.card_id)
        rows.append(
            {
                "word": card.answer if card else result.card_id,
                "points": result.points,
                "result": render.OUTCOME_LABELS[result.outcome],
            }
        )
    return pd.DataFrame(rows, columns=["word", "points", "result"])


def _accuracy_frame(summary: game.RoundSummary) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "card": range(1, len(summary.running_accuracy) + 1),
            "accuracy": [round(a * 100) for a in summary.running_accuracy],
        }
    )


def _credits(deck: game.Deck) -> str:
    parts = [p for p in (deck.description, deck.attribution) if p]
    return f"<small>{render.emphasis(' · '.join(parts))}</small>" if parts else ""


WORK_PREFIX = "sag-det-"


def new_work_dir(root: Path | None = None) -> Path:
    """A fresh work folder (uploads, neutral copies, spoken words), marked with this process id.

    Folders left by app processes that are gone (killed, crashed) are removed first, so restarts
    do not pile up copies of every uploaded deck; this process's folder goes when it exits.
    """
    root = Path(root or tempfile.gettempdir())
    remove_stale_work_dirs(root)
    folder = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=root))
    (folder / "pid").write_text(str(os.getpid()))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def remove_stale_work_dirs(root: Path) -> list[Path]:
    """Remove the work folders under `root` whose app process no longer runs; return them."""
    removed = []
    for folder in root.glob(f"{WORK_PREFIX}*"):
        try:
            pid = int((folder / "pid").read_text())
        except (OSError, ValueError):
            continue  # not ours, or still being made: leave it
        if _running(pid):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    if removed:
        log.info("removed %d work folder(s) left by stopped app processes", len(removed))
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        return True
    return True


def browser_secret() -> str:
    """The secret that encrypts progress in the browser: $SAGDET_SECRET, else one kept on disk.

    A new secret on every start would make every player's stored progress unreadable.
    """
    if os.environ.get("SAGDET_SECRET"):
        return os.environ["SAGDET_SECRET"]
    path = asr.models.cache_dir() / "browser-secret"
    try:
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip()
    except OSError:
        log.warning("no SAGDET_SECRET and no writable cache: progress is lost on restart")
        return secrets.token_hex(32)


def main(argv: list[str] | None = None) -> None:
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
    parser.add_argument("--device", default=env("SAGDET_DEVICE", "auto"), help="cpu, cuda or auto")
    parser.add_argument(
        "--precision",
        default=env("SAGDET_PRECISION", "auto"),
        choices=["auto", "fp32", "fp16", "bf16", "int8"],
        help="auto: the path measured fastest on this CPU (see the README)",
    )
    parser.add_argument("--no-model", action="store_true", help="typed answers only")
    parser.add_argument(
        "--allow-saving-decks",
        action="store_true",
        default=env("SAGDET_ALLOW_SAVING_DECKS") == "1",
        help="let uploaded decks be saved into --decks for everyone",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    roots = [DEFAULT_DECKS, *([args.decks] if args.decks else [])]
    model = Model(name=f"{args.model}, remote" if args.asr_url else args.model)
    if not args.no_model:
        model.future = asr.load_in_background(
            args.model,
            "remote" if args.asr_url else args.backend,
            args.device,
            "auto" if args.asr_url else args.precision,
            url=args.asr_url,
            max_batch_size=args.max_batch_size,
            batch_wait=args.batch_wait_ms / 1000,
        )
        model.future.add_done_callback(lambda _: log.info("%s", model.status()))
    options = AppOptions(
        decks_dir=args.decks, allow_saving_decks=args.allow_saving_decks, secret=browser_secret()
    )
    demo = build_demo(load_decks(*roots), model, options)
    launch(demo)


def launch(demo: gr.Blocks, **extra: Any) -> tuple:
    """Queue and launch `demo` as it is served (tests pass `prevent_thread_lock` and the like)."""
    return demo.queue(default_concurrency_limit=8).launch(
        css=render.CSS,
        max_file_size="100mb",  # a deck zip; recordings are far smaller
        # No allowed_paths: they would serve every file under them to anyone who knows the path
        # (a deck's items.csv holds every answer). What a handler returns, Gradio copies into its
        # own cache and serves from there: the neutral picture copies and the spoken words only.
        **extra,
    )


if __name__ == "__main__":
    main()
