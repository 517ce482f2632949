"""HTML for the app: feedback with a coloured letter diff, the progress line, the round summary.

Pure functions from game values to small HTML strings, so the app stays a thin layer and the
markup is tested without a browser. Every text from outside (transcripts, deck words) is escaped.
"""

from __future__ import annotations

import html
import re

from game.cards import Deck
from game.judge import DiffSpan, Judgement, Verdict
from game.session import Feedback, GameState, Outcome, RoundSummary

COLOURS = {
    Verdict.CORRECT: "#1b7f3b",
    Verdict.CLOSE: "#a15c00",
    Verdict.WRONG: "#b3261e",
    Verdict.NO_SPEECH: "#5f6368",
}
ICONS = {Verdict.CORRECT: "✓", Verdict.CLOSE: "≈", Verdict.WRONG: "✗", Verdict.NO_SPEECH: "…"}
OUTCOME_LABELS = {
    Outcome.CORRECT: "right",
    Outcome.CLOSE: "almost",
    Outcome.MISSED: "missed",
    Outcome.SKIPPED: "skipped",
}
_EMPHASIS = re.compile(r"\*([^*]+)\*")


def emphasis(text: str) -> str:
    """Escape `text` and turn the game's *Swedish word* marks into <b>."""
    return _EMPHASIS.sub(r"<b>\1</b>", html.escape(text)).replace("\n", "<br>")


def note_html(text: str) -> str:
    """A plain message in the feedback box (no verdict): "Welcome back", "Nothing was recorded"."""
    return f"<div class='feedback'>{emphasis(text)}</div>"


def diff_html(diff: tuple[DiffSpan, ...]) -> str:
    """What was heard, letter by letter: wrong letters struck out, missing ones added."""
    parts = []
    for span in diff:
        heard, expected = html.escape(span.heard), html.escape(span.expected)
        if span.kind == "equal":
            parts.append(f"<span class='ok'>{heard}</span>")
        elif span.kind == "replace":
            parts.append(f"<del>{heard}</del><ins>{expected}</ins>")
        elif span.kind == "delete":
            parts.append(f"<del>{heard}</del>")
        else:
            parts.append(f"<ins>{expected}</ins>")
    return "".join(parts)


def feedback_html(
    feedback: Feedback | None,
    *,
    heard: str = "",
    typed: bool = False,
    seconds: float | None = None,
) -> str:
    """The feedback box after a step: verdict, message, what was heard and the letter diff."""
    if feedback is None:
        return ""
    judgement: Judgement | None = feedback.judgement
    if judgement is None:
        return note_html(feedback.message)
    verdict = judgement.verdict
    colour = COLOURS[verdict]
    lines = [
        f"<div class='feedback verdict-{verdict.value}' style='border-color:{colour}'>",
        f"<div class='verdict' style='color:{colour}'>{ICONS[verdict]} "
        f"{emphasis(feedback.message)}</div>",
    ]
    if heard and verdict is not Verdict.NO_SPEECH:
        how = "You typed" if typed else "I heard"
        lines.append(f"<div class='heard'>{how}: “{html.escape(heard)}”</div>")
    # A wrong answer's diff would spell out the answer: shown only once the card is over.
    show_diff = verdict is Verdict.CLOSE or (verdict is Verdict.WRONG and feedback.card_done)
    if judgement.diff and judgement.target and show_diff:
        lines.append(f"<div class='diff'>{diff_html(judgement.diff)}</div>")
    meta = []
    if feedback.points:
        meta.append(f"+{feedback.points} points")
    if seconds is not None:
        meta.append(
            f"recognised in {seconds:.2f} s" if seconds < 1 else f"recognised in {seconds:.1f} s"
        )
    if meta:
        lines.append(f"<div class='meta'>{' · '.join(meta)}</div>")
    lines.append("</div>")
    return "".join(lines)


def progress_html(state: GameState, *, showing_finished: bool = False) -> str:
    """Card n of N, score and streak; n is the card on screen (the finished one until "Next")."""
    round_ = state.round
    if round_ is None:
        return ""
    done = min(round_.position + (0 if showing_finished else 1), len(round_.queue))
    streak = f" · 🔥 {round_.streak}" if round_.streak >= 2 else ""
    return (
        f"<div class='progress'>Card {done} of {len(round_.queue)} · "
        f"<b>{round_.score}</b> points{streak}</div>"
    )


def summary_html(summary: RoundSummary, deck: Deck) -> str:
    """The end of a round: accuracy, points, best streak and the words to practise."""
    rows = []
    for result in summary.results:
        card = deck.card(result.card_id)
        word = html.escape(card.display if card else result.card_id)
        label = OUTCOME_LABELS[result.outcome]
        tries = f"{result.tries} {'try' if result.tries == 1 else 'tries'}"
        hints = f", {result.hints} hint{'s' if result.hints != 1 else ''}" if result.hints else ""
        typed = " (typed)" if result.typed else ""
        rows.append(
            f"<tr class='{result.outcome.value}'><td>{word}</td><td>{label}</td>"
            f"<td>{tries}{hints}{typed}</td><td>{result.points}</td></tr>"
        )
    practise = [deck.card(c) for c in summary.to_practise]
    words = ", ".join(html.escape(c.display) for c in practise if c)
    return (
        f"<div class='summary'><h3>Round over: {summary.accuracy:.0%} right, "
        f"{summary.score} points, best streak {summary.best_streak}</h3>"
        + (f"<p>Words to practise: <b>{words}</b></p>" if words else "<p>Nothing to practise!</p>")
        + "<table><tr><th>word</th><th>result</th><th>tries</th><th>points</th></tr>"
        + "".join(rows)
        + "</table></div>"
    )


CSS = """
.feedback { border-left: 6px solid #ccc; padding: .6em .9em; border-radius: 6px;
            font-size: 1.15em; background: var(--block-background-fill); }
.feedback .heard, .feedback .meta { font-size: .85em; opacity: .8; margin-top: .3em; }
.feedback .diff { font-family: ui-monospace, monospace; font-size: 1.3em; margin-top: .3em;
                  letter-spacing: .05em; }
.feedback .diff .ok { color: #1b7f3b; }
.feedback .diff del { color: #b3261e; }
.feedback .diff ins { color: #1a56db; text-decoration: underline; font-weight: bold; }
.progress { font-size: 1.1em; }
.summary table { width: 100%; border-collapse: collapse; }
.summary td, .summary th { padding: .25em .5em; border-bottom: 1px solid #8884; text-align: left; }
.summary tr.correct td:nth-child(2) { color: #1b7f3b; }
.summary tr.missed td:nth-child(2), .summary tr.skipped td:nth-child(2) { color: #b3261e; }
.summary tr.close td:nth-child(2) { color: #a15c00; }
#picture img { object-fit: contain; }
"""
