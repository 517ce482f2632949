"""Finding English on a page meant to be Swedish, by its words.

A text is split into words, and a word is English when the app's own English (every English
entry of ui/text.py, game/messages.py and classroom's errors; the deck checker's findings,
game/findings.py, less the words their Swedish uses too; the built-in decks' English names,
descriptions, credits and hints) or a short list of common English words holds it, unless it is
Swedish too (`SHARED`: "min", "PIN", "in"). Card words, deck names and the names people type are
passed as `allowed`. Used by tests/test_swedish_screens.py (the handlers' screens) and
tests/test_browser_swedish.py (a real page's visible text).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from classroom.errors import SAID
from game import find_decks, load_deck
from game.findings import FINDINGS
from game.messages import MESSAGES
from ui.text import STRINGS

DECKS = Path(__file__).resolve().parent.parent / "assets" / "decks"

# Words of English sentences the app does not (yet) hold, so that an English string nobody has
# written into a table is caught too: a page element left untranslated, a library's own text.
COMMON = """
a about actions after again all also an and any are as at axis back be been before but by can
cannot click clipboard close copied copy could did do does done drop each empty error file files
footer for from fullscreen get go had has have here how i if in into is it its just last left
legend may more most must my navigation new next no not now of on one only or other our out over
please right same scale see should so some table than that the their them then there these they
this those titled to too try up upload use value values view was we were what when where which
while who why will with word words would yes you your
""".split()

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_FIELD = re.compile(r"\{[^{}]*\}|https?://[^\s)'\"<>]+")  # a template's {name}, an address
_TAG = re.compile(r"<[^>]+>")
_CODE = re.compile(r"(?<!`)`[^`\n]+`(?!`)")  # Markdown's `code`: a key, a file name, as typed
_LETTERS = re.compile(r"(?<!\S)[^\W\d](?: [^\W\d])*(?!\S)")  # single letters apart: "h _ n d"
# What a tag shows or says of itself: a tooltip, a picture's description, a label, a hint.
_SAID = re.compile(r"""\b(?:alt|title|aria-label|placeholder)=(?:'([^']*)'|"([^"]*)")""")


def words(text: str) -> list[str]:
    """The words of `text` (a template's {fields}, web addresses, `code` and a hint's letters
    "h _ n d" left out), in lower case: of HTML, its text and what its tags say (alt, title,
    aria-label, placeholder)."""
    text = _CODE.sub(" ", _FIELD.sub(" ", text))
    text = _LETTERS.sub(lambda m: " " if "_" in m.group() else m.group(), text)  # a hint's word
    said = " ".join(" ".join(m) for tag in _TAG.findall(text) for m in _SAID.findall(tag))
    plain = html.unescape(f"{_TAG.sub(' ', text)} {said}")
    return [w.casefold() for w in _WORD.findall(plain)]


def swedish_texts() -> dict[str, str]:
    """Every Swedish text of the app, by where it is kept."""
    texts = {f"ui.text {key}": sv for key, (_, sv) in STRINGS.items()}
    return texts | {f"game.messages {key}": t["sv"] for key, t in MESSAGES.items() if "sv" in t}


def _english_texts() -> list[str]:
    texts = [en for en, _ in STRINGS.values()]
    texts += [table["en"] for table in MESSAGES.values()]
    return texts + list(SAID.values())


def _built_in_english() -> set[str]:
    """The built-in decks' English (names, descriptions, credits, hints), less their Swedish
    (a deck's key is "Djur (animals)"; a hint may name a Swedish word)."""
    english, swedish = [], []
    for deck in map(load_deck, find_decks(DECKS)):
        english += [deck.name, deck.description, deck.attribution, *(c.hint for c in deck.cards)]
        swedish += [deck.name_sv, deck.description_sv, deck.attribution_sv]
        swedish += [f"{c.display} {c.hint_sv}" for c in deck.cards]
    return {w for t in english for w in words(t)} - {w for t in swedish for w in words(t)}


# Words that are Swedish as well as English (or Swedish words an English message quotes): never
# counted. Kept by hand, so that a Swedish entry left in English is not taken for Swedish.
SHARED = frozenset(
    """
andra anki apkg be csv disk driver e excel form första i in just mb min per pin s tredje under
utc xlsx zip
""".split()
)


def _findings_english() -> set[str]:
    """The words of the findings' English that their Swedish does not use: a word both say is a
    name (deck.toml, a column, a format, CC-BY) or Swedish too ("en", "text")."""
    english = {w for t in FINDINGS.values() for w in words(t["en"])}
    return english - {w for t in FINDINGS.values() for w in words(t["sv"])}


ENGLISH = (
    frozenset(w for text in [*_english_texts(), *COMMON] for w in words(text))
    | _built_in_english()
    | _findings_english()
) - SHARED


def english_in(text: str, allowed: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """The English words of `text`, in order; `allowed` (lower case) are never counted."""
    return [w for w in words(text) if w in ENGLISH and w not in allowed]


def allowed_words(*texts: str) -> set[str]:
    """The words of `texts` (card words, deck and people's names) as `english_in` allows them."""
    return {w for text in texts for w in words(text)}
