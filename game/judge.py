"""Judging what the recogniser heard against the card's answer.

`judge(card, heard)` is fair to the learner about what speech recognition does to one spoken word
(capitals, full stops, a split compound, "det är en hund", a repeated word, the article written
as "1" or "et", the same sound spelled another way, a subtitle line invented over silence, text
invented on a cough) and strict about what a teacher would correct (a wrong article, å/ä/ö, a
near miss, half a compound, another card's word). Messages for a try that may be followed by
another never give the answer away unless the learner all but said it (`game.remarks`).

The steps, in order: what the learner said (`game.transcript`: fillers, credits, other scripts
out, the words after a self-correction), whether it was an answer at all (`game.hearing`), and
the best match of a run of words against the answer's forms, ranked: the answer or the same
sound (right), another card's word (wrong), å/ä/ö, the plural, a named kind of almost
(`game.almost`), a near miss.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import OSA

from game import almost, hearing, sounds, swedish, transcript
from game.cards import Card
from game.describing import is_describing, lexicon
from game.hearing import Signs
from game.messages import Text
from game.remarks import Heard, remark
from game.verdicts import DiffSpan, Reason, Verdict, letter_diff

__all__ = ["DiffSpan", "Judgement", "Reason", "Signs", "Verdict", "judge", "letter_diff"]

Forms = dict[str, swedish.Form]  # see swedish.answer_forms

MAX_SPAN = 4  # a compound split by the recogniser rarely comes in more than four pieces
MAX_WORDS = 40  # a transcript longer than this is not an answer to one picture
# Words that end a negated phrase: "inte en katt utan en hund", "ingen katt men en hund".
NEGATION_ENDS = frozenset({"utan", "men"})
max_edits = almost.max_edits
# Ranks of the kinds of close: a named kind and a near miss share one, so the nearer wins ("sköld
# pada" is the whole word a letter off, not half of it).
_CLOSE = {
    Reason.DOTS: 2,
    # Another form of the word itself: "femte" is the ordinal, not "fem" a letter off.
    Reason.PLURAL: 3,
    Reason.ORDINAL: 3,
    **dict.fromkeys((Reason.COMPOUND, Reason.SYLLABLES, Reason.COGNATE, Reason.NEAR), 4),
}
_NO_DIFF = frozenset(
    {Reason.SEVERAL, Reason.COMPOUND, Reason.SYLLABLES, Reason.ORDINAL, Reason.COGNATE}
)


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
    rank: int  # lower is better: 0 right, 1 another card's word, then the kinds of close
    reason: Reason
    start: int
    end: int
    matched: str
    target: str
    distance: int
    syllables: int = 0


def judge(card: Card, heard: str, *, typed: bool = False, signs: Signs = hearing.NO_SIGNS,
          others: frozenset[str] = frozenset()) -> Judgement:  # fmt: skip
    """Judge a transcript of the learner's answer to `card` (or what they typed, if `typed`).

    `signs`: the recogniser's own figures for the transcript (`asr.Transcript.no_speech_prob`
    and `avg_logprob`); with none, the text alone is judged. `others`: the spoken forms of the
    deck's other cards (`other_forms`), each of which is wrong here however near it is.
    """
    forms = swedish.answer_forms(card)
    keep = answer_words(card)
    said = transcript.spoken(heard, keep)
    tokens = said.texts[:MAX_WORDS]
    articles = article_words(keep)
    content = [t for t in tokens if t not in articles]
    if not content:
        return _judgement(typed, card, heard, Verdict.NO_SPEECH, Reason.EMPTY, None)
    negated = _negated(said, len(tokens))
    match = _best_match(tokens, forms, others - set(forms), negated)
    denied = match is not None and _denied(match, negated)
    if denied:  # "det är inte en hund": the learner said it is not
        verdict, reason = Verdict.WRONG, Reason.DIFFERENT
    else:
        verdict, reason = _verdict(match, tokens, forms, articles, keep, typed, negated)
    if verdict in (Verdict.WRONG, Verdict.CLOSE):
        unheard = _no_answer(match, content, keep, signs)
        if unheard is not None:
            verdict, reason = Verdict.NO_SPEECH, unheard
    if match is None or denied or verdict is Verdict.NO_SPEECH:
        guess = " ".join(content)
        base = swedish.normalize(card.answer).replace(" ", "")
        wrong = _Match(9, reason, 0, 0, guess, base, OSA.distance(guess, base))
        return _judgement(typed, card, heard, verdict, reason, wrong,
                          echo=said.surface(0, len(tokens)))  # fmt: skip
    if reason is Reason.ARTICLE:
        form = forms[match.target]
        article = _said_article(tokens, match.start, articles, describing_allowed(keep))
        return _judgement(typed, card, heard, verdict, reason, match, said=article,
                          right=form.display)  # fmt: skip
    echo = said.surface(match.start, match.end)
    return _judgement(typed, card, heard, verdict, reason, match, echo=echo)


def other_forms(deck_cards: tuple[Card, ...], card: Card) -> frozenset[str]:
    """The spoken forms of the other cards of a deck that are not forms of `card` itself."""
    own = swedish.answer_forms(card)
    return frozenset(
        form
        for other in deck_cards
        if other.id != card.id
        for form in swedish.answer_forms(other)
        if form not in own
    )


def _verdict(match: _Match | None, tokens: list[str], forms: Forms, articles: dict[str, str],
             keep: frozenset[str], typed: bool,
             negated: set[int]) -> tuple[Verdict, Reason]:  # fmt: skip
    if match is None:
        return Verdict.WRONG, Reason.DIFFERENT
    if match.reason is Reason.OTHER_WORD:
        return Verdict.WRONG, Reason.OTHER_WORD
    if match.rank > 0:
        return Verdict.CLOSE, match.reason
    describes = describing_allowed(keep)
    article = _said_article(tokens, match.start, articles, describes)
    if wrong_article(forms[match.target], article):
        return Verdict.CLOSE, Reason.ARTICLE
    if _extra_words(tokens, match, forms, articles, describes, negated):
        return Verdict.CLOSE, Reason.SEVERAL
    if match.reason is Reason.SPELLING and typed:  # a typed spelling is a spelling to learn
        return Verdict.CLOSE, Reason.SPELLING
    return Verdict.CORRECT, match.reason


def _no_answer(match: _Match | None, content: list[str], keep: frozenset[str],
               signs: Signs) -> Reason | None:  # fmt: skip
    """Why a transcript that would cost a try is no answer at all, if it is none."""
    if hearing.doubts_speech(signs):
        return Reason.NOT_SPEECH
    if match is not None:
        return None
    if hearing.only_fragments(content, keep) or hearing.is_loop(content):
        return Reason.NOT_SPEECH
    if hearing.names_nothing(content, keep):
        return Reason.NO_WORD
    return None


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


def _negated(said: transcript.Spoken, count: int) -> set[int]:
    """Words the learner negated: from "inte", "ingen" to the end of the clause.

    "Det är inte en katt, det är en hund" answers "hund"; "det är ingen hund" denies it.
    """
    negated: set[int] = set()
    on = False
    for i in range(count):
        word = said.words[i].text
        if word in NEGATION_ENDS:
            on = False
        if on:
            negated.add(i)
        on = (on or word in swedish.NEGATIONS) and not said.clause_ends_after(i)
    return negated


def _best_match(tokens: list[str], forms: Forms, others: frozenset[str],
                negated: set[int]) -> _Match | None:  # fmt: skip
    """The best match of a run of words; a run the learner negated only when nothing else is."""
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
            candidate = _compare(joined, forms, plurals, others, start, end)
            if candidate and (
                best is None or _sort_key(candidate, negated) < _sort_key(best, negated)
            ):
                best = candidate
    return best


def _denied(match: _Match, negated: set[int]) -> bool:
    return any(i in negated for i in range(match.start, match.end))


def _sort_key(match: _Match, negated: set[int]) -> tuple[bool, int, int, int]:
    return (_denied(match, negated), match.rank, match.distance, match.end - match.start)


def _compare(joined: str, forms: Forms, plurals: dict[str, str], others: frozenset[str],
             start: int, end: int) -> _Match | None:  # fmt: skip
    if joined in forms:
        exact = Reason.DEFINITE if forms[joined].kind == "definite" else Reason.EXACT
        return _Match(0, exact, start, end, joined, joined, 0)
    spelled = next((form for form in forms if sounds.same_sound(joined, form)), None)
    if spelled is not None:
        return _Match(0, Reason.SPELLING, start, end, joined, spelled, 1)
    if joined in others:
        return _Match(1, Reason.OTHER_WORD, start, end, joined, joined, 0)
    if joined in plurals:
        return _Match(_CLOSE[Reason.PLURAL], Reason.PLURAL, start, end, joined, plurals[joined], 1)
    kind = almost.almost(joined, forms)
    best: _Match | None = None
    if kind is not None:
        named = Reason(kind.kind.value)
        best = _Match(_CLOSE[named], named, start, end, joined, kind.target,
                      OSA.distance(joined, kind.target), kind.syllables)  # fmt: skip
    for form, info in forms.items():
        reason = _closeness(joined, form, info)
        if reason is None:
            continue
        candidate = _Match(_CLOSE[reason], reason, start, end, joined, form,
                           OSA.distance(joined, form))  # fmt: skip
        if best is None or _sort_key(candidate, set()) < _sort_key(best, set()):
            best = candidate
    return best


def _closeness(joined: str, form: str, info: swedish.Form) -> Reason | None:
    """DOTS or NEAR when `joined` is that close to `form`; None when it is not close."""
    if swedish.dots_only(joined, form):
        return Reason.DOTS
    # The allowance goes by the word itself: "kol" is not a slip for "ko" because of "kon".
    allowed = max_edits(len(info.base))
    distance = OSA.distance(joined, form)
    folded = OSA.distance(swedish.fold_dots(joined), swedish.fold_dots(form))
    if distance <= allowed or (folded <= allowed and distance <= allowed + 1):
        return Reason.NEAR
    # One sound off, however it is spelled ("socks" for sax, "jös" for ljus), unless the word is
    # a Swedish noun of its own: "test" is no slip for "häst".
    by_sound = OSA.distance(sounds.sound_key(joined), sounds.sound_key(form))
    if 0 < by_sound <= min(1, allowed) and joined not in lexicon().nouns:
        return Reason.NEAR
    return None


def _extra_words(tokens: list[str], match: _Match, forms: Forms, articles: dict[str, str],
                 describes: bool, negated: set[int]) -> int:  # fmt: skip
    """Content words outside the match that are not the answer again: a sign of guessing.

    A word that frames the answer ("det är"), its article, or a word that describes it
    ("prickig", "grå och vit") is no guess; another noun is, unless the learner negated it
    ("inte en katt, det är en hund").
    """
    described = _description(tokens, match, forms)
    outside = [
        token
        for i, token in enumerate(tokens)
        if not match.start <= i < match.end
        and i not in negated
        and i not in described
        and token not in swedish.NEGATIONS
        and token not in NEGATION_ENDS
    ]
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


def _description(tokens: list[str], match: _Match, forms: Forms) -> set[int]:
    """Words that tell more about the answer than its name: a clause after it that starts with
    "som" ("en hund som springer på gräset"), and a phrase after a preposition ("på bilden",
    "med en boll", up to its noun). A sentence around the answer is no second guess.
    """
    described: set[int] = set()
    phrase = False
    for i, token in enumerate(tokens):
        if match.start <= i < match.end:
            continue
        if token == "som" and i >= match.end:
            return described | set(range(i, len(tokens)))
        if token in swedish.PREPOSITIONS:
            phrase = True
        if phrase:
            described.add(i)
            # The phrase ends with its noun: the first word that neither leads nor describes.
            lead = token in swedish.PREPOSITIONS or token in swedish.FUNCTION_WORDS
            phrase = lead or is_describing(token)
    return described


def _judgement(typed: bool, card: Card, heard: str, verdict: Verdict, reason: Reason,
               match: _Match | None, *, said: str = "", right: str = "",
               echo: str = "") -> Judgement:  # fmt: skip
    # Guesses that include the answer have nothing to correct, and a diff of the answer against
    # itself would spell it out before the next try; so would one of half a compound against the
    # whole, of an ordinal, a cognate or a word a syllable off: their message says what to do.
    spelled = match is not None and verdict is not Verdict.NO_SPEECH and reason not in _NO_DIFF
    diff = letter_diff(match.matched, match.target) if match and spelled else ()
    found = Heard(
        matched=match.matched if match else "",
        echo=echo,
        distance=match.distance if match else 0,
        said=said,
        right=right,
        syllables=match.syllables if match else 0,
    )
    text = remark(card, reason, found, diff, typed)
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
