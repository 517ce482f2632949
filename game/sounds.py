"""How a Swedish word sounds: a key for judging by ear where the recogniser spells differently.

A learner who says *blixt* may be written "blickst", *choklad* "shoklad", *björn* "bjørn": the
sound is right and only the recogniser's spelling is off, so a teacher listening would say right.
`sound_key(word)` writes a word as Swedish spelling rules say it is pronounced, so two spellings
of one sound get one key. Each rule is one row of `_RULES`, with its Swedish reason.

Why rules written here rather than a library. Three were tried on the game's words (2026-12):
- espeak-ng's Swedish rules (`espeak-ng -v sv --ipa`; the app already uses espeak-ng for "Listen")
  lose vowel length both ways (*katt* and *kat* both [kat], *läxa* gets a long vowel), say
  *skjorta* with [ɕ] and *flikka* with a long i: a key built on them would make *kat* right for
  *katt*, which the judge must keep "almost" (a long vowel makes another word: glas, glass).
- epitran's `swe-Latn` map (CMU, MIT) reads every *sk* as [ɧ] (*sko* = *sjo*, *skal* = *sjal*),
  *ck* before *e* as [kɕ] (*nyckel*), and loads panphon's tables for 4.6 s at the first call.
- fonetika's `SwedenMetaphone` folds the nine vowels into three classes (*hund* = *hand*).
The rules below are the textbook spellings of each Swedish sound (Svenska skrivregler; Garlén,
Svenskans fonologi), kept to what changes no vowel length and no vowel quality. English
spellings of loans are left out on purpose: "elephant" and "helicopter" are the English words,
which a teacher calls almost, not a Swedish sound spelled oddly.
"""

from __future__ import annotations

import re
from functools import lru_cache

FRONT = "eiyäö"  # the vowels that soften g, k and sk at the start of a word (gäst, kök, sked)
VOWELS = "aeiouyåäöé"
# Letters of Norwegian and Danish for the Swedish vowels of the same sound: Whisper, which knows
# all three languages, may write "bjørn" or "æble" for what it heard as Swedish.
NORDIC_LETTERS = str.maketrans({"ø": "ö", "æ": "ä", "œ": "ö"})

# (pattern, replacement, why); applied in order to a word already in lower case. Placeholders:
# "Ŝ" is the sj-sound [ɧ], "Ĉ" the tje-sound [ɕ], "E" a short e/ä, "O" a short o/å.
_RULES: tuple[tuple[str, str, str], ...] = (
    (r"ø|œ", "ö", "Norwegian and Danish write ø for the vowel Swedish writes ö"),
    (r"æ", "ä", "Norwegian and Danish write æ for the vowel Swedish writes ä"),
    (r"é", "e", "é marks a stressed e (idé, armé): the same vowel"),
    (r"^(skj|stj|sj|sch|sh|ch)", "Ŝ", "sj, skj, stj and the loan spellings sch, sh, ch: one sound"),
    (r"(skj|stj|sj|sch)", "Ŝ", "the sj-sound inside a word (människa's sk is the exception)"),
    (r"^sk(?=[eiyäö])", "Ŝ", "sk before a front vowel starts a word with the sj-sound (sked)"),
    (r"(?<=[^s])tion(?=$|e[nr]|s)", "Ŝon", "the ending -tion is said with the sj-sound (station)"),
    (r"tj|kj", "Ĉ", "tj and kj are the tje-sound (tjej, kjol)"),
    (r"^k(?=[eiyäö])", "Ĉ", "k before a front vowel starts a word with the tje-sound (kök)"),
    (r"^(dj|gj|hj|lj)", "j", "d, g, h and l are silent before j at the start (djur, hjul, ljus)"),
    (r"^g(?=[eiyäö])", "j", "g before a front vowel starts a word with the j-sound (gäst)"),
    (r"(?<=[lr])g$", "j", "g after l or r ends a word with the j-sound (berg, älg)"),
    (r"ck", "kk", "ck is the long k after a short vowel (flicka, not flika)"),
    (r"x", "ks", "x is said ks (sax, taxi)"),
    (r"c(?=[eiy])", "s", "c before e, i, y is s (cykel, citron)"),
    (r"z", "s", "z is s (zebra)"),
    (r"(?<![aeiouyåäöé])e(?=[^aeiouyåäöér]{2})|ä(?=[^aeiouyåäöér]{2})", "E",
     "short e and short ä are one vowel before two consonants (häst, hest; äpple, epple)"),
    (r"(?<![aeiouyåäöé])o(?=[^aeiouyåäöé]{2})|å(?=[^aeiouyåäöé]{2})", "O",
     "short o and short å are one vowel before two consonants (hoppa, håppa)"),
    (r"([bdfgjklmnprstv])\1(?=[^aeiouyåäöéEO])", r"\1",
     "a long consonant before another consonant is written single or double (blickst, blixt)"),
)  # fmt: skip
_COMPILED = tuple((re.compile(pattern), replacement) for pattern, replacement, _ in _RULES)


@lru_cache(maxsize=8192)
def sound_key(word: str) -> str:
    """The word as it sounds: "blixt" and "blickst" → "bliksst"… one key for both spellings.

    Keeps what a learner must get right: vowel length (katt and kat differ), å, ä, ö against
    a, o (hår and har differ: `game.swedish.dots_only` says that), and every consonant said.
    """
    key = word.casefold()
    for pattern, replacement in _COMPILED:
        key = pattern.sub(replacement, key)
    return key


def same_sound(heard: str, expected: str) -> bool:
    """Two different spellings of one sound ("shoklad" for choklad, "bjørn" for björn)."""
    return heard != expected and sound_key(heard) == sound_key(expected)


def rules() -> tuple[tuple[str, str], ...]:
    """Each rule as (pattern, why): for the README and the tests."""
    return tuple((pattern, why) for pattern, _, why in _RULES)


# --- Scandinavian cognates ----------------------------------------------------------------------
# Danish and Norwegian words of the same root, as Whisper writes them when it takes a learner's
# Swedish for one of them. The consonant steps are marks of Danish (it softens p, t, k after a
# vowel: æble, gade, kage); the ending is said both ways, so it is tried with and without (æble
# keeps its -e as äpple, kage turns it into kaka).
_DANISH_CONSONANTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"aa", "å"),  # the old Danish and Norwegian å (Aalborg)
        (r"(?<=[aeiouyåäö])b(?=[lr]?[aeiouyåäö])", "pp"),  # æble, äpple
        (r"(?<=[aeiouyåäö])d(?=[aeiouyåäö])", "t"),  # gade, gata
        (r"(?<=[aeiouyåäö])g(?=[aeiouyåäö])", "k"),  # kage, kaka
        (r"kk", "ck"),  # klokke, klocka
        (r"i(?=rk)", "y"),  # kirke, kyrka
    )
)
# Danish and Norwegian -e for the Swedish -a (kirke, kyrka), tried as well as the word kept.
# (Norwegian o for å, tog for tåg, is left to `game.swedish.dots_only`: the lesson is the ring.)
_NORDIC_ENDING = (re.compile(r"e$"), "a")


def cognates(heard: str) -> tuple[str, ...]:
    """Swedish spellings a Danish or Norwegian word may stand for ("kage" → "kaka", "kake").

    Empty when nothing in the word is Danish or Norwegian (a letter, a softened consonant): an
    ending alone makes no cognate ("cake" is English, not Danish for kaka).
    """
    base = heard.translate(NORDIC_LETTERS)
    for pattern, replacement in _DANISH_CONSONANTS:
        base = pattern.sub(replacement, base)
    if base == heard:
        return ()
    pattern, replacement = _NORDIC_ENDING
    found = {base, pattern.sub(replacement, base)}
    found.discard(heard)
    return tuple(sorted(found))
