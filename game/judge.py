"""Judging what the recogniser heard against the card's answer.

`judge(card, heard)` is fair to the learner about what speech recognition does to one spoken word
(capitals, full stops, a split compound, "det är en hund", a repeated word, the article written
as "1", a subtitle line invented over silence) and strict about what a teacher would correct (a
wrong article, å/ä/ö, a near miss). Messages for a try that may be followed by another never
give the answer away unless the learner all but said it (a wrong article, a lost dot, a plural).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz.distance import OSA, Levenshtein

from game import swedish, transcript
from game.cards import Card
from game.describing import is_describing
from game.messages import Text, say

Forms = dict[str, swedish.Form]  # see swedish.answer_forms

MAX_SPAN = 4  # a compound split by the recogniser rarely comes in more than four pieces
MAX_WORDS = 40  # a transcript longer than this is not an answer to one picture


class Verdict(StrEnum):
    CORRECT = "correct"
    CLOSE = "close"
    WRONG = "wrong"
    NO_SPEECH = "no_speech"


class Reason(StrEnum):
    """Why a verdict was given; the app and the session may treat reasons differently."""

    EXACT = "exact"  # the answer itself or an accepted alternative
    DEFINITE = "definite"  # hunden for hund
    ARTICLE = "article"  # the right word with the wrong article
    DOTS = "dots"  # å/ä/ö confused with a/o (or the other way round)
    PLURAL = "plural"  # hundar for hund
    NEAR = "near"  # a few letters off, within the threshold for the word's length
    SEVERAL = "several"  # the answer among several other words (guessing)
    DIFFERENT = "different"  # another word
    EMPTY = "empty"  # nothing but silence, punctuation or filler


@dataclass(frozen=True)
class DiffSpan:
    """One piece of a letter-level comparison of what was heard against the answer."""

    kind: str
    """"equal", "replace" (heard letters where others belong), "delete" (heard letters too many)
    or "insert" (letters missing from what was heard)."""
    heard: str
    expected: str


@dataclass(frozen=True)
class Judgement:
    """One transcript judged against one card. Points are the session's to give (a card's
    points depend on its tries, hints and the streak: `game.session`), not the judge's."""

    verdict: Verdict
    message: str
    """Feedback a learner can act on, in English with Swedish words in *asterisks*."""
    heard: str
    """The transcript as given."""
    expected: str
    """The answer as it should be said, with its article ("ett äpple")."""
    reason: Reason
    matched: str = ""
    """The part of the transcript that was compared with the answer, normalised."""
    target: str = ""
    """The form of the answer it was compared with (base, definite or accepted)."""
    diff: tuple[DiffSpan, ...] = ()
    text: Text | None = None
    """The message as a key and its words, to say in the learner's language."""


@dataclass(frozen=True)
class _Match:
    rank: int  # lower is better
    reason: Reason
    start: int
    end: int
    matched: str
    target: str
    distance: int


def max_edits(length: int) -> int:
    """How many letters may be off for a near miss, by the length of the word.

    One letter off in "ko" makes another word (sko); in "sköldpadda" it is a slip.
    """
    if length <= 2:
        return 0
    if length <= 5:
        return 1
    if length <= 9:
        return 2
    return 3


def letter_diff(heard: str, expected: str) -> tuple[DiffSpan, ...]:
    """A letter-level diff of `heard` against `expected`."""
    spans = []
    for op in Levenshtein.opcodes(heard, expected):
        spans.append(
            DiffSpan(
                op.tag, heard[op.src_start : op.src_end], expected[op.dest_start : op.dest_end]
            )
        )
    return tuple(spans)


def judge(card: Card, heard: str, *, typed: bool = False) -> Judgement:
    """Judge a transcript of the learner's answer to `card` (or what they typed, if `typed`)."""
    forms = swedish.answer_forms(card)
    keep = answer_words(card)
    said = transcript.spoken(heard, keep)
    tokens = said.texts[:MAX_WORDS]
    articles = article_words(keep)
    if not any(token not in articles for token in tokens):
        return _judgement(typed, card, heard, Verdict.NO_SPEECH, Reason.EMPTY, None)
    match = _best_match(tokens, forms)
    if match is None:
        guess = " ".join(t for t in tokens if t not in articles)
        base = swedish.normalize(card.answer).replace(" ", "")
        wrong = _Match(9, Reason.DIFFERENT, 0, 0, guess, base, OSA.distance(guess, base))
        echo = said.surface(0, len(tokens))
        return _judgement(typed, card, heard, Verdict.WRONG, Reason.DIFFERENT, wrong, echo=echo)
    echo = said.surface(match.start, match.end)
    if match.rank == 0:
        form = forms[match.target]
        describes = describing_allowed(keep)
        article = _said_article(tokens, match.start, articles, describes)
        if wrong_article(form, article):
            return _judgement(
                typed,
                card,
                heard,
                Verdict.CLOSE,
                Reason.ARTICLE,
                match,
                said=article,
                right=form.display,
            )
        if _extra_words(tokens, match, forms, articles, describes):
            return _judgement(typed, card, heard, Verdict.CLOSE, Reason.SEVERAL, match)
        return _judgement(typed, card, heard, Verdict.CORRECT, match.reason, match, echo=echo)
    return _judgement(typed, card, heard, Verdict.CLOSE, match.reason, match, echo=echo)


def answer_words(card: Card) -> frozenset[str]:
    """The words of the answer and its alternatives, normalised: never fillers or articles."""
    return frozenset(
        w for answer in (card.answer, *card.accept) for w in swedish.normalize(answer).split()
    )


def article_words(answer: frozenset[str]) -> dict[str, str]:
    """Words that are the article, unless the answer is that word.

    "En" and "ett" before a noun are its article, and Whisper writes them as "1" too; but on a
    card that teaches the number one ("ett") or the juniper ("en"), the word is the answer
    itself, and treating it as an article would leave nothing to judge.
    """
    return {w: a for w, a in swedish.ARTICLE_WORDS.items() if w not in answer}


def wrong_article(form: swedish.Form, said: str) -> bool:
    """The article said is not the word's own, whatever form the word was said in.

    "Ett bil" and "ett bilen" both give *bil* the article of an ett-word: the learner has the
    gender wrong, which is the lesson, so both are "almost". (A definite form takes no article
    in Swedish, but a learner who says "en bilen" has the gender right: that stays right.)
    """
    return bool(form.article and said and said != form.article)


def describing_allowed(answer: frozenset[str]) -> bool:
    """Describing words beside the answer are fine, unless the answer is one.

    "En prickig ko" describes the cow; but on a card whose answer is a colour ("röd"), naming
    other colours beside it is listing guesses.
    """
    return not any(is_describing(word) for word in answer)


def _said_article(tokens: list[str], start: int, articles: dict[str, str], describes: bool) -> str:
    """The article said before the word, past describing words: "ett stor hund" says "ett"."""
    i = start - 1
    while describes and i >= 0 and is_describing(tokens[i]):
        i -= 1
    return articles.get(tokens[i], "") if i >= 0 else ""


def _best_match(tokens: list[str], forms: Forms) -> _Match | None:
    plurals = {
        plural: key
        for key, form in forms.items()
        if form.kind == "base"
        for plural in swedish.plural_forms(key, form.article)
        if plural not in forms
    }
    # A plural with a dot lost ("batar" for båtar) is still the plural, not another word.
    for plural, key in list(plurals.items()):
        plurals.setdefault(swedish.fold_dots(plural), key)
    best: _Match | None = None
    for start in range(len(tokens)):
        for end in range(start + 1, min(len(tokens), start + MAX_SPAN) + 1):
            joined = "".join(tokens[start:end])
            candidate = _compare(joined, forms, plurals, start, end)
            if candidate and (best is None or _sort_key(candidate) < _sort_key(best)):
                best = candidate
    return best


def _sort_key(match: _Match) -> tuple[int, int, int]:
    return (match.rank, match.distance, match.end - match.start)


def _compare(
    joined: str, forms: Forms, plurals: dict[str, str], start: int, end: int
) -> _Match | None:
    if joined in forms:
        reason = Reason.DEFINITE if forms[joined].kind == "definite" else Reason.EXACT
        return _Match(0, reason, start, end, joined, joined, 0)
    if joined in plurals:
        return _Match(2, Reason.PLURAL, start, end, joined, plurals[joined], 1)
    best: _Match | None = None
    folded = swedish.fold_dots(joined)
    for form, info in forms.items():
        # The allowance goes by the word itself: "kol" is not a slip for "ko" because of "kon".
        allowed = max_edits(len(info.base))
        distance = OSA.distance(joined, form)
        folded_distance = OSA.distance(folded, swedish.fold_dots(form))
        if swedish.dots_only(joined, form):
            candidate = _Match(1, Reason.DOTS, start, end, joined, form, distance)
        elif distance <= allowed or (folded_distance <= allowed and distance <= allowed + 1):
            candidate = _Match(3, Reason.NEAR, start, end, joined, form, distance)
        else:
            continue
        if best is None or _sort_key(candidate) < _sort_key(best):
            best = candidate
    return best


def _extra_words(
    tokens: list[str], match: _Match, forms: Forms, articles: dict[str, str], describes: bool
) -> int:
    """Content words outside the match that are not the answer again: a sign of guessing.

    A word that frames the answer ("det är"), its article, or a word that describes it
    ("prickig", "grå och vit") is no guess; another noun is.
    """
    outside = tokens[: match.start] + tokens[match.end :]
    return sum(
        1
        for token in outside
        # A lone letter is no guess: the "n" of "tv:n" (heard as "tv n"), a false start "h".
        if len(token) > 1
        and token not in swedish.FRAME_WORDS
        and token not in articles
        and token not in forms
        and not any(token and form.startswith(token) for form in forms)
        and not (describes and is_describing(token))
    )


def _judgement(
    typed: bool,
    card: Card,
    heard: str,
    verdict: Verdict,
    reason: Reason,
    match: _Match | None,
    *,
    said: str = "",
    right: str = "",
    echo: str = "",
) -> Judgement:
    # Guesses that include the answer have nothing to correct, and a diff of the answer against
    # itself would spell it out before the next try.
    diff = letter_diff(match.matched, match.target) if match and reason != Reason.SEVERAL else ()
    text = _message(card, reason, match, said, right or card.display, diff, typed, echo.casefold())
    return Judgement(
        verdict=verdict,
        message=str(text),
        text=text,
        heard=heard,
        expected=card.display,
        reason=reason,
        matched=match.matched if match else "",
        target=match.target if match else "",
        diff=diff,
    )


def _message(
    card: Card,
    reason: Reason,
    match: _Match | None,
    said: str,
    right: str,
    diff: tuple[DiffSpan, ...],
    typed: bool = False,
    echo: str = "",
) -> Text:
    # A learner who was near the word, or listed guesses, tries again: the message must not
    # hand them the answer (the session shows it when the card is over).
    answer = f"*{card.display}*"
    # What was heard, as it was written ("t-shirt", "det är en bil"), not as it was compared.
    heard = f"*{echo or (match.matched if match else '')}*"
    changed = [span for span in diff if span.kind != "equal"]
    i_heard = say("you_wrote" if typed else "i_heard")
    match reason:
        case Reason.EMPTY:
            return say("empty_typed" if typed else "empty_spoken")
        case Reason.EXACT:
            return say("right", answer=answer)
        case Reason.DEFINITE:
            return say("right_definite", answer=answer, did=say("wrote" if typed else "said"),
                       heard=heard)  # fmt: skip
        case Reason.ARTICLE:
            return say("wrong_article", right=right, said=said)
        case Reason.DOTS:
            letters = tuple(
                say("dot_letter", expected=s.expected, heard=s.heard)
                for s in changed
                if s.expected or s.heard
            )
            listen = say("mind" if typed else "listen_to")
            return say("dots", i_heard=i_heard, heard=heard, listen=listen, letters=letters,
                       answer=answer)  # fmt: skip
        case Reason.PLURAL:
            return say("plural", heard=heard, answer=answer)
        case Reason.SEVERAL:
            return say("several_wrote" if typed else "several_heard")
        case Reason.NEAR:
            if len(changed) == 1 and changed[0].kind == "replace" and len(changed[0].expected) == 1:
                kind = say("vowel" if swedish.is_vowel(changed[0].expected) else "letter")
                return say("near_letter", i_heard=i_heard, heard=heard, kind=kind,
                           letter=changed[0].expected)  # fmt: skip
            off = match.distance if match else 0
            count = say("letters_1") if off == 1 else say("letters_n", n=off)
            return say("near", i_heard=i_heard, heard=heard, count=count)
        case _:
            return say("different", i_heard=i_heard, heard=heard)
