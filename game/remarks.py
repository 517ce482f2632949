"""What the judge says for each reason: the feedback a learner can act on, as a `Text`.

A learner who was near the word, or listed guesses, tries again: no message for a try that may
be followed by another hands over the answer (the session shows it when the card is over). The
exceptions are the lessons themselves: a wrong article or a lost dot is corrected at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from game import swedish
from game.cards import Card
from game.messages import Text, say
from game.verdicts import DiffSpan, Reason


@dataclass(frozen=True)
class Heard:
    """What the judge found in the transcript, for the message about it."""

    matched: str = ""
    """The part compared with the answer, normalised ("" when nothing was)."""
    echo: str = ""
    """That part as the recogniser wrote it ("t-shirt", "det är en bil")."""
    distance: int = 0
    said: str = ""
    """The article said, for a wrong one."""
    right: str = ""
    """The form with its own article, for a wrong one ("ett armbandsur")."""
    syllables: int = 0
    """Syllables said more (+) or fewer (-) than the word has."""


def remark(card: Card, reason: Reason, heard: Heard, diff: tuple[DiffSpan, ...],
           typed: bool = False) -> Text:  # fmt: skip
    """The message for a judgement of `reason` on `card`."""
    answer = f"*{card.display}*"
    echoed = f"*{heard.echo.casefold() or heard.matched}*"
    i_heard = say("you_wrote" if typed else "i_heard")
    match reason:
        case Reason.EMPTY | Reason.NOT_SPEECH if typed:
            return say("empty_typed")
        case Reason.EMPTY:
            return say("empty_spoken")
        case Reason.NOT_SPEECH:
            return say("not_speech")
        case Reason.NO_WORD:
            return say("no_word", i_heard=i_heard, heard=echoed)
        case Reason.EXACT:
            return say("right", answer=answer)
        case Reason.DEFINITE:
            return say("right_definite", answer=answer, did=say("wrote" if typed else "said"),
                       heard=echoed)  # fmt: skip
        case Reason.SPELLING if typed:
            return say("spelled_typed", heard=echoed)
        case Reason.SPELLING:
            return say("right_spelled", answer=answer, heard=echoed)
        case Reason.ARTICLE:
            return say("wrong_article", right=heard.right or card.display, said=heard.said)
        case Reason.DOTS:
            return _dots(diff, typed, i_heard, echoed, answer)
        case Reason.PLURAL:
            return say("plural", heard=echoed, answer=answer)
        case Reason.SEVERAL:
            return say("several_wrote" if typed else "several_heard")
        case Reason.COMPOUND:
            return say("compound_part", i_heard=i_heard, heard=echoed)
        case Reason.SYLLABLES:
            return say("syllables", i_heard=i_heard, heard=echoed, count=_syllables(heard))
        case Reason.ORDINAL:
            return say("ordinal", heard=echoed)
        case Reason.COGNATE:
            return say("cognate", heard=echoed)
        case Reason.NEAR:
            return _near(diff, heard, i_heard, echoed)
        case Reason.OTHER_WORD:
            return say("other_word", i_heard=i_heard, heard=echoed)
        case _:
            return say("different", i_heard=i_heard, heard=echoed)


def _dots(diff: tuple[DiffSpan, ...], typed: bool, i_heard: Text, heard: str,
          answer: str) -> Text:  # fmt: skip
    letters = tuple(
        say("dot_letter", expected=s.expected, heard=s.heard)
        for s in diff
        if s.kind != "equal" and (s.expected or s.heard)
    )
    listen = say("mind" if typed else "listen_to")
    return say("dots", i_heard=i_heard, heard=heard, listen=listen, letters=letters,
               answer=answer)  # fmt: skip


def _near(diff: tuple[DiffSpan, ...], heard: Heard, i_heard: Text, echoed: str) -> Text:
    changed = [span for span in diff if span.kind != "equal"]
    if len(changed) == 1 and changed[0].kind == "replace" and len(changed[0].expected) == 1:
        kind = say("vowel" if swedish.is_vowel(changed[0].expected) else "letter")
        return say("near_letter", i_heard=i_heard, heard=echoed, kind=kind,
                   letter=changed[0].expected)  # fmt: skip
    off = heard.distance
    count = say("letters_1") if off == 1 else say("letters_n", n=off)
    return say("near", i_heard=i_heard, heard=echoed, count=count)


def _syllables(heard: Heard) -> Text:
    off = heard.syllables
    if off < 0:
        return say("syllables_fewer_1") if off == -1 else say("syllables_fewer_n", n=-off)
    return say("syllables_more_1") if off == 1 else say("syllables_more_n", n=off)
