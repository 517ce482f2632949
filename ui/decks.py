"""Deck handlers: a page load (with the decks a player uploaded), the menu, uploads, saving.

A player's uploaded decks live on the server by a random token that their browser keeps
(`UploadShelf`, which owns their folders and deletes the oldest when room runs out), so a reload
in the middle of a round of an uploaded deck goes on with it; a deck the server no longer has is
said so, never silently swapped for another.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import gradio as gr

import game
from game.findings import in_lang
from game.library import DeckNameTaken
from ui import render
from ui.context import (
    MAX_TEXT,
    UPLOADED,
    Context,
    Prefs,
    Seat,
    Stored,
    Tokens,
    Update,
    Uploaded,
    from_browser,
)
from ui.files import DeckTooLarge
from ui.play import begin, lang_of, missing_model, play_deck, restore
from ui.screen import Reply, Screen, View, note
from ui.text import refusal, say


@dataclass(frozen=True)
class PageLoad(Reply):
    """A new page: the screen, the player's uploads and the deck menu (its choices with it)."""

    screen: Screen
    uploaded: Uploaded
    deck_key: Update


def on_load(ctx: Context, browser: Stored, key: str, uploaded: Uploaded, mine: Tokens | None,
            prefs: Prefs | None, seat: Seat | None = None,
            request: gr.Request | None = None) -> PageLoad:  # fmt: skip
    """A new page: the progress and uploads kept in this browser (a round goes on after a
    reload), and its class seat (a class's deck lost is told so)."""
    mine = from_browser(mine)  # a token edited in the browser finds nothing
    found = {k: deck for k, token in mine.items() if (deck := ctx.uploads.get(token))}
    had = {**uploaded, **found}
    uploaded = {k: deck for k, deck in had.items() if ctx.uploads.touch(deck)}
    stored = game.from_dict(browser)
    name = stored.round.deck if stored.round else ""
    playing = name + UPLOADED if name else ""
    # The menu's value as the page was built (a script may send any): a deck everyone has.
    key = key if isinstance(key, str) and ctx.library.get(key) else ctx.library.first().name
    if name and playing not in uploaded and not ctx.library.get(name):  # the round's deck is gone
        if playing not in mine and playing not in had:
            said = "deck_gone"  # a deck taken off the server, or a token gone from the browser
        else:  # a restart, or the shelf let it go
            said = "class_deck_lost" if from_browser(seat).get("code") else "upload_gone"
        lang = lang_of(prefs, request)
        screen = begin(ctx, browser, key, uploaded, prefs, request)
        deck = ctx.deck_for(key, uploaded, lang)  # the sentence marks the picture now shown
        view = View(restore(screen.stored, deck), deck, lang)
        gone = note(ctx, view, said, name=name)
        screen = _model_notice(ctx, replace(screen, feedback=gone), key, uploaded, lang)
        return PageLoad(screen, uploaded, deck_menu(ctx, key, uploaded, prefs, request))
    # An uploaded deck's round goes on, and so does one of a deck everyone has.
    known = name if name and ctx.library.get(name) else key
    chosen = playing if playing in uploaded else known
    screen = play_deck(ctx, browser, chosen, uploaded, prefs, request, going_on="welcome_back")
    screen = _model_notice(ctx, screen, chosen, uploaded, lang_of(prefs, request))
    # The menu's choices come with its value: an uploaded deck is not among the choices the
    # page was built with, and a value outside them is an error in the browser.
    return PageLoad(screen, uploaded, deck_menu(ctx, chosen, uploaded, prefs, request))


def _model_notice(ctx: Context, screen: Screen, key: str, uploaded: Uploaded,
                  lang: str) -> Screen:  # fmt: skip
    """The screen with a one-sentence notice in the feedback while there is no speech model
    (still loading, failed, or none): the microphone is hidden or cannot be heard, and a
    learner opening the page is told why rather than left to guess."""
    if ctx.model.get() is not None:
        return screen
    deck = ctx.deck_for(key, uploaded, lang)
    view = View(restore(screen.stored, deck), deck, lang)
    return replace(screen, feedback=screen.feedback + note(ctx, view, missing_model(ctx.model)))


def deck_menu(ctx: Context, key: str, uploaded: Uploaded | None, prefs: Prefs | None = None,
              request: gr.Request | None = None) -> Update:  # fmt: skip
    """The deck menu, showing `key`: after every page load (one saved for everyone since is
    offered), a change of language, an upload and joining a class. Labelled in the page's
    language (`prefs`, `request`); a caller without either gets the decks' names."""
    lang = lang_of(prefs, request) if prefs or request is not None else None
    return gr.update(choices=ctx.choices(uploaded or {}, lang), value=key)


def credits(ctx: Context, key: str, uploaded: Uploaded, prefs: Prefs | None = None,
            request: gr.Request | None = None) -> str:  # fmt: skip
    """The line under the menu: the deck's description and the credit for its pictures, in the
    page's language where the deck gives them."""
    lang = lang_of(prefs, request)
    try:
        deck = ctx.deck_for(key, uploaded, lang)
    except gr.Error:  # an upload let go: the round's handler says so
        return ""
    parts = [p for p in (deck.about(lang), deck.credit(lang)) if p]
    return f"<small>{render.emphasis(' · '.join(parts))}</small>" if parts else ""


def upload(ctx: Context, files: list[str] | None, name: str | None, uploaded: Uploaded,
           prefs: Prefs | None = None,
           request: gr.Request | None = None) -> tuple[str, Uploaded, Update, Update]:  # fmt: skip
    """Check an uploaded deck and offer it at once; every problem and warning is listed, in the
    page's language (quoting the teacher's files, rows and columns as they are)."""
    from game.upload import UploadError, load_upload

    lang = lang_of(prefs, request)
    if not files:
        raise refusal("choose_deck", lang)
    try:
        if name and len(name) > MAX_TEXT:
            raise UploadError(say("deck_name_long", lang, n=MAX_TEXT))
        deck = load_upload([Path(f) for f in files], ctx.upload_dir, name=name or None)
        ctx.uploads.put(deck)  # the shelf owns its folder from now on, remembered or not
    except (UploadError, game.DeckError, DeckTooLarge) as e:
        report = f"### ✗ {say('cannot_play', lang)}\n```\n{as_uploaded(e, files, lang)}\n```"
        return report, uploaded, gr.update(), gr.update(visible=False)
    key = deck.name + UPLOADED
    uploaded = {**uploaded, key: deck}
    report = f"### ✓ {say('deck_ready', lang, name=deck.name, n=len(deck.cards))}"
    if deck.warnings:
        warnings = "\n".join(f"- {in_lang(w, lang)}" for w in deck.warnings)
        report += f"\n\n{say('warnings', lang)}\n{warnings}"
    saving = gr.update(visible=ctx.options.allow_saving_decks)
    return report, uploaded, deck_menu(ctx, key, uploaded, prefs, request), saving


def remember(ctx: Context, key: str, uploaded: Uploaded, mine: Tokens | None) -> Tokens:
    """Let a reload find the deck just uploaded: this browser keeps (`mine`) the token it has
    on the server's shelf."""
    deck = uploaded.get(key)
    mine = from_browser(mine)
    if deck is not None and (token := ctx.uploads.token_of(deck)) is not None:
        mine[key] = token
    return mine


def save_for_everyone(ctx: Context, key: str, uploaded: Uploaded, prefs: Prefs | None = None,
                      request: gr.Request | None = None) -> str:  # fmt: skip
    from game.upload import UploadError, save_deck

    lang = lang_of(prefs, request)
    deck = uploaded.get(key)
    if not ctx.options.allow_saving_decks or ctx.options.decks_dir is None:
        raise refusal("saving_off", lang)
    if deck is None or deck.path is None:
        raise refusal("pick_uploaded", lang)
    if not ctx.uploads.touch(deck):
        raise refusal("upload_gone", lang, name=deck.title(lang))
    if ctx.library.has(deck.name):  # never shadow a deck everyone already plays
        raise refusal("deck_exists", lang, name=deck.name)
    try:
        folder = save_deck(deck.path, ctx.options.decks_dir)
        ctx.library.add(game.load_deck(folder))
    except (UploadError, game.DeckError, DeckNameTaken) as e:
        raise gr.Error(as_said(e, lang), title=say("error_title", lang)) from e
    return f"### ✓ {say('saved', lang, name=deck.name)}"


def as_uploaded(error: Exception, files: list[str], lang: str = "en") -> str:
    """The error in the teacher's terms and the page's language: their file names, never the
    server's work folder."""
    if isinstance(error, DeckTooLarge):
        return error.said(lang)
    if not isinstance(error, game.DeckError):
        return as_said(error, lang)
    names = ", ".join(Path(f).name for f in files)
    count = len(error.problems)
    lines = "\n".join(f"  - {problem.text(lang)}" for problem in error.problems)
    head = say("deck_problems_1", lang, names=names) if count == 1 else say(
        "deck_problems_n", lang, names=names, n=count)  # fmt: skip
    return f"{head}\n{lines}"


def as_said(error: Exception, lang: str) -> str:
    """An error's message in `lang` where `game` wrote it as a `Finding` (an `UploadError`, a
    problem); any other message as it is."""
    message = error.args[0] if len(error.args) == 1 and isinstance(error.args[0], str) else None
    return in_lang(message, lang) if message is not None else str(error)
