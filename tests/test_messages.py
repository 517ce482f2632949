"""Every message of the game says the same thing in English and Swedish."""

from __future__ import annotations

import string

import pytest

from game import Card, Deck, GameState, answer, hint, skip, start_round
from game.judge import judge
from game.messages import MESSAGES, language, render_all


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_swedish_with_the_same_words_to_fill(key: str) -> None:
    table = MESSAGES[key]
    assert table["en"] and table["sv"]
    assert fields(table["en"]) == fields(table["sv"])


@pytest.mark.parametrize(
    ("heard", "english", "swedish"),
    [
        ("Hund.", "Right: *en hund*!", "Rätt: *en hund*!"),
        ("Ett hund.", "it is *en hund*, not *ett*.", "det heter *en hund*, inte *ett*."),
        ("Hundar.", "Almost: *hundar* is more than one", "Nästan: *hundar* är fler än en"),
        ("Katt.", "Not quite: I heard *katt*.", "Inte riktigt: jag hörde *katt*."),
        ("Hånd.", "the vowel should be *u*", "vokalen ska vara *u*"),
        ("Bat.", "the vowel: *å*, not *a*", "vokalen: *å*, inte *a*"),
        ("", "I didn't hear a word", "Jag hörde inget ord"),
    ],
)  # fmt: skip
def test_the_judge_speaks_both_languages(heard: str, english: str, swedish: str) -> None:
    j = judge(Card("båt" if heard == "Bat." else "hund", "en"), heard)
    assert english in j.text.render("en") and english in j.message
    assert swedish in j.text.render("sv")


def test_session_feedback_renders_in_swedish_and_keeps_the_teachers_hint() -> None:
    deck = Deck("T", (Card("hund", "en", hint="Den skäller. (It barks.)"),))
    state = start_round(GameState(), deck, seed=1)
    state, wrong = answer(state, deck, "katt")
    assert "Försök igen (2 försök kvar)." in render_all(wrong.texts, "sv")
    assert render_all(wrong.texts, "en") == wrong.message
    state, tip = hint(state, deck)
    assert render_all(tip.texts, "sv").startswith("Den skäller. (It barks.)")
    _, over = skip(state, deck)
    assert render_all(over.texts, "sv") == "Svaret är *en hund*."


@pytest.mark.parametrize(
    ("header", "lang"),
    [("sv-SE,sv;q=0.9,en;q=0.8", "sv"), ("en-GB,en", "en"), ("de-DE,sv;q=0.5", "sv"),
     ("fr", "en"), ("", "en"), (None, "en"), ("SV", "sv")],
)  # fmt: skip
def test_the_learners_language_from_the_browser(header, lang) -> None:
    assert language(header) == lang
