"""Reloads and what the browser hands back: a page load, and every step after it, ends on a
working screen whatever the browser's storage holds (a player can edit it: the browser has the
key that encrypts it), and says in a sentence what was lost. The handlers are called as plain
functions; the browser tests (tests/test_browser_reloads.py) do the same through a real page."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest

import game
from tests.test_ui_handlers import Heard, part, two_cards, zipped
from ui import classes, decks, wiring
from ui import play as handlers
from ui.context import Context, from_browser

UPLOADED_KEY = "Testdjur (uploaded)"


@pytest.fixture
def ctx(tmp_path) -> Context:
    return two_cards(tmp_path, Heard("hund"))


def playing_upload(ctx: Context, make_deck, tmp_path: Path) -> tuple[dict, dict, dict]:
    """A learner one card into a round of a deck they uploaded: (uploaded, mine, stored)."""
    _, uploaded, menu, _ = decks.upload(ctx, [zipped(make_deck(), tmp_path / "up.zip")], "", {})
    mine = decks.remember(ctx, menu["value"], uploaded, {})
    screen = handlers.begin(ctx, {}, UPLOADED_KEY, uploaded)
    screen = handlers.skip(ctx, part(screen, "stored"), UPLOADED_KEY, uploaded, None, True)
    return uploaded, mine, part(screen, "stored")


@pytest.mark.parametrize(
    "value",
    [None, [], "sv", 7, ["x"], {"lang": 5}, {"lang": ["sv"]}, {1: "x"}, {"mode": {"a": 1}}],
    ids=repr,
)
def test_anything_but_a_dict_of_text_from_the_browser_is_left_out(value):
    kept = from_browser(value)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in kept.items())
    assert kept == {}


FORGED = [
    pytest.param({"mine": ["x"]}, id="uploads-a-list"),
    pytest.param({"mine": "token"}, id="uploads-text"),
    pytest.param({"mine": {UPLOADED_KEY: {"a": 1}}}, id="token-a-dict"),
    pytest.param({"mine": {UPLOADED_KEY: 5}}, id="token-a-number"),
    pytest.param({"mine": {UPLOADED_KEY: "made-up"}}, id="token-made-up"),
    pytest.param({"mine": {"Djur": "made-up"}}, id="token-for-an-everyone-deck"),
    pytest.param({"browser": "junk"}, id="progress-text"),
    pytest.param({"browser": {"version": 1, "round": {"deck": "Testdjur"}}}, id="progress-odd"),
    pytest.param({"prefs": {"lang": 5}}, id="language-a-number"),
    pytest.param({"prefs": ["sv"]}, id="settings-a-list"),
    pytest.param({"prefs": "sv"}, id="settings-text"),
    pytest.param({"key": None}, id="no-menu-value"),
    pytest.param({"key": "Nope"}, id="menu-value-unknown"),
]


@pytest.mark.parametrize("forged", FORGED)
def test_a_page_load_with_forged_storage_ends_on_a_working_screen(ctx, forged):
    inputs = {"browser": {}, "key": "Djur", "mine": {}, "prefs": None} | forged
    screen = decks.on_load(ctx, inputs["browser"], inputs["key"], {}, inputs["mine"],
                           inputs["prefs"])  # fmt: skip
    assert part(screen, "picture") and game.from_dict(part(screen, "stored")).round is not None
    assert "What is this in Swedish?" in part(screen, "feedback")
    menu = part(screen, "deck_key")
    assert menu["value"] in [key for _, key in menu["choices"]]
    # and the round plays on from there
    after = handlers.skip(
        ctx, part(screen, "stored"), menu["value"], part(screen, "uploaded"), None, True
    )
    assert game.from_dict(part(after, "stored")).round.position == 1


@pytest.mark.parametrize("prefs", [None, {}, ["sv"], {"lang": "de", "mode": "loud"}, {"lang": 1}])
def test_settings_from_the_browser_are_always_among_the_choices(prefs):
    assert wiring._language_on_load(prefs) in ("", "en", "sv")
    assert wiring._mode_on_load(prefs)[0] in ("free", "press")


@pytest.mark.parametrize(
    "seat",
    [["x"], "ABC", {"code": 5, "name": "Anna", "token": "t"}, {"code": "ABC", "name": ["Anna"]}],
    ids=repr,
)
def test_a_forged_class_seat_is_no_seat(ctx, seat):
    student, _, _, line, *_ = classes.rejoin(ctx, seat, None)
    assert student is None and line == ""


def test_a_made_up_token_for_the_rounds_deck_says_it_is_gone(ctx, make_deck, tmp_path):
    _, _, stored = playing_upload(ctx, make_deck, tmp_path)
    screen = decks.on_load(ctx, stored, "Djur", {}, {UPLOADED_KEY: "made-up"}, None)
    feedback = part(screen, "feedback")
    assert "Your uploaded deck Testdjur is no longer on this server" in feedback
    assert part(screen, "deck_key")["value"] == "Djur" and part(screen, "picture")
    assert f"data-picture='{Path(part(screen, 'picture')).stem}'" in feedback  # the one shown


def test_a_deck_removed_from_disk_mid_round_is_said_and_a_reload_plays_on(ctx, make_deck,
                                                                         tmp_path):  # fmt: skip
    import gradio as gr

    uploaded, mine, stored = playing_upload(ctx, make_deck, tmp_path)
    shutil.rmtree(uploaded[UPLOADED_KEY].path.parent)
    with pytest.raises(gr.Error, match="Testdjur is no longer on this server"):
        handlers.skip(ctx, stored, UPLOADED_KEY, uploaded, None, True)
    assert ctx.uploads.bytes == 0  # let go of, as if the shelf had made room
    screen = decks.on_load(ctx, stored, UPLOADED_KEY, {}, mine, None)  # a reload: a new tab
    assert "Testdjur is no longer on this server" in part(screen, "feedback")
    assert part(screen, "deck_key")["value"] == "Djur" and part(screen, "uploaded") == {}
    assert part(screen, "picture") and game.from_dict(part(screen, "stored")).round.deck == "Djur"


def test_an_everyone_deck_whose_pictures_went_from_disk_still_plays(ctx):
    screen = handlers.begin(ctx, {}, "Djur", {})
    for card in ctx.library.first().cards:
        card.image.unlink()
    for _ in range(2):
        screen = handlers.skip(ctx, part(screen, "stored"), "Djur", {}, None, True)
    assert part(screen, "summary_box")["visible"] is True


GONE = {
    "an-upload": "Your uploaded deck Testdjur is no longer on this server: upload it again.",
    "a-class-deck": "Your class's deck Testdjur is no longer on this server: press “Join the "
    "class” under Class to get it back.",
    "no-token": "The deck Testdjur of your round is no longer on this server: a new round has "
    "begun.",
}
SEAT = {"code": "K7QX3M", "name": "Anna", "token": "t"}


@pytest.mark.parametrize(
    ("mine", "seat", "said"),
    [({UPLOADED_KEY: "made-up"}, None, GONE["an-upload"]),
     ({UPLOADED_KEY: "made-up"}, SEAT, GONE["a-class-deck"]),
     ({}, None, GONE["no-token"])],
    ids=list(GONE),
)  # fmt: skip
def test_a_reload_whose_deck_is_gone_says_which(ctx, make_deck, tmp_path, mine, seat, said):
    """After a restart (the server's shelf is empty), or with the browser's token gone."""
    _, _, stored = playing_upload(ctx, make_deck, tmp_path)
    restarted = Context.create({"Djur": ctx.library.first()}, ctx.model, ctx.options)
    screen = decks.on_load(restarted, stored, "Djur", {}, mine, None, seat)
    assert said in html.unescape(part(screen, "feedback"))
    assert part(screen, "deck_key")["value"] == "Djur" and part(screen, "picture")
    assert game.from_dict(part(screen, "stored")).round.deck == "Djur"


@pytest.mark.parametrize(
    ("query", "seat", "tab"),
    [("", None, None), ("K7QX3M", None, "class"), ("k7qx3m", {"code": "Q2W3E4"}, "class"),
     ("k7qx3m", {"code": "K7QX3M", "name": "Anna"}, None), ("K7QX3M", ["K7QX3M"], "class")],
)  # fmt: skip
def test_a_join_link_opens_the_class_tab_unless_the_browser_is_in_that_class(query, seat, tab):
    _, tabs = classes.link_code("", query, seat)
    assert (tabs.get("selected") if isinstance(tabs, dict) else tabs.selected) == tab
