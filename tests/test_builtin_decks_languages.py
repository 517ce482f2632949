"""The built-in decks speak the page's language: a Swedish page reads each deck's name,
description, the pictures' credit and every card's hint in Swedish, an English page in English,
through the same handlers the app wires (the deck menu, the line under it, the hint button)."""

from __future__ import annotations

import html
from pathlib import Path
from types import SimpleNamespace

import pytest

import game
from game.deck import _gives_away
from tests.test_ui_handlers import Heard
from ui import AppOptions, Context, Model
from ui import play as handlers
from ui.context import load_decks

DECKS_DIR = Path(__file__).resolve().parent.parent / "assets" / "decks"
BUILT_IN = load_decks(DECKS_DIR)
CARDS = [(deck.name, card) for deck in BUILT_IN.values() for card in deck.cards]


def page(lang: str, how: str) -> tuple[dict | None, SimpleNamespace]:
    """The (prefs, request) of a page in `lang`: the browser's language, or one chosen in the
    settings over a browser that asks for the other one."""
    other = "en-GB,en;q=0.9" if lang == "sv" else "sv-SE,sv;q=0.9"
    if how == "browser":
        browser = "sv-SE,sv;q=0.9,en;q=0.8" if lang == "sv" else "en-US,en;q=0.9"
        return None, SimpleNamespace(headers={"accept-language": browser})
    return {"lang": lang}, SimpleNamespace(headers={"accept-language": other})


PAGES = [(lang, how) for lang in ("sv", "en") for how in ("browser", "settings")]


@pytest.fixture(scope="module")
def ctx(tmp_path_factory) -> Context:
    work = tmp_path_factory.mktemp("work")
    return Context.create(BUILT_IN, Model(ready=Heard("hund")),
                          AppOptions(secret="s" * 32, work_dir=work))  # fmt: skip


def test_there_are_the_six_built_in_decks_of_124_cards():
    assert len(BUILT_IN) == 6 and len(CARDS) == 124


@pytest.mark.parametrize(("name", "card"), CARDS, ids=[c.answer for _, c in CARDS])
def test_every_built_in_card_has_a_swedish_hint_that_keeps_the_answer(name, card):
    assert card.hint and card.hint_sv and card.hint_sv != card.hint
    for word, _ in card.alternatives:  # nor an accepted answer ("mc" for motorcykel)
        assert not _gives_away(card.hint_sv, word), (card.answer, card.hint_sv)


def test_the_built_in_decks_load_without_warnings():
    assert {name: deck.warnings for name, deck in BUILT_IN.items() if deck.warnings} == {}


@pytest.mark.parametrize(("lang", "how"), PAGES)
def test_the_deck_menu_and_credits_are_in_the_page_language(ctx, lang, how):
    from ui import decks

    prefs, request = page(lang, how)
    first = ctx.library.names()[0]
    menu = decks.deck_menu(ctx, first, {}, prefs, request)
    labels = dict((key, label) for label, key in menu["choices"])
    assert menu["value"] == first and list(labels) == ctx.menu({})  # the keys never change
    for key, deck in BUILT_IN.items():
        assert deck.name_sv and deck.description_sv and deck.attribution_sv
        credits = decks.credits(ctx, key, {}, prefs, request)
        if lang == "sv":
            assert labels[key] == deck.name_sv and "(" not in labels[key]  # "Djur"
            assert html.escape(deck.description_sv) in credits
            assert html.escape(deck.description) not in credits
            assert html.escape(deck.attribution_sv) in credits
            assert html.escape(deck.attribution) not in credits
        else:
            assert labels[key] == key  # "Djur (animals)"
            assert html.escape(deck.description) in credits
            assert html.escape(deck.description_sv) not in credits
            assert html.escape(deck.attribution) in credits


@pytest.mark.parametrize(("lang", "how"), PAGES)
def test_a_page_load_labels_the_menu_in_the_page_language(ctx, lang, how):
    from ui import decks

    prefs, request = page(lang, how)
    loaded = decks.on_load(ctx, None, "Djur (animals)", {}, {}, prefs, request=request)
    label = dict((key, label) for label, key in loaded.deck_key["choices"])["Djur (animals)"]
    assert label == ("Djur" if lang == "sv" else "Djur (animals)")


@pytest.mark.parametrize(
    ("lang", "how"), [("sv", "browser"), ("en", "browser"), ("sv", "settings")]
)
def test_every_built_in_hint_is_in_the_page_language(ctx, lang, how):
    prefs, request = page(lang, how)
    for key, card in CARDS:
        screen = handlers.begin(ctx, {}, key, {}, prefs, request, only=[card.id])
        stored = screen.stored
        assert game.current_card(game.from_dict(stored), BUILT_IN[key]) == card
        screen = handlers.hint(ctx, stored, key, {}, None, True, prefs, request)
        shown, other = (card.hint_sv, card.hint) if lang == "sv" else (card.hint, card.hint_sv)
        feedback = screen.feedback
        assert html.escape(shown) in feedback, (card.answer, feedback)
        assert html.escape(other) not in feedback
