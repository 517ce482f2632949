"""The values a judgement is made of: its verdict, the reason for it, and a letter-level diff."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz.distance import Levenshtein


class Verdict(StrEnum):
    CORRECT = "correct"
    CLOSE = "close"
    WRONG = "wrong"
    NO_SPEECH = "no_speech"


class Reason(StrEnum):
    """Why a verdict was given; the app and the session may treat reasons differently."""

    EXACT = "exact"  # the answer itself or an accepted alternative
    DEFINITE = "definite"  # hunden for hund
    SPELLING = "spelling"  # the same sound spelled another way: blickst for blixt, bjørn
    ARTICLE = "article"  # the right word with the wrong article
    DOTS = "dots"  # å/ä/ö confused with a/o (or the other way round)
    PLURAL = "plural"  # hundar for hund
    COMPOUND = "compound"  # half a compound: jord for jordgubbe
    SYLLABLES = "syllables"  # a long word with a syllable or two too few or too many
    ORDINAL = "ordinal"  # tredje for tre
    COGNATE = "cognate"  # the Danish or Norwegian word: kage for kaka
    NEAR = "near"  # a few letters off, within the threshold for the word's length
    SEVERAL = "several"  # the answer among several other words (guessing)
    OTHER_WORD = "other_word"  # another card's word, however near it is to this one
    DIFFERENT = "different"  # another word
    EMPTY = "empty"  # nothing but silence, punctuation, filler or an invented credit
    NOT_SPEECH = "not_speech"  # a cough, a breath, noise: the recogniser doubts it was speech
    NO_WORD = "no_word"  # words that name nothing ("det är..."), no word for the picture yet


@dataclass(frozen=True)
class DiffSpan:
    """One piece of a letter-level comparison of what was heard against the answer."""

    kind: str
    """"equal", "replace" (heard letters where others belong), "delete" (heard letters too many)
    or "insert" (letters missing from what was heard)."""
    heard: str
    expected: str


def letter_diff(heard: str, expected: str) -> tuple[DiffSpan, ...]:
    """A letter-level diff of `heard` against `expected`."""
    return tuple(
        DiffSpan(op.tag, heard[op.src_start : op.src_end], expected[op.dest_start : op.dest_end])
        for op in Levenshtein.opcodes(heard, expected)
    )
