"""A session as a small JSON-ready dict and back, for the browser's local storage.

What comes back from a browser is untrusted and may be from an older version of a deck: anything
that does not parse is dropped (a fresh state rather than an error), and `fit_to_deck` removes
cards a deck no longer has, so an edited deck never breaks a stored round.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from game.cards import Deck
from game.session import (
    HINT_LEVELS,
    MAX_TRIES,
    TOP_BOX,
    CardResult,
    GameState,
    Outcome,
    Progress,
    Round,
    Turn,
)

log = logging.getLogger(__name__)

VERSION = 1
# What a damaged stored value can raise while it is read: OverflowError is int(1e999), which
# JSON happily parses as infinity.
_DAMAGED = (KeyError, TypeError, ValueError, AttributeError, OverflowError)


def to_dict(state: GameState) -> dict[str, Any]:
    """A compact, JSON-serialisable form of `state`."""
    data: dict[str, Any] = {
        "v": VERSION,
        "progress": {
            deck: {"rounds": p.rounds, "boxes": {cid: list(bd) for cid, bd in p.boxes.items()}}
            for deck, p in state.progress.items()
        },
        "round": None,
    }
    if state.round is not None:
        r = state.round
        data["round"] = {
            "deck": r.deck,
            "queue": list(r.queue),
            "position": r.position,
            "turn": [r.turn.tries, r.turn.hints, list(r.turn.heard), r.turn.close, r.turn.typed],
            "results": [
                [x.card_id, x.outcome.value, x.points, x.tries, x.hints, list(x.heard), x.typed]
                for x in r.results
            ],
            "score": r.score,
            "streak": r.streak,
            "best_streak": r.best_streak,
        }
    return data


def from_dict(data: object) -> GameState:
    """Read a stored state; a damaged or unknown one gives a fresh state, never an exception."""
    if not isinstance(data, dict) or data.get("v") != VERSION:
        if data:
            log.warning("ignoring a stored state of an unknown version")
        return GameState()
    try:
        progress = {
            str(deck): Progress(
                rounds=int(p["rounds"]),
                boxes={
                    str(cid): (min(max(int(box), 1), TOP_BOX), int(due))
                    for cid, (box, due) in p["boxes"].items()
                },
            )
            for deck, p in data.get("progress", {}).items()
        }
    except _DAMAGED:
        log.warning("ignoring damaged progress in a stored state")
        return GameState()
    try:
        round_ = _round_from_dict(data.get("round"))
    except _DAMAGED:
        log.warning("ignoring a damaged round in a stored state")
        round_ = None
    return GameState(round=round_, progress=progress)


def _round_from_dict(raw: Any) -> Round | None:
    if raw is None:
        return None
    tries, hints, heard, close, typed = raw["turn"]
    results = tuple(
        CardResult(str(cid), Outcome(outcome), int(pts), int(t), int(h), _strings(hd), bool(ty))
        for cid, outcome, pts, t, h, hd, ty in raw["results"]
    )
    round_ = Round(
        deck=str(raw["deck"]),
        queue=_strings(raw["queue"]),
        position=int(raw["position"]),
        turn=Turn(int(tries), int(hints), _strings(heard), bool(close), bool(typed)),
        results=results,
        score=int(raw["score"]),
        streak=int(raw["streak"]),
        best_streak=int(raw["best_streak"]),
    )
    # Values the steps never produce would index outside the queue (a traceback in the app) or
    # promise more tries than a card has.
    if not 0 <= round_.position <= len(round_.queue):
        raise ValueError(f"position {round_.position} outside a queue of {len(round_.queue)}")
    if not (0 <= round_.turn.tries < MAX_TRIES and 0 <= round_.turn.hints <= HINT_LEVELS):
        raise ValueError(f"impossible turn {round_.turn}")
    return round_


def _strings(raw: Any) -> tuple[str, ...]:
    """A list of strings; a lone string is not one (it would split into letters)."""
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise TypeError(f"expected a list of strings, not {raw!r:.40}")
    return tuple(raw)


def fit_to_deck(state: GameState, deck: Deck) -> GameState:
    """Drop what `deck` no longer has from `state`: removed cards leave the round and the history.

    Cards added to the deck since need nothing: they are new, and come first in the next round.
    """
    known = {card.id for card in deck.cards}
    progress = state.progress
    if deck.name in progress:
        p = progress[deck.name]
        kept = {cid: bd for cid, bd in p.boxes.items() if cid in known}
        progress = {**progress, deck.name: replace(p, boxes=kept)}
    round_ = state.round
    if round_ is not None and round_.deck == deck.name:
        current = round_.current
        done = [cid for cid in round_.queue[: round_.position] if cid in known]
        ahead = [cid for cid in round_.queue[round_.position :] if cid in known]
        turn = round_.turn if current in known else Turn()
        round_ = replace(
            round_,
            queue=(*done, *ahead),
            position=len(done),
            turn=turn,
            results=tuple(r for r in round_.results if r.card_id in known),
        )
    return GameState(round=round_, progress=progress)
