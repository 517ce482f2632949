"""A player's session: rounds, tries, hints, score, and spaced repetition across rounds.

Every step is a pure function `(state, deck, input) -> (new state, feedback)`; nothing is mutated,
so a state can sit in `gr.State` or the browser and come back later. Cards move through Leitner
boxes: a card answered well waits longer before it comes back, a missed one comes back next round.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from game.cards import Card, Deck
from game.hearing import Signs
from game.judge import Judgement, Reason, Verdict, answer_words, judge, other_forms
from game.messages import Text, render_all, say
from game.transcript import spoken

MAX_TRIES = 3
ROUND_SIZE = 10
TOP_BOX = 5  # box b comes back after 2**(b-1) rounds: 1, 2, 4, 8, 16
HINT_LEVELS = 3  # first letter, letter pattern, the answer
# Points for a card: the only place they are given (the README's "A round" says the same).
RIGHT_POINTS = 10  # right first time, without a hint
TRY_COST = 2  # less for each try after the first
HINT_COST = 3  # less for each hint taken
MIN_RIGHT_POINTS = 2  # a right answer after tries and hints, at least
SHOWN_POINTS = 1  # a right answer after the answer was shown (the last hint)
CLOSE_POINTS = 3  # a card that ended close, at most (never more than a right answer then)
STREAK_BONUS_CAP = 5  # one more for each right answer in a row after the first, up to this


class Outcome(StrEnum):
    """How a card ended in a round."""

    CORRECT = "correct"
    CLOSE = "close"  # the best answer was close when the tries ran out or the card was skipped
    MISSED = "missed"  # three wrong tries
    SKIPPED = "skipped"


@dataclass(frozen=True)
class CardResult:
    card_id: str
    outcome: Outcome
    points: int
    tries: int
    hints: int
    heard: tuple[str, ...] = ()
    typed: bool = False


@dataclass(frozen=True)
class Turn:
    """The card being played: what has happened to it so far."""

    tries: int = 0
    hints: int = 0
    heard: tuple[str, ...] = ()
    close: bool = False  # some try was close
    typed: bool = False


@dataclass(frozen=True)
class Round:
    deck: str
    queue: tuple[str, ...]
    position: int = 0
    turn: Turn = field(default_factory=Turn)
    results: tuple[CardResult, ...] = ()
    score: int = 0
    streak: int = 0
    best_streak: int = 0

    @property
    def finished(self) -> bool:
        return self.position >= len(self.queue)

    @property
    def current(self) -> str | None:
        return None if self.finished else self.queue[self.position]


@dataclass(frozen=True)
class Progress:
    """A player's history with one deck: Leitner box and due round per card."""

    rounds: int = 0
    boxes: dict[str, tuple[int, int]] = field(default_factory=dict)
    """card id -> (box 1..TOP_BOX, the round number from which the card is due again)."""


@dataclass(frozen=True)
class GameState:
    round: Round | None = None
    progress: dict[str, Progress] = field(default_factory=dict)
    """By deck name."""


@dataclass(frozen=True)
class Feedback:
    """What the app shows after a step."""

    message: str
    """In English; `texts` say it in the learner's language (`game.messages.render_all`)."""
    judgement: Judgement | None = None
    points: int = 0
    card_done: bool = False
    """The card is over (answered, out of tries, or skipped): show the answer, then move on."""
    hint: str = ""
    tries_left: int = MAX_TRIES
    texts: tuple[Text, ...] = ()

    @classmethod
    def of(cls, *texts: Text, **fields: object) -> Feedback:
        """Feedback made of `texts`, with its English message."""
        return cls(render_all(texts), texts=texts, **fields)  # type: ignore[arg-type]


@dataclass(frozen=True)
class RoundSummary:
    results: tuple[CardResult, ...]
    score: int
    accuracy: float
    """Share of cards answered correctly, 0..1."""
    running_accuracy: tuple[float, ...]
    """Accuracy after each card, for a chart of the round."""
    best_streak: int
    to_practise: tuple[str, ...]
    """Ids of cards that were not right first time without help."""


def start_round(
    state: GameState,
    deck: Deck,
    *,
    seed: int,
    size: int = ROUND_SIZE,
    only: Iterable[str] | None = None,
) -> GameState:
    """A new round on `deck`: due and weak cards first, in a seeded shuffle.

    `only` limits the round to these card ids (e.g. "practise missed words"); when the deck has
    none of them any more (an edited deck), the round draws from the whole deck rather than
    being empty.
    """
    rng = random.Random(seed)
    progress = state.progress.get(deck.name, Progress())
    rounds = progress.rounds + 1
    wanted = None if only is None else set(only)  # once: `only` may be a one-shot iterator
    cards = [c for c in deck.cards if wanted is None or c.id in wanted] or list(deck.cards)

    def priority(card: Card) -> tuple[bool, int, int, float]:
        box, due = progress.boxes.get(card.id, (0, 0))
        return (due > rounds, due, box, rng.random())

    chosen = [c.id for c in sorted(cards, key=priority)[: max(1, size)]]
    rng.shuffle(chosen)
    new_progress = replace(progress, rounds=rounds)
    return GameState(
        round=Round(deck=deck.name, queue=tuple(chosen)),
        progress={**state.progress, deck.name: new_progress},
    )


def current_card(state: GameState, deck: Deck) -> Card | None:
    """The card to show now, or None when there is no round or it is over."""
    if state.round is None or state.round.deck != deck.name or state.round.current is None:
        return None
    return deck.card(state.round.current)


def answer(
    state: GameState, deck: Deck, heard: str, signs: Signs | None = None, *, typed: bool = False
) -> tuple[GameState, Feedback]:
    """Judge an answer to the current card and move the round on.

    `signs`: the recogniser's figures for this transcript (`game.Signs` of
    `asr.Transcript.no_speech_prob` and `avg_logprob`); a transcript they show is most likely
    no speech costs no try, like silence. Another card's word of the deck is wrong however
    near it is to this card's.
    """
    card = current_card(state, deck)
    if card is None or state.round is None:
        return state, Feedback.of(say("no_card_answer"))
    others = other_forms(deck.cards, card)
    judgement = judge(card, heard, typed=typed, signs=signs or Signs(), others=others)
    turn = state.round.turn
    if judgement.verdict is Verdict.NO_SPEECH:
        return state, Feedback.of(
            _text(judgement), judgement=judgement, tries_left=MAX_TRIES - turn.tries
        )
    # Listing guesses ("katt, häst, hund") is not knowing the word: it earns no close card.
    close = judgement.verdict is Verdict.CLOSE and judgement.reason is not Reason.SEVERAL
    turn = replace(
        turn,
        tries=turn.tries + 1,
        heard=(*turn.heard, heard),
        close=turn.close or close,
        typed=turn.typed or typed,
    )
    if judgement.verdict is Verdict.CORRECT:
        return _finish(state, card, turn, Outcome.CORRECT, (_text(judgement),), judgement)
    if turn.tries >= MAX_TRIES:
        outcome = Outcome.CLOSE if turn.close else Outcome.MISSED
        texts: tuple[Text, ...] = (_text(judgement),)
        if f"*{card.display}*" not in judgement.message:  # "Almost: it is *en hund*" says it
            texts += (say("answer_is", answer=card.display),)
        return _finish(state, card, turn, outcome, texts, judgement)
    left = MAX_TRIES - turn.tries
    texts = (_text(judgement), say("try_again_1") if left == 1 else say("try_again_n", left=left))
    if not typed and heard_again(card, state.round.turn.heard, heard):
        texts += (say("heard_again"),)
    new_round = replace(state.round, turn=turn)
    return replace(state, round=new_round), Feedback.of(
        *texts, judgement=judgement, tries_left=left
    )


def _text(judgement: Judgement) -> Text:
    return judgement.text or say("plain", text=judgement.message)


def heard_again(card: Card, before: tuple[str, ...], heard: str) -> bool:
    """The recogniser wrote the same wrong answer as on the last try.

    A learner who says "får" twice and is heard as "4" twice is not the one getting it wrong:
    after two identical mishearings, say that the recogniser may be at fault, and point to the
    hint and to typing, rather than let the learner burn the last try on the same sound.
    """
    if not before:
        return False
    keep = answer_words(card)
    now = spoken(heard, keep).texts
    return bool(now) and now == spoken(before[-1], keep).texts


def hint(state: GameState, deck: Deck) -> tuple[GameState, Feedback]:
    """The next hint: the first letter, then the pattern of letters, then the answer."""
    card = current_card(state, deck)
    if card is None or state.round is None:
        return state, Feedback.of(say("no_card_hint"))
    turn = state.round.turn
    level = min(turn.hints + 1, HINT_LEVELS)
    pattern = hint_text(card, level)
    # The teacher's hint goes in every language the teacher wrote it in: the screen says the
    # learner's (hint_sv, hint_en), else the `hint` column as written.
    text = say("teacher_hint", hint=card.hints, text=pattern) if card.hints and level == 1 else (
        say("hint", text=pattern))  # fmt: skip
    new_round = replace(state.round, turn=replace(turn, hints=level))
    tries_left = MAX_TRIES - turn.tries
    return replace(state, round=new_round), Feedback.of(text, hint=str(text), tries_left=tries_left)


def hint_text(card: Card, level: int) -> str:
    """Level 1: "h _ _ _"; level 2: "h _ n d" (consonants); level 3: "en hund"."""
    if level >= HINT_LEVELS:
        return card.display
    shown = []
    for i, letter in enumerate(card.answer):
        visible = (
            i == 0 or not letter.isalpha() or (level == 2 and letter.casefold() not in "aeiouyåäöé")
        )
        shown.append(letter if visible else "_")
    pattern = " ".join(shown)
    return f"{card.article} {pattern}".strip() if card.article else pattern


def skip(state: GameState, deck: Deck) -> tuple[GameState, Feedback]:
    """Give up on the current card: show the answer and move on."""
    card = current_card(state, deck)
    if card is None or state.round is None:
        return state, Feedback.of(say("no_card_skip"))
    turn = state.round.turn
    outcome = Outcome.CLOSE if turn.close else Outcome.SKIPPED
    return _finish(state, card, turn, outcome, (say("answer_is", answer=card.display),), None)


def _finish(
    state: GameState,
    card: Card,
    turn: Turn,
    outcome: Outcome,
    texts: tuple[Text, ...],
    judgement: Judgement | None,
) -> tuple[GameState, Feedback]:
    assert state.round is not None
    old = state.round
    revealed = turn.hints >= HINT_LEVELS
    streak = old.streak + 1 if outcome is Outcome.CORRECT and not revealed else 0
    points = _points(outcome, turn, streak)
    result = CardResult(card.id, outcome, points, turn.tries, turn.hints, turn.heard, turn.typed)
    new_round = replace(
        old,
        position=old.position + 1,
        turn=Turn(),
        results=(*old.results, result),
        score=old.score + points,
        streak=streak,
        best_streak=max(old.best_streak, streak),
    )
    progress = state.progress.get(old.deck, Progress())
    progress = replace(progress, boxes={**progress.boxes, card.id: _reschedule(progress, result)})
    new_state = GameState(round=new_round, progress={**state.progress, old.deck: progress})
    if points:
        texts += (say("points_1") if points == 1 else say("points_n", points=points),)
    return new_state, Feedback.of(
        *texts, judgement=judgement, points=points, card_done=True, tries_left=0
    )


def _points(outcome: Outcome, turn: Turn, streak: int) -> int:
    if outcome is Outcome.CLOSE:
        # Never more than saying it right would have earned: after the answer was shown, a
        # wrong article must not beat the right one.
        return min(CLOSE_POINTS, _right_points(turn))
    if outcome is not Outcome.CORRECT:
        return 0
    return _right_points(turn) + min(max(streak - 1, 0), STREAK_BONUS_CAP)


def _right_points(turn: Turn) -> int:
    """Points for a right answer after this turn's tries and hints, before any streak bonus."""
    if turn.hints >= HINT_LEVELS:
        return SHOWN_POINTS
    costs = TRY_COST * (max(turn.tries, 1) - 1) + HINT_COST * turn.hints
    return max(MIN_RIGHT_POINTS, RIGHT_POINTS - costs)


def _reschedule(progress: Progress, result: CardResult) -> tuple[int, int]:
    """Leitner: right first time moves a card up a box, close keeps it, a miss resets it.

    A card whose answer had to be shown is a miss, however it was then repeated: the learner
    did not know it, so it comes back next round.
    """
    box, _ = progress.boxes.get(result.card_id, (1, 0))
    clean = result.outcome is Outcome.CORRECT and result.tries == 1 and result.hints == 0
    shown = result.hints >= HINT_LEVELS
    if clean:
        box = min(box + 1, TOP_BOX)
    elif shown or result.outcome not in (Outcome.CORRECT, Outcome.CLOSE):
        box = 1
    box = max(box, 1)
    return box, progress.rounds + 2 ** (box - 1)


def summary(state: GameState) -> RoundSummary:
    """The round so far (or finished): per-card results, accuracy, the words to practise."""
    results = state.round.results if state.round else ()
    running: list[float] = []
    correct = 0
    for n, result in enumerate(results, start=1):
        correct += result.outcome is Outcome.CORRECT
        running.append(correct / n)
    practise = tuple(
        r.card_id for r in results if r.outcome is not Outcome.CORRECT or r.tries > 1 or r.hints > 0
    )
    return RoundSummary(
        results=results,
        score=state.round.score if state.round else 0,
        accuracy=running[-1] if running else 0.0,
        running_accuracy=tuple(running),
        best_streak=state.round.best_streak if state.round else 0,
        to_practise=practise,
    )
