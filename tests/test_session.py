"""A player's session: pure steps (state, deck, input) -> (state, feedback)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from game import (
    MAX_TRIES,
    Card,
    Deck,
    GameState,
    Outcome,
    answer,
    current_card,
    fit_to_deck,
    from_dict,
    hint,
    skip,
    start_round,
    summary,
    to_dict,
)
from game.session import hint_text

WORDS = [
    ("hund", "en"),
    ("äpple", "ett"),
    ("katt", "en"),
    ("bil", "en"),
    ("hus", "ett"),
    ("ko", "en"),
]
DECK = Deck("Test", tuple(Card(w, a) for w, a in WORDS))


def started(size: int = 4, seed: int = 7, state: GameState | None = None) -> GameState:
    return start_round(state or GameState(), DECK, seed=seed, size=size)


def play(state: GameState, *heard: str) -> GameState:
    for text in heard:
        state, _ = answer(state, DECK, text)
    return state


def test_round_is_a_seeded_shuffle_of_distinct_cards():
    a, b, c = started(seed=1), started(seed=1), started(seed=2, size=6)
    assert a.round.queue == b.round.queue
    assert len(set(a.round.queue)) == 4
    assert sorted(c.round.queue) == sorted(card.id for card in DECK.cards)
    assert any(started(seed=s, size=6).round.queue != c.round.queue for s in range(3, 10))


def test_correct_answer_scores_and_moves_on():
    state = started()
    first = current_card(state, DECK)
    state, feedback = answer(state, DECK, f"Det är {first.display}.")
    assert feedback.card_done and feedback.judgement.verdict == "correct"
    assert feedback.points == 10 and state.round.score == 10
    assert state.round.streak == 1
    assert current_card(state, DECK) != first


def test_streak_bonus_grows_and_resets():
    state = started(size=6)
    points = []
    for _ in range(3):
        state, feedback = answer(state, DECK, current_card(state, DECK).answer)
        points.append(feedback.points)
    state, _ = skip(state, DECK)
    state, feedback = answer(state, DECK, current_card(state, DECK).answer)
    assert points == [10, 11, 12]
    assert feedback.points == 10 and state.round.best_streak == 3


def test_three_wrong_tries_show_the_answer():
    state = started()
    card = current_card(state, DECK)
    for n in range(1, MAX_TRIES):
        state, feedback = answer(state, DECK, "elefant")
        assert not feedback.card_done and feedback.tries_left == MAX_TRIES - n
        assert card.display not in feedback.message  # no giving the answer away yet
    state, feedback = answer(state, DECK, "elefant")
    assert feedback.card_done and card.display in feedback.message and feedback.points == 0
    assert state.round.results[-1].outcome is Outcome.MISSED
    assert state.round.results[-1].heard == ("elefant",) * 3


def test_no_speech_costs_no_try():
    state = started()
    before = state
    state, feedback = answer(state, DECK, "  öh ... ")
    assert state == before and feedback.judgement.verdict == "no_speech"
    assert feedback.tries_left == MAX_TRIES and not feedback.card_done


def test_close_then_correct_and_close_when_tries_run_out():
    state = started(size=6)
    card = current_card(state, DECK)
    wrong_article = ("ett" if card.article == "en" else "en") + " " + card.answer
    state, feedback = answer(state, DECK, wrong_article)
    assert feedback.judgement.verdict == "close" and not feedback.card_done
    state, feedback = answer(state, DECK, card.display)
    assert feedback.card_done and feedback.points == 8  # second try
    card = current_card(state, DECK)
    wrong_article = ("ett" if card.article == "en" else "en") + " " + card.answer
    state = play(state, wrong_article, "elefant", "elefant")
    assert state.round.results[-1].outcome is Outcome.CLOSE and state.round.results[-1].points == 3


def test_hints_go_from_first_letter_to_pattern_to_answer():
    card = Card("sköldpadda", "en")
    assert hint_text(card, 1) == "en s _ _ _ _ _ _ _ _ _"
    assert hint_text(card, 2) == "en s k _ l d p _ d d _"
    assert hint_text(card, 3) == "en sköldpadda"
    assert hint_text(Card("god morgon"), 1) == "g _ _   _ _ _ _ _ _"
    state = started()
    card = current_card(state, DECK)
    texts = []
    for _ in range(4):
        state, feedback = hint(state, DECK)
        texts.append(feedback.hint)
    assert texts[0].endswith(f"{card.answer[0]} " + " ".join("_" * (len(card.answer) - 1)))
    assert texts[2] == texts[3] == card.display
    state, feedback = answer(state, DECK, card.answer)
    assert feedback.points == 1  # the answer was shown


def test_teacher_hint_comes_with_the_first_level():
    deck = Deck("H", (Card("hund", "en", hint="says woof"),))
    state = start_round(GameState(), deck, seed=1)
    _, feedback = hint(state, deck)
    assert feedback.hint == "says woof — en h _ _ _"


def test_hints_cost_points():
    state = started()
    state, _ = hint(state, DECK)
    state, feedback = answer(state, DECK, current_card(state, DECK).answer)
    assert feedback.points == 7


def test_skip_shows_the_answer_and_breaks_the_streak():
    state = play(started(), "x")
    state = play(state)  # nothing
    card = current_card(state, DECK)
    state, feedback = skip(state, DECK)
    assert feedback.card_done and card.display in feedback.message
    assert state.round.results[-1].outcome is Outcome.SKIPPED and state.round.streak == 0


def test_round_end_and_summary():
    state = started(size=3)
    first = current_card(state, DECK)
    state = play(state, first.answer)
    state, _ = skip(state, DECK)
    state = play(state, "fel", current_card(state, DECK).answer)
    assert state.round.finished and current_card(state, DECK) is None
    result = summary(state)
    assert [r.outcome for r in result.results] == [
        Outcome.CORRECT,
        Outcome.SKIPPED,
        Outcome.CORRECT,
    ]
    assert result.accuracy == pytest.approx(2 / 3)
    assert result.running_accuracy == pytest.approx((1.0, 0.5, 2 / 3))
    assert result.to_practise == state.round.queue[1:]
    assert result.score == 18
    _, feedback = answer(state, DECK, "hund")
    assert "start a round" in feedback.message


def test_missed_cards_come_back_next_round_and_known_ones_wait():
    state = started(size=6, seed=3)
    missed = set()
    for i in range(6):
        card = current_card(state, DECK)
        if i % 2:
            state, _ = skip(state, DECK)
            missed.add(card.id)
        else:
            state = play(state, card.answer)
    state = start_round(state, DECK, seed=4, size=3)
    assert set(state.round.queue) == missed
    assert {box for box, _ in state.progress["Test"].boxes.values()} == {1, 2}


def test_practise_missed_words_only():
    state = started(size=6)
    state = start_round(state, DECK, seed=1, only=["hund", "ko"])
    assert sorted(state.round.queue) == ["hund", "ko"]


def test_state_round_trips_through_json():
    state = play(started(), "elefant")
    state, _ = hint(state, DECK)
    state = play(state, current_card(state, DECK).answer, "x")
    data = json.loads(json.dumps(to_dict(state)))
    assert from_dict(data) == state
    assert len(json.dumps(data)) < 1000


@pytest.mark.parametrize(
    "stored",
    [
        None,
        {},
        "garbage",
        {"v": 99},
        {"v": 1, "progress": "x"},
        {"v": 1, "progress": {"d": {"rounds": "x"}}},
    ],
)
def test_damaged_state_gives_a_fresh_one(stored):
    assert from_dict(stored) == GameState()


def test_damaged_round_keeps_progress():
    played = play(started(), "hund", "äpple")
    data = to_dict(played)
    data["round"]["turn"] = "nonsense"
    state = from_dict(data)
    assert state.round is None
    assert state.progress == played.progress and state.progress["Test"].boxes


def test_state_from_an_older_deck_still_loads():
    state = started(size=6, seed=5)
    state = play(state, current_card(state, DECK).answer)
    removed = state.round.queue[0]  # answered already
    upcoming = state.round.queue[1]
    smaller = Deck(
        "Test",
        (*tuple(c for c in DECK.cards if c.id not in (removed, upcoming)), Card("mus", "en")),
    )
    restored = fit_to_deck(from_dict(to_dict(state)), smaller)
    assert removed not in restored.round.queue and upcoming not in restored.round.queue
    assert restored.round.position == 0 and restored.round.results == ()
    assert current_card(restored, smaller) is not None
    assert removed not in restored.progress["Test"].boxes
    nxt = start_round(restored, smaller, seed=1, size=10)
    assert "mus" in nxt.round.queue


def _wrong_article(card: Card) -> str:
    return ("ett" if card.article == "en" else "en") + " " + card.answer


def test_a_close_card_never_scores_more_than_saying_it_right():
    # After the answer was shown, the right answer earns 1: a wrong article must not earn 3.
    state = started()
    card = current_card(state, DECK)
    for _ in range(3):
        state, _ = hint(state, DECK)
    state = play(state, _wrong_article(card), _wrong_article(card), _wrong_article(card))
    result = state.round.results[-1]
    assert result.outcome is Outcome.CLOSE and result.points == 1


def test_a_card_whose_answer_was_shown_comes_back_next_round():
    state = started(size=6, seed=3)
    card_id = state.round.queue[0]
    # The card was known well: box 3.
    boxes = {card_id: (3, 0)}
    state = GameState(state.round, {"Test": replace(state.progress["Test"], boxes=boxes)})
    for _ in range(3):
        state, _ = hint(state, DECK)
    state, feedback = answer(state, DECK, current_card(state, DECK).answer)
    assert feedback.points == 1 and feedback.message.endswith("+1 point.")
    assert state.progress["Test"].boxes[card_id] == (1, state.progress["Test"].rounds + 1)


def test_the_last_try_says_the_answer_once():
    state = started()
    card = current_card(state, DECK)
    state, feedback = answer(state, DECK, _wrong_article(card))
    state, feedback = answer(state, DECK, _wrong_article(card))
    state, feedback = answer(state, DECK, _wrong_article(card))
    assert feedback.card_done
    assert feedback.message.count(f"*{card.display}*") == 1, feedback.message


def test_only_may_be_a_one_shot_iterator():
    state = start_round(GameState(), DECK, seed=1, only=(i for i in ["hund", "ko", "bil"]))
    assert sorted(state.round.queue) == ["bil", "hund", "ko"]


@pytest.mark.parametrize("only", [[], ["gone", "also gone"]])
def test_only_cards_the_deck_no_longer_has_gives_a_full_round(only):
    state = start_round(GameState(), DECK, seed=1, size=10, only=only)
    assert sorted(state.round.queue) == sorted(card.id for card in DECK.cards)
    assert current_card(state, DECK) is not None


@pytest.mark.parametrize(
    ("key", "index", "value"),
    [
        ("position", None, -1),  # would show the last card
        ("position", None, -100),  # IndexError in current_card
        ("position", None, 99),
        ("score", None, float("inf")),  # int(inf): OverflowError
        ("queue", None, "hund"),  # a string would split into the letters h, u, n, d
        ("turn", 0, -5),  # 8 tries left
        ("turn", 0, MAX_TRIES),
        ("turn", 1, 99),
        ("turn", 2, "abc"),
    ],
)
def test_damaged_round_is_dropped_without_an_exception(key, index, value):
    played = play(started(), "hund")
    data = json.loads(json.dumps(to_dict(played)))
    if index is None:
        data["round"][key] = value
    else:
        data["round"][key][index] = value
    state = from_dict(json.loads(json.dumps(data)))
    assert state.round is None and state.progress == played.progress
    assert current_card(state, DECK) is None


def test_listing_guesses_never_makes_a_card_close():
    state = started(size=6)
    card = current_card(state, DECK)
    guesses = ", ".join(c.answer for c in DECK.cards)  # the right word is among them
    state = play(state, guesses, guesses, guesses)
    result = state.round.results[-1]
    assert result.card_id == card.id
    assert result.outcome is Outcome.MISSED and result.points == 0


@pytest.mark.parametrize(
    ("tries", "typed", "says_so"),
    [
        (("Fyra.", "4"), False, False),  # different transcripts: nothing to say
        (("4", "4."), False, True),  # the same mishearing twice
        (("Elefant.", "elefant!"), False, True),  # the same words, other case and punctuation
        (("Öh, elefant.", "Elefant. Tack för att du tittade!"), False, True),  # fillers, credits
        (("elefant", "elefant"), True, False),  # typed: the recogniser is not to blame
        (("elefant",), False, False),  # the first try has nothing to compare with
    ],
)
def test_the_same_mishearing_twice_points_to_the_hint_and_typing(tries, typed, says_so):
    state = started()
    for text in tries:
        state, feedback = answer(state, DECK, text, typed=typed)
    assert not feedback.card_done
    assert ("same as last time" in feedback.message) is says_so, feedback.message
    if says_so:
        assert "hint" in feedback.message and "typing" in feedback.message


@pytest.mark.parametrize(
    ("steps", "points"),
    [
        pytest.param("R", 10, id="right-first-time"),
        pytest.param("WR", 8, id="second-try"),
        pytest.param("WWR", 6, id="third-try"),
        pytest.param("HR", 7, id="one-hint"),
        pytest.param("HHR", 4, id="two-hints"),
        pytest.param("HHWWR", 2, id="at-least-2"),
        pytest.param("HHHR", 1, id="answer-shown"),
        pytest.param("CR", 8, id="close-then-right"),
        pytest.param("CCC", 3, id="close-at-most-3"),
        pytest.param("CS", 3, id="close-then-skipped"),
        pytest.param("HHCCC", 2, id="close-never-beats-right"),
        pytest.param("WWW", 0, id="missed"),
        pytest.param("S", 0, id="skipped"),
    ],
)
def test_the_points_of_a_card(steps, points):
    """The README's rule ("A round"): R right, W wrong, C close, H a hint, S skip."""
    state = started()
    card = current_card(state, DECK)
    said = {"R": card.display, "W": "elefant", "C": _wrong_article(card)}
    for step in steps:
        if step in said:
            state, feedback = answer(state, DECK, said[step])
        else:
            state, feedback = (hint if step == "H" else skip)(state, DECK)
    assert feedback.card_done and feedback.points == points
    assert state.round.results[-1].points == state.round.score == points
