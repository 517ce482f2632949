"""Swedish text for judging: normalisation, filler words, and the forms a noun takes.

Everything here keeps å, ä and ö: they are letters of their own (har is not hår), so no function
folds them unless its name says so.
"""

from __future__ import annotations

import re
import unicodedata

from game.cards import Card

# Words a learner (or the recogniser) puts around an answer that never decide a verdict.
FILLERS = frozenset(
    "öh öhm äh ähm eh ehm hm hmm mm mhm ah aha oj åh ja jo nja nej typ alltså liksom tack "
    "okej ok".split()
)
# Words that frame an answer in a short sentence: "det är en hund", "jag tror att det är en katt".
FRAME_WORDS = frozenset(
    "det här där den detta är var jag tror att kanske nog heter kallas en ett ser ut som "
    "it is a an the this that".split()
)
# Whisper writes the spoken article "en"/"ett" as the digit 1 now and then.
ARTICLE_WORDS = {"en": "en", "ett": "ett", "1": "", "ena": "en", "etta": "ett"}

# Describing something is fine ("en stor hund"): these never count as a second guess.
ADJECTIVES = frozenset(
    "stor stora stort liten lilla litet små röd röda rött gul gula gult grön gröna grönt blå "
    "blått svart svarta vit vita vitt brun bruna brunt grå grått rosa söt söta sött fin fina "
    "fint gammal gamla gammalt ny nya nytt god goda gott varm varma kall kalla".split()
)

_VOWELS = set("aeiouyåäöé")
_DOTTED = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "è": "e"})
# Letters a learner (or the recogniser) mixes up when the dots or the ring are at stake.
_DOT_FAMILY = set("aåäoöeé")
_DOT_LETTERS = set("åäöé")
_NON_WORD = re.compile(r"[^\w]+")


def normalize(text: str) -> str:
    """NFC, case-folded, punctuation and hyphens turned into single spaces."""
    text = unicodedata.normalize("NFC", text).casefold()
    # A combining mark left over from odd input (e.g. "a" + U+030A written apart) is recomposed
    # by NFC; anything else that is not a letter or digit separates words.
    return " ".join(_NON_WORD.sub(" ", text).replace("_", " ").split())


def words(text: str, keep: frozenset[str] = frozenset()) -> list[str]:
    """The words of a transcript, fillers dropped except those in `keep` (an answer "tack")."""
    return [w for w in normalize(text).split() if w not in FILLERS or w in keep]


def fold_dots(text: str) -> str:
    """å→a, ä→a, ö→o (and é→e): only to explain a near miss, never to accept one."""
    return text.translate(_DOTTED)


def dots_only(heard: str, expected: str) -> bool:
    """True when the two differ only where å, ä, ö are confused with each other or a/o (bat/båt)."""
    if len(heard) != len(expected) or heard == expected:
        return False
    return all(
        h == e
        or (h in _DOT_FAMILY and e in _DOT_FAMILY and (h in _DOT_LETTERS or e in _DOT_LETTERS))
        for h, e in zip(heard, expected, strict=True)
    )


def is_vowel(letter: str) -> bool:
    return letter in _VOWELS


def definite_forms(word: str, article: str) -> set[str]:
    """Likely definite singular forms of a noun: hund→hunden, kaka→kakan, äpple→äpplet.

    Swedish adds -en/-n to en-words and -et/-t to ett-words; nouns in unstressed -el/-er/-en drop
    the e in some words and not in others (nyckel→nyckeln but kamel→kamelen, fönster→fönstret), so
    both shapes are offered. Without an article both genders are tried: being lenient here only
    ever accepts a real form of the word.
    """
    if not word or " " in word:
        return set()
    forms: set[str] = set()
    last = word[-1]
    genders = [article] if article else ["en", "ett"]
    for gender in genders:
        suffix = "n" if gender == "en" else "t"
        if is_vowel(last):
            forms.add(word + suffix)
        else:
            forms.add(word + "e" + suffix)
            if word[-2:] in ("el", "er", "en"):
                forms.add(word + suffix if gender == "en" else word[:-2] + word[-1] + "et")
        if word.endswith("um") and gender == "ett":  # museum → museet
            forms.add(word[:-2] + "et")
    return forms


def plural_forms(word: str, article: str) -> set[str]:
    """Likely indefinite and definite plurals (hundar, kakor, katter, äpplen, husen).

    Used only to say "that's the plural", so a form a noun does not have costs nothing.
    """
    if not word or " " in word:
        return set()
    stem = word[:-1] if word[-1] in "ae" else word
    forms = {stem + "ar", stem + "or", stem + "er", word + "r"}
    if word[-2:] in ("el", "er", "en"):  # nyckel → nycklar, fågel → fåglar, syster → systrar
        forms |= {word[:-2] + word[-1] + "ar", word[:-2] + word[-1] + "er"}
    if article != "en" and is_vowel(word[-1]):
        forms.add(word + "n")  # äpple → äpplen
    forms |= {form + "na" for form in list(forms)}
    if article != "en" and not is_vowel(word[-1]):
        forms.add(word + "en")  # hus → husen (the singular is "hus" itself)
    forms.discard(word)
    return forms


def answer_forms(card: Card) -> dict[str, tuple[str, str]]:
    """Every spoken form that counts as correct -> (kind of form, the base form it comes from).

    Spaces are taken out: the recogniser splits compounds ("sköld padda") at will.
    """
    forms: dict[str, tuple[str, str]] = {}
    for answer in (card.answer, *card.accept):
        base = normalize(answer).replace(" ", "")
        if not base:
            continue
        forms.setdefault(base, ("base", base))
        for form in definite_forms(normalize(answer), card.article):
            forms.setdefault(form, ("definite", base))
    return forms
