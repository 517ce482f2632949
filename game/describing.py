"""Describing words: "en jättefin bil", "en prickig ko", "en grå och vit mus" are right answers.

A learner who describes the picture knows the word; one who names a second thing is guessing.
So a word beside the answer is judged by what it is, not looked up in a short list of forms:
- an adjective in any of its forms: the lemma with Swedish adjective endings undone (röda, rött,
  stort, vackra, ledsna, finare, störst → röd, röd, stor, vacker, ledsen, fin, stor);
- a lemma that is an adjective by its shape (the suffixes -ig, -lig, -isk, -sam, -bar, -lös,
  -aktig: prickig, randig, lurvig, fantastisk), by the Swedish Hunspell dictionary (the
  `hunspell-sv` package, LGPL-3.0: an entry with the flag of the adjective -t/-a forms and none
  of a noun's definite forms) or among the common root adjectives and colours listed here;
- an intensifier (jätte-, super-, väldigt), a compound of these (mörkröd, gråvit, jättegammal),
  or "och" between them.
Where the dictionary is not installed, shapes and the list still apply.
"""

from __future__ import annotations

import logging
import re
import site
import sys
import sysconfig
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

# Hunspell sv_SE flags: O makes an adjective's -t and -a forms (stor: stort, stora); C-H make a
# noun's definite forms, and a word with both (mobil, the noun and the adjective) is not taken.
ADJECTIVE_FLAG = "O"
NOUN_FLAGS = frozenset("CDEFGH")

# Root adjectives too common to leave to a dictionary, colours, and words that grade a
# description; their forms follow by the endings in `_lemmas`.
ROOTS = frozenset(
    """
    röd gul grön blå svart vit grå brun rosa lila orange beige turkos silver guld
    stor större störst liten lilla litet små mindre minst gammal gamla gammalt äldre äldst
    ny ung yngre yngst längre högre lägre
    lång kort hög låg bred smal tjock tunn tung lätt
    fin ful söt snygg vacker god bättre bäst dålig sämre sämst bra kul glad arg ledsen rädd
    snäll elak trött pigg sjuk frisk varm kall het sval våt blöt torr ren mjuk hård len
    snabb långsam ljus mörk stark svag rund fyrkantig platt spetsig vass trind fet
    mycket väldigt jätte jättejätte super ganska lite rätt riktigt helt alldeles himla så
    otroligt extra mega
    och samt
    """.split()
)
# First parts that grade or tint what follows: jättefin, superstor, mörkröd, ljusblå.
PREFIXES = ("jätte", "super", "mega", "kanon", "ur", "mörk", "ljus", "blek", "klar", "djup")
# Endings that make adjectives of other words: prickig, farlig, magisk, långsam, ätbar.
_ADJECTIVE_SUFFIX = re.compile(r"[^\W\d_]*[aeiouyåäö][^\W\d_]*(ig|lig|isk|sam|bar|lös|aktig)")
# Adjective endings, undone: each (ending, what replaces it) gives a lemma to look up.
_ENDINGS = (
    ("a", ""), ("t", ""), ("e", ""), ("are", ""), ("ast", ""), ("aste", ""),
    ("tt", "d"), ("tt", ""), ("na", "en"), ("et", "en"), ("la", "el"), ("ra", "er"),
    ("re", "er"), ("st", ""),
)  # fmt: skip

_DICTIONARY = "sv_SE"


def is_describing(word: str) -> bool:
    """True for a word that describes rather than names: "prickig", "jättefin", "grå", "och".

    A compound counts when both parts do ("gråvit", "jättegammal", "mörkröd"): Swedish writes
    such descriptions as one word, and no list holds them all.
    """
    if _describes(word):
        return True
    return any(
        (word[:cut] in PREFIXES or _listed(word[:cut])) and _listed(word[cut:])
        for cut in range(2, len(word) - 1)
    )


def _listed(word: str) -> bool:
    """An adjective form of a listed or dictionary lemma: the parts of a compound must be."""
    return any(lemma in ROOTS or lemma in lexicon().adjectives for lemma in _lemmas(word))


def _describes(word: str) -> bool:
    lemmas = _lemmas(word)
    if any(lemma in ROOTS for lemma in lemmas):
        return True
    if word in lexicon().nouns:  # måne is the moon, not "mån" + e; nyckelpiga no -ig word
        return False
    return any(
        (_ADJECTIVE_SUFFIX.fullmatch(lemma) and len(lemma) >= 5) or lemma in lexicon().adjectives
        for lemma in lemmas
    )


def _lemmas(word: str) -> list[str]:
    """The word, and what it would be with an adjective ending undone (rött → röd, rö)."""
    found = [word]
    for ending, lemma_end in _ENDINGS:
        if word.endswith(ending) and len(word) > len(ending) + 1:
            found.append(word[: -len(ending)] + lemma_end)
    return found


@dataclass(frozen=True)
class Lexicon:
    adjectives: frozenset[str]  # lemmas with the adjective forms' flag and no noun's
    nouns: frozenset[str]  # lemmas with a noun's definite forms and no adjective forms


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The dictionary's adjective and noun lemmas, read once (a fraction of a second)."""
    found = find_dictionary()
    if found is None:
        log.warning(
            "no Swedish Hunspell dictionary (pip install hunspell-sv): describing words are "
            "recognised by their shape and a list of common adjectives only"
        )
        return Lexicon(frozenset(), frozenset())
    adjectives, nouns = set(), set()
    with found.open(encoding="utf-8", errors="replace") as lines:
        next(lines, None)  # the first line counts the entries
        for line in lines:
            word, _, flags = line.strip().partition("/")
            if not word.islower():
                continue
            letters = set(flags.split()[0]) if flags else set()
            if ADJECTIVE_FLAG in letters:
                if not NOUN_FLAGS & letters:
                    adjectives.add(word)
            elif NOUN_FLAGS & letters:
                nouns.add(word)
    return Lexicon(frozenset(adjectives), frozenset(nouns - adjectives))


def find_dictionary() -> Path | None:
    """sv_SE.dic where pip (any install scheme) or Debian's hunspell-sv put it."""
    roots = {sysconfig.get_path("data"), sys.prefix, site.USER_BASE or "", "/usr", "/usr/local"}
    for root in sorted(roots):
        dic = Path(root, "share", "hunspell", f"{_DICTIONARY}.dic")
        if dic.is_file():
            return dic
    return None
