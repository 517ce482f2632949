"""HTML for the play screen: feedback with its picture, the progress line, the round summary.

Pure functions from game values to small HTML strings in the learner's language, so the
handlers stay thin and the markup is tested without a browser. Every text from outside
(transcripts, deck words) is escaped.
"""

from __future__ import annotations

import html
import re

from game.cards import Deck
from game.judge import DiffSpan, Judgement, Reason, Verdict
from game.messages import render_all
from game.session import Feedback, GameState, Outcome, RoundSummary
from ui.text import say

COLOURS = {
    Verdict.CORRECT: "#1b7f3b",
    Verdict.CLOSE: "#a15c00",
    Verdict.WRONG: "#b3261e",
    Verdict.NO_SPEECH: "#5f6368",
}
ICONS = {Verdict.CORRECT: "✓", Verdict.CLOSE: "≈", Verdict.WRONG: "✗", Verdict.NO_SPEECH: "…"}
# The round's outcomes in the verdicts' colours, for the summary's table and chart.
OUTCOME_COLOURS = {
    Outcome.CORRECT: COLOURS[Verdict.CORRECT],
    Outcome.CLOSE: COLOURS[Verdict.CLOSE],
    Outcome.MISSED: COLOURS[Verdict.WRONG],
    Outcome.SKIPPED: COLOURS[Verdict.NO_SPEECH],
}
_EMPHASIS = re.compile(r"\*([^*]+)\*")


def emphasis(text: str) -> str:
    """Escape `text` and turn the game's *Swedish word* marks into <b>."""
    return _EMPHASIS.sub(r"<b>\1</b>", html.escape(text)).replace("\n", "<br>")


def outcome_label(outcome: Outcome, lang: str) -> str:
    return say(outcome.value, lang)


def note_html(text: str, picture: str = "") -> str:
    """A plain message in the feedback box (no verdict): "Welcome back", "Nothing was recorded"."""
    return (
        f"<div class='feedback note' data-picture='{html.escape(picture)}'>{emphasis(text)}</div>"
    )


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


def readable_diff(judgement: Judgement, card_done: bool) -> bool:
    """A letter diff helps only when the answer was near: "vi bjöhar ndet" helps no one.

    Never for a wrong try that may be followed by another (it would spell out the answer).
    """
    if not judgement.diff or not judgement.target or judgement.reason is Reason.SEVERAL:
        return False
    off = sum(max(len(s.heard), len(s.expected)) for s in judgement.diff if s.kind != "equal")
    if judgement.verdict is Verdict.CLOSE:
        return True
    return judgement.verdict is Verdict.WRONG and card_done and off <= len(judgement.target) // 2


def feedback_html(
    feedback: Feedback,
    lang: str = "en",
    *,
    heard: str = "",
    typed: bool = False,
    seconds: float | None = None,
    picture: str = "",
    thumb: str = "",
) -> str:
    """The feedback box after a step, marked with the picture it belongs to (`picture`).

    With `thumb` (an inline picture), the verdict is for a card that has already made way for
    the next one: the box shows that card's picture, so no verdict stands beside a picture it
    does not belong to.
    """
    message = emphasis(render_all(feedback.texts, lang) if feedback.texts else feedback.message)
    judgement = feedback.judgement
    if judgement is None:
        return note_html(render_all(feedback.texts, lang) or feedback.message, picture)
    verdict = judgement.verdict
    colour = COLOURS[verdict]
    lines = [
        f"<div class='feedback verdict-{verdict.value}' data-picture='{html.escape(picture)}' "
        f"style='border-color:{colour}'>"
    ]
    if thumb:
        alt = html.escape(say("last_picture", lang))
        lines.append(f"<img class='answered' src='{thumb}' alt='{alt}' title='{alt}'>")
    lines.append(f"<div class='verdict' style='color:{colour}'>{ICONS[verdict]} {message}</div>")
    if heard and verdict is not Verdict.NO_SPEECH:
        how = say("you_typed" if typed else "i_heard", lang)
        lines.append(f"<div class='heard'>{how}: “{html.escape(heard)}”</div>")
    if readable_diff(judgement, feedback.card_done):
        lines.append(f"<div class='diff'>{diff_html(judgement.diff)}</div>")
    if seconds is not None:
        shown = f"{seconds:.2f} s" if seconds < 1 else f"{seconds:.1f} s"
        lines.append(f"<div class='meta'>{say('recognised_in', lang, seconds=shown)}</div>")
    lines.append("</div>")
    return "".join(lines)


def progress_html(state: GameState, lang: str = "en", *, showing_finished: bool = False) -> str:
    """Card n of N, score and streak; n is the card on screen (the finished one until "Next")."""
    round_ = state.round
    if round_ is None:
        return ""
    done = min(round_.position + (0 if showing_finished else 1), len(round_.queue))
    streak = f" · 🔥 {round_.streak}" if round_.streak >= 2 else ""
    text = say("progress", lang, n=done, total=len(round_.queue), points=round_.score)
    return f"<div class='round-progress'>{text}{streak}</div>"


def summary_html(summary: RoundSummary, deck: Deck, lang: str = "en") -> str:
    """The end of a round: accuracy, points, best streak and the words to practise."""
    rows = []
    for result in summary.results:
        card = deck.card(result.card_id)
        word = html.escape(card.display if card else result.card_id)
        colour = OUTCOME_COLOURS[result.outcome]
        how = [str(result.tries)]
        if result.hints:
            how.append(say("hints_1", lang) if result.hints == 1 else
                       say("hints_n", lang, n=result.hints))  # fmt: skip
        if result.typed:
            how.append(say("typed_mark", lang))
        rows.append(
            f"<tr class='{result.outcome.value}'><td>{word}</td>"
            f"<td style='color:{colour}'>{outcome_label(result.outcome, lang)}</td>"
            f"<td>{', '.join(how)}</td><td>{result.points}</td></tr>"
        )
    practise = [deck.card(c) for c in summary.to_practise]
    words = ", ".join(html.escape(c.display) for c in practise if c)
    title = say("round_over", lang, accuracy=f"{summary.accuracy:.0%}", points=summary.score,
                streak=summary.best_streak)  # fmt: skip
    head = "".join(f"<th>{say(k, lang)}</th>" for k in ("col_word", "col_result", "col_tries",
                                                         "col_points"))  # fmt: skip
    advice = (
        f"<p>{say('to_practise', lang)} <b>{words}</b></p>"
        if words
        else f"<p>{say('nothing_to_practise', lang)}</p>"
    )
    return (
        f"<div class='summary'><h3>{title}</h3>{advice}<table><tr>{head}</tr>"
        + "".join(rows)
        + "</table></div>"
    )


CSS = """
.feedback { border-left: 6px solid #ccc; padding: .5em .8em; border-radius: 6px;
            font-size: 1.1em; background: var(--block-background-fill); overflow: hidden; }
.feedback img.answered { float: left; width: 56px; height: 56px; object-fit: contain;
                         margin: 0 .6em .2em 0; border-radius: 6px;
                         background: var(--background-fill-secondary); }
.feedback .heard, .feedback .meta { font-size: .85em; opacity: .8; margin-top: .2em; }
.feedback .diff { font-family: ui-monospace, monospace; font-size: 1.3em; margin-top: .2em;
                  letter-spacing: .05em; }
.feedback .diff .ok { color: #1b7f3b; }
.feedback .diff del { color: #b3261e; }
.feedback .diff ins { color: #1a56db; text-decoration: underline; font-weight: bold; }
.round-progress { font-size: 1.05em; }
.summary table { width: 100%; border-collapse: collapse; }
.summary td, .summary th { padding: .25em .5em; border-bottom: 1px solid #8884; text-align: left; }
#picture img { object-fit: contain; }
#picture { height: min(34vh, 340px) !important; }
#title h1 { margin: 0; font-size: 1.5em; }
#title p { margin: 0; }
#mic, #live { min-height: 0; }
#mic button, #live button { font-size: 1.15em; }
/* Learners need no microphone picker: the browser's default microphone is used. */
#mic select, #live select { display: none; }
#listen-audio { max-height: 90px; }
@media (max-width: 640px) {
  .gradio-container { padding: 4px !important; }
  #title p { display: none; }
}
"""
