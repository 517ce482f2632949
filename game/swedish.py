"""Swedish text for judging: normalisation, frame words, and the forms a noun takes.

Everything here keeps å, ä and ö: they are letters of their own (har is not hår), so no function
folds them unless its name says so.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from game.cards import Card

# Whisper writes the spoken article "en"/"ett" as the digit 1 now and then, and "ett" the
# Danish and Norwegian way, "et" (the same sound: a short e and a t).
ARTICLE_WORDS = {"en": "en", "ett": "ett", "1": "", "ena": "en", "etta": "ett", "et": "ett"}
# Words that frame an answer in a short sentence: "det är en hund", "jag tror att det är en katt",
# "min hund", "det är en hund, va?", "på bilden finns det en hund".
FRAME_WORDS = frozenset(
    "det här där den detta är var jag tror tycker att kanske nog heter kallas en ett ser ut som "
    "finns va väl eller hur min mitt din ditt it is a an the this that".split()
)

# Words that name nothing: pronouns, prepositions, conjunctions, small adverbs and verbs that
# carry a sentence. A transcript of these alone ("Det är det.", "Ja, det är...") holds no word
# for the picture: the learner has not answered yet.
FUNCTION_WORDS = FRAME_WORDS | frozenset(
    "han hon vi ni de dem mig dig sig oss er honom henne hans hennes deras sin sitt "
    "på i av med till från om för under över vid hos mot utan efter före bakom bredvid framför "
    "mellan och men så när som då nu här sen också bara ju inte ingen inget inga "
    "har hade ska skulle kan kunde vill ville blir blev finns fanns är var tycker vet "
    "and the of to in on it's i you".split()
)
# Prepositions: the words after one place or describe the answer ("en hund på gräset", "en katt
# med en boll"), they do not offer another answer for the picture.
PREPOSITIONS = frozenset(
    "på i under över vid bredvid framför bakom med hos mellan ovanför nedanför till från ur "
    "bland runt genom längs".split()
)
# Words that negate what follows them in a clause: "det är inte en katt".
NEGATIONS = frozenset("inte ingen inget inga icke ej".split())
# Names written as letters: words, though they have no vowel (a "tv" is not a cut-off sound).
INITIALISMS = frozenset("tv mc pc cd dvd wc bh tv:n mc:n".split())

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


def is_fragment(word: str) -> bool:
    """A letter or a run of consonants alone ("h", "sk", "ncrv", "pfff"): no Swedish word.

    What Whisper writes on a breath or at the start of a cut-off word; initialisms ("tv") are
    words of their own.
    """
    if word in INITIALISMS or any(c.isdigit() for c in word):  # "4" is a number, said
        return False
    return len(word) == 1 or not any(is_vowel(c) for c in word)


def syllables(word: str) -> int:
    """Groups of vowels: "bi" 1, "dator" 2, "tv" 0 (an initialism, read letter by letter)."""
    return len(re.findall(r"[aeiouyåäöé]+", word))


def definite_forms(word: str, article: str) -> set[str]:
    """Likely definite singular forms of a noun: hund→hunden, kaka→kakan, äpple→äpplet.

    Swedish adds -en/-n to en-words and -et/-t to ett-words; nouns in unstressed -el/-er/-en drop
    the e in some words and not in others (nyckel→nyckeln but kamel→kamelen, fönster→fönstret), so
    both shapes are offered, as for -or/-ar (datorn, traktorn). A one-syllable ett-word ending in
    a vowel takes -et (biet, not "bit", another word); an initialism takes -n/-t after a colon
    (tv:n, mc:n, heard as "tv n"). Without an article both genders are tried: being lenient here
    only ever accepts a real form of the word.
    """
    if not word or " " in word:
        return set()
    forms: set[str] = set()
    genders = [article] if article else ["en", "ett"]
    for gender in genders:
        forms |= _en_definite(word) if gender == "en" else _ett_definite(word)
        if not syllables(word):
            forms.add(word + ("n" if gender == "en" else "t"))
    return forms


def _en_definite(word: str) -> set[str]:
    if is_vowel(word[-1]):
        return {word + "n"}
    forms = {word + "en"}
    if word[-2:] in ("el", "er", "en") or (word[-2:] in ("or", "ar") and syllables(word) > 1):
        forms.add(word + "n")
    if _short_m(word):  # kam → kammen
        forms.add(word + "men")
    return forms


def _ett_definite(word: str) -> set[str]:
    if is_vowel(word[-1]):
        if syllables(word) > 1:  # äpplet, ögat, kontot, paraplyt (or paraplyet)
            return {word + "t"} if word[-1] in "ae" else {word + "t", word + "et"}
        return {word + "et"}  # biet, teet, fröet, knäet
    forms = {word + "et"}
    if word[-2:] in ("el", "er", "en"):
        forms.add(word[:-2] + word[-1] + "et")  # fönstret, vattnet
    if word.endswith("um"):  # museum → museet
        forms.add(word[:-2] + "et")
    if _short_m(word):  # rum → rummet, lam → lammet
        forms.add(word + "met")
    return forms


def _short_m(word: str) -> bool:
    """One syllable ending in one vowel and m, which doubles after a short vowel (kam, kammen).

    Not n: whether it doubles cannot be told from the spelling, and the guess can be another
    word (gran, the spruce, would accept grannen, the neighbour).
    """
    return syllables(word) == 1 and len(word) >= 2 and word[-1] == "m" and is_vowel(word[-2])


def plural_forms(word: str, article: str) -> set[str]:
    """Likely indefinite and definite plurals (hundar, kakor, katter, äpplen, husen).

    Used only to say "that's the plural", so a form a noun does not have costs nothing.
    Umlaut plurals (bok→böcker, mus→möss) come from a table, for the word itself only: as the
    end of a compound the table would misfire (person is no son: personer, not persöner).
    """
    if not word or " " in word:
        return set()
    stem = word[:-1] if word[-1] in "ae" else word
    forms = {stem + "ar", stem + "or", stem + "er", word + "r"}
    contracted = word[:-2] + word[-1] if word[-2:] in ("el", "er", "en") else ""
    if contracted:  # nyckel → nycklar, fågel → fåglar, syster → systrar
        forms |= {contracted + "ar", contracted + "er"}
    forms |= {form + "na" for form in list(forms)}
    if article != "en":
        if is_vowel(word[-1]):
            forms |= {word + "n", word + "na"}  # äpple → äpplen, äpplena; bi → bin, bina
        else:
            forms.add(word + "en")  # hus → husen (the plural is "hus" itself)
            if contracted:
                forms.add(contracted + "en")  # fönster → fönstren
    forms |= set(IRREGULAR_PLURALS.get(word, ()))
    forms.discard(word)
    return forms


# Plurals no rule guesses (a vowel changes, a consonant doubles): indefinite, definite.
IRREGULAR_PLURALS = {
    word: tuple(forms.split())
    for word, forms in (
        ("mus", "möss mössen"),
        ("lus", "löss lössen"),
        ("gås", "gäss gässen"),
        ("man", "män männen"),
        ("bok", "böcker böckerna"),
        ("fot", "fötter fötterna"),
        ("rot", "rötter rötterna"),
        ("get", "getter getterna"),
        ("morot", "morötter morötterna"),
        ("natt", "nätter nätterna"),
        ("hand", "händer händerna"),
        ("tand", "tänder tänderna"),
        ("land", "länder länderna"),
        ("strand", "stränder stränderna"),
        ("stad", "städer städerna"),
        ("and", "änder änderna"),
        ("son", "söner sönerna"),
        ("bror", "bröder bröderna"),
        ("bonde", "bönder bönderna"),
        ("dotter", "döttrar döttrarna"),
        ("mor", "mödrar mödrarna"),
        ("far", "fäder fäderna"),
        ("tå", "tår tårna"),
    )
}


class Form(NamedTuple):
    """A spoken form that counts as correct, and where it comes from."""

    kind: str  # "base" or "definite"
    base: str  # the base form it belongs to, normalised, without spaces
    article: str  # the article that base takes; "" when none or unknown: any article goes
    display: str  # the base as the learner should say it, with its article ("ett armbandsur")


def answer_forms(card: Card) -> dict[str, Form]:
    """Every spoken form that counts as correct, for the answer and each accepted alternative.

    Spaces are taken out: the recogniser splits compounds ("sköld padda") at will. A hyphenated
    word (t-shirt) is one word, so it has a definite form (t-shirten).
    """
    forms: dict[str, Form] = {}
    for answer, article in card.alternatives:
        spaced = normalize(answer)
        base = spaced.replace(" ", "")
        if not base:
            continue
        display = f"{article} {answer}" if article else answer
        forms.setdefault(base, Form("base", base, article, display))
        one_word = len(answer.split()) == 1
        for form in definite_forms(base if one_word else spaced, article):
            forms.setdefault(form, Form("definite", base, article, display))
    return forms
