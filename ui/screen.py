"""What the play tab shows after any step: a `Screen`, one field per output component.

Every play handler ends in `show(ctx, view)`: the picture of the card on screen, the progress
line, the feedback (marked with the picture it belongs to), which controls are offered, and the
round's summary in place of the play area once the round is over.

A handler's outputs are a `Reply`: a frozen dataclass whose fields are named as the `Layout`
components they fill. Its fields' order is the one place that order is written down: `Layout.
outputs` lists an event's components by those names, and `Reply.values` gives Gradio the values
in the same order, so a field added, moved or removed changes both alike.
"""

from __future__ import annotations

import logging
import types
import typing
from dataclasses import dataclass, fields

import gradio as gr
import pandas as pd

import game
from game import voice
from ui import render
from ui.context import Context, Stored, Update
from ui.text import say

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reply:
    """A handler's outputs by name: each field's value goes to the `Layout` component of that
    name; a field whose type is a `Reply` (the play screen, the teacher's dashboard) holds that
    whole reply, or None to leave each of its outputs as it is."""

    @classmethod
    def names(cls) -> list[str]:
        """The `Layout` components this reply fills, in the order of `values`."""
        names: list[str] = []
        for name, part in _parts(cls):
            names += part.names() if part else [name]
        return names

    def values(self) -> tuple[object, ...]:
        """The outputs as Gradio takes them: a tuple in the order of `names`."""
        values: list[object] = []
        for name, part in _parts(type(self)):
            value = getattr(self, name)
            if part is None:
                values.append(value)
            elif isinstance(value, Reply):
                values += value.values()
            else:  # None: every output of the part stays as it is
                values += [gr.skip() for _ in part.names()]
        return tuple(values)


Parts = tuple[tuple[str, type[Reply] | None], ...]
_PARTS: dict[type[Reply], Parts] = {}  # read off each reply's annotations once


def _parts(reply: type[Reply]) -> Parts:
    """Each field of `reply` by name, with the `Reply` it holds where its type is one (alone
    or with None)."""
    if reply not in _PARTS:
        hints = typing.get_type_hints(reply)
        _PARTS[reply] = tuple((f.name, _reply_in(hints[f.name])) for f in fields(reply))
    return _PARTS[reply]


def _reply_in(hint: object) -> type[Reply] | None:
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    found = [t for t in (typing.get_args(hint) if union else (hint,))
             if isinstance(t, type) and issubclass(t, Reply)]  # fmt: skip
    if len(found) > 1:
        raise TypeError(f"a field of a reply holds one reply, not any of {found}")
    return found[0] if found else None


@dataclass(frozen=True)
class Screen(Reply):
    """The play tab after a step. The order of the fields is the order of the outputs an API
    client receives (gr.State, column and button updates are not sent): the README's example
    reads a reply by it."""

    stored: Stored  # the game state (game.to_dict), the tab's gr.State
    browser: Stored  # the same, kept in the browser's storage
    picture: str | None  # the card's picture, served under a name that hides the answer
    progress: str  # HTML: card n of N, points, streak
    feedback: str  # HTML: the verdict or a message, marked with the picture it speaks of
    listen_btn: Update  # shown once the word may be heard
    next_btn: Update  # shown while a finished card waits for "Next" (manual next)
    summary_box: Update  # shown once the round is over
    summary: str  # HTML: the round's summary
    points_plot: gr.BarPlot | Update
    accuracy_plot: gr.LinePlot | Update
    pending: str | None  # a finished card kept on screen until "Next"
    play_box: Update  # the picture and the microphones: hidden once the round is over
    answer_box: Update  # the microphones: shown while a card waits and recognition works
    answered: str | None  # the card the feedback speaks of, for "Listen"
    practise_btn: Update  # shown when the round left words to practise
    controls: Update  # typing, hint, listen, skip, next: hidden once the round is over


@dataclass(frozen=True)
class View:
    """One player's screen: their state on a deck, and what to say."""

    state: game.GameState
    deck: game.Deck
    lang: str = "en"
    note: str = ""  # the feedback box's HTML
    pending: str | None = None  # a finished card kept on screen until "Next" (manual next)
    answered: str | None = None  # the card the feedback speaks of, once it has made way

    def card(self) -> game.Card | None:
        """The card the learner sees: the finished one until "Next", else the current one."""
        if self.pending:
            return self.deck.card(self.pending)
        return game.current_card(self.state, self.deck)

    @property
    def finished(self) -> bool:
        round_ = self.state.round
        return round_ is not None and round_.finished and not self.pending

    def listen_card(self) -> game.Card | None:
        """The word "Listen" says: never the card still to be answered, unless hinted."""
        if self.pending:
            return self.deck.card(self.pending)
        if self.answered:
            return self.deck.card(self.answered)
        card = game.current_card(self.state, self.deck)
        turn = self.state.round.turn if self.state.round else None
        return card if card and turn and turn.hints else None


def show(ctx: Context, view: View) -> Screen:
    """The play tab showing `view`."""
    card = view.card()
    summary = game.summary(view.state) if view.finished else None
    data = game.to_dict(view.state)
    mic_ok = not ctx.model.failed
    return Screen(
        stored=data,
        browser=data,
        picture=picture(ctx, card) if not view.finished else None,
        progress=render.progress_html(view.state, view.lang, showing_finished=bool(view.pending)),
        feedback=view.note,
        listen_btn=gr.update(visible=voice.can_speak(view.listen_card()) and not view.finished),
        next_btn=gr.update(visible=bool(view.pending)),
        summary_box=gr.update(visible=view.finished),
        summary=render.summary_html(summary, view.deck, view.lang) if summary else "",
        points_plot=points_chart(summary, view.deck, view.lang) if summary else gr.update(),
        accuracy_plot=accuracy_chart(summary, view.lang) if summary else gr.update(),
        pending=view.pending,
        play_box=gr.update(visible=not view.finished),
        answer_box=gr.update(visible=mic_ok and not view.finished),
        answered=view.answered,
        practise_btn=gr.update(visible=bool(summary and summary.to_practise)),
        controls=gr.update(visible=not view.finished),
    )


def picture(ctx: Context, card: game.Card | None) -> str | None:
    """The card's picture as served; None when it has gone from disk (a deck's folder removed
    while the app runs): the round goes on, and the card can be skipped."""
    try:
        return ctx.public.public(card.image) if card and card.image else None
    except OSError as e:
        log.error("a picture could not be served: %s", e)
        return None


def feedback_for(
    ctx: Context, view: View, feedback: game.Feedback, belongs: game.Card | None,
    heard: str = "", typed: bool = False, seconds: float | None = None,
) -> str:  # fmt: skip
    """The feedback of a step, marked with its card; with that card's thumbnail once the card
    has made way for the next one (auto-next), so it never stands beside another picture."""
    image = belongs.image if belongs else None
    moved_on = belongs is not None and view.card() != belongs
    return render.feedback_html(
        feedback,
        view.lang,
        picture=ctx.public.name(image) if image else "",
        thumb=ctx.thumbs.of(image) if moved_on else "",
        heard=heard,
        typed=typed,
        seconds=seconds,
    )


def note(ctx: Context, view: View, key: str, **params: object) -> str:
    """A plain message, marked with the picture on screen."""
    card = view.card()
    image = card.image if card else None
    return render.note_html(say(key, view.lang, **params), ctx.public.name(image) if image else "")


def points_chart(summary: game.RoundSummary, deck: game.Deck, lang: str) -> gr.BarPlot:
    """Points per word in the order played, coloured as the verdicts are."""
    rows = []
    for result in summary.results:
        card = deck.card(result.card_id)
        rows.append((card.answer if card else result.card_id, result.points,
                     render.outcome_label(result.outcome, lang)))  # fmt: skip
    colours = {render.outcome_label(o, lang): c for o, c in render.OUTCOME_COLOURS.items()}
    # The columns' names are the axes' titles: in the learner's language.
    word, points, verdict = (say(k, lang) for k in ("chart_word", "chart_points", "chart_result"))
    frame = pd.DataFrame(rows, columns=[word, points, verdict])
    return gr.BarPlot(frame, x=word, y=points, color=verdict, color_map=colours,
                      sort=[row[0] for row in rows], title=say("points_chart", lang))  # fmt: skip


def accuracy_chart(summary: game.RoundSummary, lang: str) -> gr.LinePlot:
    """The share of right answers after each card; cards counted in whole numbers."""
    labels = [str(n) for n in range(1, len(summary.running_accuracy) + 1)]
    card, right = say("chart_card", lang), say("chart_accuracy", lang)
    frame = pd.DataFrame({card: labels, right: [round(a * 100) for a in summary.running_accuracy]})
    return gr.LinePlot(frame, x=card, y=right, sort=labels, title=say("accuracy_chart", lang))
