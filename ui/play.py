"""The play tab's handlers: plain functions of the app's `Context` and one player's inputs.

Each takes what Gradio hands it (the player's state, the chosen deck, their uploads, the card
kept on screen, settings) and returns the whole screen (`ui.screen.show`, a `Screen`), so a
handler can be called and checked without a server. Answers are never batched by Gradio (a
batched event takes every state input from the first player of the batch); recordings of
players speaking at once share a model call inside `asr`.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

import asr
import game
from classroom import Student
from game import voice
from ui import zerogpu
from ui.context import MAX_TEXT, Context, Model, Prefs, Recogniser, Stored, Uploaded, from_browser
from ui.screen import Reply, Screen, View, feedback_for, note, show
from ui.text import language_of, refusal, say

log = logging.getLogger(__name__)

LISTEN_MARGIN = 0.7  # seconds after "Listen" ends before the microphone listens again

Stepped = tuple[game.GameState, game.Feedback]  # what a step of `game` returns
Action = Callable[..., Stepped]  # a step of `game`: answer, hint, skip


def lang_of(prefs: Prefs | None, request: gr.Request | None) -> str:
    """The player's language: chosen in the settings, else what their browser asks for."""
    header = request.headers.get("accept-language") if request is not None else None
    return language_of(from_browser(prefs).get("lang", ""), header)


def restore(stored: object, deck: game.Deck) -> game.GameState:
    return game.fit_to_deck(game.from_dict(stored), deck)


def begin(ctx: Context, stored: Stored, key: str, uploaded: Uploaded, prefs: Prefs | None = None,
          request: gr.Request | None = None, *, only: Iterable[str] | None = None,
          note_key: str = "prompt") -> Screen:  # fmt: skip
    """A new round on the chosen deck (a new round, a deck change, practising, a reset)."""
    lang = lang_of(prefs, request)
    deck = ctx.deck_for(key, uploaded, lang)
    state = game.start_round(restore(stored, deck), deck, seed=random.randrange(2**32),
                             size=ctx.options.round_size, only=only)  # fmt: skip
    view = View(state, deck, lang)
    return show(ctx, View(state, deck, lang, note(ctx, view, note_key)))


def practise(ctx: Context, stored: Stored, key: str, uploaded: Uploaded,
             prefs: Prefs | None = None, request: gr.Request | None = None) -> Screen:  # fmt: skip
    deck = ctx.deck_for(key, uploaded, lang_of(prefs, request))
    missed = game.summary(restore(stored, deck)).to_practise
    note_key = "practising" if missed else "nothing_missed"
    return begin(ctx, stored, key, uploaded, prefs, request, only=missed or None,
                 note_key=note_key)  # fmt: skip


def reset(ctx: Context, key: str, uploaded: Uploaded, prefs: Prefs | None = None,
          request: gr.Request | None = None) -> Screen:  # fmt: skip
    return begin(ctx, {}, key, uploaded, prefs, request, note_key="reset_done")


def next_card(ctx: Context, stored: Stored, key: str, uploaded: Uploaded,
              prefs: Prefs | None = None, request: gr.Request | None = None) -> Screen:  # fmt: skip
    lang = lang_of(prefs, request)
    deck = ctx.deck_for(key, uploaded, lang)
    return show(ctx, View(restore(stored, deck), deck, lang))


def step(ctx: Context, action: Action, stored: Stored, key: str, uploaded: Uploaded,
         pending: str | None, auto: bool, prefs: Prefs | None, request: gr.Request | None,
         *args: object, extra: dict[str, Any] | None = None,
         student: Student | None = None) -> Screen:  # fmt: skip
    """One game step on the card on screen, and the screen after it."""
    lang = lang_of(prefs, request)
    deck = ctx.deck_for(key, uploaded, lang)
    state = restore(stored, deck)
    if pending:  # the learner looks at a finished card: a new answer waits for "Next"
        view = View(state, deck, lang, pending=pending)
        return show(ctx, View(state, deck, lang, note(ctx, view, "press_next"), pending))
    before = game.current_card(state, deck)
    state, feedback = action(state, deck, *args)
    if student is not None and before is not None and extra:  # a judged answer, in a class
        ctx.classes.record(student, before, feedback, state, extra["heard"], extra["typed"])
    done = before.id if feedback.card_done and before is not None else None
    view = View(state, deck, lang, pending=done if not auto else None, answered=done)
    html = feedback_for(ctx, view, feedback, before, **(extra or {}))
    return show(ctx, View(view.state, deck, lang, html, view.pending, view.answered))


def hint(ctx: Context, stored: Stored, key: str, uploaded: Uploaded, pending: str | None,
         auto: bool, prefs: Prefs | None = None,
         request: gr.Request | None = None) -> Screen:  # fmt: skip
    return step(ctx, game.hint, stored, key, uploaded, pending, auto, prefs, request)


def skip(ctx: Context, stored: Stored, key: str, uploaded: Uploaded, pending: str | None,
         auto: bool, prefs: Prefs | None = None,
         request: gr.Request | None = None) -> Screen:  # fmt: skip
    return step(ctx, game.skip, stored, key, uploaded, pending, auto, prefs, request)


@dataclass(frozen=True)
class TypedAnswer(Reply):
    """The screen after a typed answer, and the answer box, cleared."""

    screen: Screen
    typed: str = ""


def answer_text(ctx: Context, text: str | None, stored: Stored, key: str, uploaded: Uploaded,
                pending: str | None, auto: bool, prefs: Prefs | None = None,
                student: Student | None = None,
                request: gr.Request | None = None) -> TypedAnswer:  # fmt: skip
    lang = lang_of(prefs, request)
    if not text or not text.strip():
        raise refusal("type_first", lang, duration=4)
    if len(text) > MAX_TEXT:  # judged and kept in the browser's state: keep it small
        raise refusal("too_long", lang, duration=6, n=MAX_TEXT)
    screen = step(ctx, _typed, stored, key, uploaded, pending, auto, prefs, request, text,
                  extra={"heard": text, "typed": True}, student=student)  # fmt: skip
    return TypedAnswer(screen)


def answer_audio(ctx: Context, audio: str | None, stored: Stored, key: str, uploaded: Uploaded,
                 pending: str | None, auto: bool, prefs: Prefs | None = None,
                 student: Student | None = None,
                 request: gr.Request | None = None) -> Screen:  # fmt: skip
    """One player's recording: its own state in, its own state out."""
    result = transcribe(ctx.model, audio, lang_of(prefs, request))
    return judge_heard(ctx, result, stored, key, uploaded, pending, auto, prefs, student, request)


def judge_heard(ctx: Context, result: asr.Transcript | str, stored: Stored, key: str,
                uploaded: Uploaded, pending: str | None, auto: bool, prefs: Prefs | None = None,
                student: Student | None = None,
                request: gr.Request | None = None) -> Screen:  # fmt: skip
    """The screen after a recording was heard: its transcript judged, or the message that says
    why there is none (no try is used up then)."""
    if isinstance(result, str):
        return told(ctx, "plain_text", stored, key, uploaded, pending, prefs, request, text=result)
    extra = {"heard": result.text, "seconds": result.seconds, "typed": False}
    # What the model itself knows: a transcript it most likely heard no speech in costs no try.
    signs = game.Signs(result.no_speech_prob, result.avg_logprob)
    return step(ctx, game.answer, stored, key, uploaded, pending, auto, prefs, request,
                result.text, signs, extra=extra, student=student)  # fmt: skip


def told(ctx: Context, key_: str, stored: Stored, key: str, uploaded: Uploaded,
         pending: str | None, prefs: Prefs | None = None, request: gr.Request | None = None,
         **params: object) -> Screen:  # fmt: skip
    """The screen as it is, with a plain message (`key_` of `ui.text`) in the feedback box."""
    lang = lang_of(prefs, request)
    deck = ctx.deck_for(key, uploaded, lang)
    view = View(restore(stored, deck), deck, lang, pending=pending)
    return show(ctx, View(view.state, deck, view.lang, note(ctx, view, key_, **params), pending))


def listen(ctx: Context, stored: Stored, key: str, uploaded: Uploaded, pending: str | None,
           answered: str | None, prefs: Prefs | None = None,
           request: gr.Request | None = None) -> tuple[str, float]:  # fmt: skip
    """The word of the card just answered (or hinted) as a recording, for the browser to play,
    and until when the hands-free microphone should not listen (it would hear the word)."""
    lang = lang_of(prefs, request)
    deck = ctx.deck_for(key, uploaded, lang)
    view = View(restore(stored, deck), deck, lang, pending=pending, answered=answered)
    card = view.listen_card()
    path = voice.word_audio(card, ctx.voice_dir, ctx.neural) if card else None
    if path is None:
        raise refusal("no_recording", view.lang)
    played = ctx.public.public(path)  # a deck's own recording may be named after the answer
    return played, time.time() + _seconds(path) + LISTEN_MARGIN


def _seconds(path: Path) -> float:
    """How long a recording plays; a few seconds when its header cannot say."""
    import soundfile

    try:
        return float(soundfile.info(str(path)).duration)
    except (RuntimeError, OSError, soundfile.LibsndfileError):
        return 3.0


def _typed(state: game.GameState, deck: game.Deck, text: str) -> Stepped:
    return game.answer(state, deck, text, typed=True)


def transcribe(model: Model, audio: object, lang: str = "en") -> asr.Transcript | str:
    """The transcript of one recording, or a message for its sender saying why there is none.

    Never raises: a broken file, a refused recording, an engine that is down or a model that
    fails costs this player one message and nothing else. A model that is missing is one plain
    sentence for the learner; its reason is in the log and the operator's status.
    """
    if audio is None or audio == "":
        return say("nothing_recorded", lang)
    recogniser = model.get()
    if recogniser is None:
        return say(missing_model(model), lang)
    try:
        return recognise(recogniser, audio)
    except Exception as e:
        return failure_message(e, lang)


def missing_model(model: Model) -> str:
    """The message (a key of `ui.text`) for a recording heard while there is no model."""
    return "model_loading" if model.loading else "no_speech_model"


def failure_message(error: BaseException, lang: str) -> str:
    """What a learner reads when their recording could not be heard: `asr`'s own fault in
    their language, or, for anything unexpected (logged), a plain "try again"."""
    if isinstance(error, asr.AsrError):
        return asr_message(error, lang)
    log.error("the speech model failed on a recording", exc_info=error)
    return say("listen_failed", lang)


def asr_message(error: asr.AsrError, lang: str) -> str:
    """What went wrong with a recording, in the learner's language.

    `asr` writes its messages in English, naming the exact fault; in another language the
    learner gets the kind of fault (too long, the engine away, a recording that cannot be used)
    and what to do.
    """
    if lang == "en":
        return str(error)
    if isinstance(error, asr.AudioTooLong):
        return say("audio_too_long", lang, seconds=f"{error.seconds:.1f}",
                   limit=f"{error.limit:.0f}")  # fmt: skip
    if isinstance(error, asr.EngineUnavailable):
        return say("engine_away", lang)
    return say("audio_unusable", lang)


def recognise_here(recogniser: Recogniser, audio: object) -> asr.Transcript:
    """The plain call, before a Space may wrap it."""
    return recogniser.transcribe(audio)


# ZeroGPU on Hugging Face Spaces: each answer is a GPU task of `zerogpu.ANSWER_GPU_SECONDS`;
# elsewhere (or without the `spaces` package) this is `recognise_here` itself.
recognise: zerogpu.Recognise = zerogpu.on_gpu(recognise_here)


def play_deck(ctx: Context, stored: Stored, key: str, uploaded: Uploaded,
              prefs: Prefs | None = None, request: gr.Request | None = None, *,
              going_on: str = "") -> Screen:  # fmt: skip
    """The chosen deck's round: the one going on (with the note `going_on`, a key), or a new
    one when the deck changed or its round is over."""
    lang = lang_of(prefs, request)
    deck = ctx.deck_for(key, uploaded, lang)
    state = restore(stored, deck)
    if state.round and state.round.deck == deck.name and not state.round.finished:
        view = View(state, deck, lang)
        html = note(ctx, view, going_on) if going_on else ""
        return show(ctx, View(state, deck, view.lang, html))
    return begin(ctx, stored, key, uploaded, prefs, request)
