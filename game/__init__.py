"""Säg det! game core: decks, judging spoken answers in Swedish, and a player's session.

Pure Python: imports neither gradio nor torch. The app-facing API:

- `load_deck(path) -> Deck` (raises `DeckError` listing every problem), `find_decks(*roots)`
- `judge(card, heard) -> Judgement` with a `Verdict`, feedback and a letter diff; `Signs`: the
  recogniser's own figures for a transcript (no-speech probability, mean log-probability)
- session steps `(state, deck, input) -> (state, Feedback)`: `start_round`, `answer`, `hint`,
  `skip`, plus `current_card` and `summary`; `to_dict`/`from_dict`/`fit_to_deck` to store a state;
  the session alone gives points (`Feedback.points`, `CardResult.points`)
"""

from game.cards import Card, Deck
from game.deck import DeckError, DeckLimits, Problem, find_decks, load_deck
from game.hearing import Signs
from game.judge import DiffSpan, Judgement, Reason, Verdict, judge
from game.session import (
    MAX_TRIES,
    CardResult,
    Feedback,
    GameState,
    Outcome,
    Progress,
    Round,
    RoundSummary,
    answer,
    current_card,
    hint,
    skip,
    start_round,
    summary,
)
from game.storage import fit_to_deck, from_dict, to_dict

__all__ = [
    "MAX_TRIES",
    "Card",
    "CardResult",
    "Deck",
    "DeckError",
    "DeckLimits",
    "DiffSpan",
    "Feedback",
    "GameState",
    "Judgement",
    "Outcome",
    "Problem",
    "Progress",
    "Reason",
    "Round",
    "RoundSummary",
    "Signs",
    "Verdict",
    "answer",
    "current_card",
    "find_decks",
    "fit_to_deck",
    "from_dict",
    "hint",
    "judge",
    "load_deck",
    "skip",
    "start_round",
    "summary",
    "to_dict",
]
