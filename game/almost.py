"""Named kinds of "almost" that a learner can act on, beside the letter-level near miss.

A teacher who hears half of *jordgubbe* says "say the whole word", not "five letters off"; one
who hears *eliktar* for *helikopter* says "say every syllable"; *tredje* for *tre* is "that is the
ordinal: say the number"; *kage* for *kaka* is "that is Danish". Each kind is one function here,
with its reason, and `almost(heard, forms)` tries them in turn. None of them hands over the
answer: the feedback names what to fix, and the session shows the answer when the card is over.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from rapidfuzz.distance import OSA, Indel

from game import sounds, swedish
from game.describing import lexicon

Forms = dict[str, swedish.Form]

MIN_PART = 3  # letters: a compound's part shorter than this ("bi" of bil) is no word of its own
MIN_SYLLABLES = 3  # a slurred syllable is a slip in a long word; in "kola" for "ko" a new word
SYLLABLE_LIKENESS = 0.7  # share of sounds in common (Indel) for "the same word, a syllable off"
MAX_NUMBER = 100  # number cards this covers: the numbers a beginners' deck teaches


class Kind(StrEnum):
    COMPOUND = "compound"  # half a compound: jord for jordgubbe
    SYLLABLES = "syllables"  # a syllable or two too few or too many: eliktar for helikopter
    ORDINAL = "ordinal"  # the ordinal for the number: tredje for tre
    COGNATE = "cognate"  # the Danish or Norwegian word of the same root: kage for kaka


@dataclass(frozen=True)
class Almost:
    kind: Kind
    target: str
    """The form of the answer the heard word was compared with."""
    syllables: int = 0
    """For SYLLABLES: how many syllables were said more (+) or fewer (-) than the word has."""


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


def near(heard: str, expected: str) -> bool:
    """Within the allowance for `expected`'s length, by letters or by sound ("sukel", "cykel")."""
    allowed = max_edits(len(expected))
    by_sound = OSA.distance(sounds.sound_key(heard), sounds.sound_key(expected))
    return min(OSA.distance(heard, expected), by_sound) <= allowed


def almost(heard: str, forms: Forms) -> Almost | None:
    """The first named kind of "almost" that `heard` is for one of the answer's forms."""
    bases = [form for form, info in forms.items() if info.kind == "base"]
    for check in (_compound, _ordinal, _cognate, _syllables):
        for form in bases if check is not _cognate else list(forms):
            found = check(heard, form)
            if found is not None:
                return found
    return None


def _compound(heard: str, word: str) -> Almost | None:
    """`heard` is the first or the last part of the compound `word` ("jord", "melon").

    Swedish builds long words of short ones, and a learner (or the recogniser) may stop after
    the first or start at the last: that is knowing half the word. Both parts must be words of
    the dictionary (`game.describing.lexicon`), or "fant" would be half of "elefant".
    """
    if len(heard) < MIN_PART or heard in swedish.FUNCTION_WORDS:
        return None
    for size in (len(heard) - 1, len(heard), len(heard) + 1):
        if size < MIN_PART or len(word) - size < MIN_PART:
            continue
        first, last = (word[:size], word[size:]), (word[:-size], word[-size:])
        for (head, tail), said in ((first, first[0]), (last, last[1])):
            if near(heard, said) and is_word(head, linked=True) and is_word(tail):
                return Almost(Kind.COMPOUND, word)
    return None


def is_word(word: str, *, linked: bool = False) -> bool:
    """A noun or an adjective of the dictionary; `linked`: as the first part of a compound
    too, which may drop an -e (väckar-klocka) or add a linking -s (tidnings-bud)."""
    words = lexicon().nouns | lexicon().adjectives
    if word in words:
        return True
    return linked and (word + "e" in words or (word.endswith("s") and word[:-1] in words))


def _syllables(heard: str, word: str) -> Almost | None:
    """A long word said with a syllable or two too few or too many ("eliktar", "potatisis")."""
    want = swedish.syllables(word)
    off = swedish.syllables(heard) - want
    if want < MIN_SYLLABLES or not 1 <= abs(off) <= 2:
        return None
    likeness = Indel.normalized_similarity(sounds.sound_key(heard), sounds.sound_key(word))
    return Almost(Kind.SYLLABLES, word, off) if likeness >= SYLLABLE_LIKENESS else None


def _ordinal(heard: str, word: str) -> Almost | None:
    """The ordinal of the card's number ("tredje" for "tre", "första" for "ett")."""
    number = number_words().get(word)
    if number is None:
        return None
    ordinal = ordinal_word(number)
    return Almost(Kind.ORDINAL, word) if heard != word and near(heard, ordinal) else None


def _cognate(heard: str, word: str) -> Almost | None:
    """The Danish or Norwegian word of the same root: "kage" for kaka, "æble" for äpple."""
    for candidate in sounds.cognates(heard):
        if candidate == word or sounds.same_sound(candidate, word):
            return Almost(Kind.COGNATE, word)
    return None


@lru_cache(maxsize=1)
def number_words() -> dict[str, int]:
    """Swedish number words up to `MAX_NUMBER`, written as one word: {"tre": 3, ...}."""
    from game.transcript import number_word

    words = {number_word(str(n)): n for n in range(MAX_NUMBER + 1)}
    words["en"] = 1  # "en" counts too, before an en-word (en katt, ett hus)
    return words


@lru_cache(maxsize=MAX_NUMBER + 1)
def ordinal_word(number: int) -> str:
    """ "tredje" for 3: Swedish ordinals from num2words."""
    from num2words import num2words

    return str(num2words(number, lang="sv", to="ordinal")).replace(" ", "").replace("-", "")
