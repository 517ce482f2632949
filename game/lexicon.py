"""The reference pronunciations Listen is checked against: gruut-lang-sv's Swedish lexicon.

gruut-lang-sv (MIT, on PyPI) ships `lexicon.db`, an SQLite table of 21k Swedish words in IPA
(`word_phonemes(word, pron_order, phonemes, role)`) and how each word's letters align with its
sounds (`g2p_alignments`). It is not needed to play: the tests and `python -m game check
--pronunciation` use it when it is installed, to compare what espeak-ng says for a card with
what the lexicon says (`compare`).

The lexicon does not mark retroflexion: it writes "tårta" t oː t a and "borste" b ɔ ɕ t ɛ. Its
alignments say where the letter r merged with the dental after it (`r|t}t`), and there Swedish
has a retroflex, so `Lexicon.reference` restores them (tårta t oː ʈ a, borste b ɔ ʂ ʈ ɛ); a
Swedish teacher hears those, and a voice that says a plain [t] for them says "tåta".
"""

from __future__ import annotations

import importlib.util
import itertools
import sqlite3
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from game.cards import Card, Deck
from game.phonemes import fold

_DENTAL_RETROFLEX = {"t": "ʈ", "d": "ɖ", "n": "ɳ", "s": "ʂ", "l": "ɭ", "ɕ": "ʂ"}
_MARKS = "²'ˈˌ"
MAX_FORMS = 8  # readings of one text compared: words with several pronunciations multiply


def installed_path() -> Path | None:
    """gruut-lang-sv's lexicon.db, or None when the package is not installed."""
    spec = importlib.util.find_spec("gruut_lang_sv")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "lexicon.db"
    return path if path.is_file() else None


@dataclass(frozen=True)
class Reference:
    """What the lexicon says for one word."""

    word: str
    forms: tuple[str, ...]
    """Its pronunciations in IPA, sounds separated by spaces; empty when the word is missing."""
    how: str = "lexicon"
    """"lexicon", "composed: brand + bil" for a compound the lexicon lacks, or "missing"."""


@dataclass(frozen=True)
class Comparison:
    """What espeak-ng says for a text against what the lexicon says for its words."""

    text: str
    spoken: str
    """espeak-ng's IPA for the text as Listen gives it (after a deck's pronunciation)."""
    references: tuple[Reference, ...]
    accepted: tuple[str, ...] = field(default=())
    """Forms of the whole text that count as right: every reading of its words, joined."""

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(r.word for r in self.references if not r.forms)

    @property
    def same(self) -> bool:
        """Whether espeak-ng says one of the accepted forms, after `fold`."""
        return fold(self.spoken) in {fold(form) for form in self.accepted}

    def __str__(self) -> str:
        verdict = "same" if self.same else "differs"
        if self.missing:
            verdict = f"not in the lexicon: {', '.join(self.missing)}"
        heard = fold(self.spoken)
        wanted = " or ".join(dict.fromkeys(fold(f) for f in self.accepted)) or "?"
        return f"{self.text}: espeak-ng [{self.spoken}] ({heard}), lexicon {wanted}: {verdict}"


class Lexicon:
    """gruut-lang-sv's lexicon, read-only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, check_same_thread=False)

    @classmethod
    def installed(cls) -> Lexicon | None:
        path = installed_path()
        return cls(path) if path is not None else None

    def close(self) -> None:
        self._db.close()

    def _forms(self, word: str) -> list[str]:
        rows = self._db.execute(
            "SELECT phonemes FROM word_phonemes WHERE word = ? ORDER BY pron_order", (word,)
        ).fetchall()
        alignments = [a for (a,) in self._db.execute(
            "SELECT alignment FROM g2p_alignments WHERE word = ?", (word,)
        )]  # fmt: skip
        return [restore_retroflexes(str(p), alignments) for (p,) in rows]

    def reference(self, word: str) -> Reference:
        """The lexicon's forms of `word` (case-folded), with retroflexes restored; a compound
        it lacks is composed of two words it has ("snögubbe": snö + gubbe), else missing."""
        word = unicodedata.normalize("NFC", word).casefold()
        if forms := self._forms(word):
            return Reference(word, tuple(forms))
        for cut in range(2, len(word) - 1):
            left, right = word[:cut], word[cut:]
            lefts, rights = self._forms(left), self._forms(right)
            if lefts and rights:
                forms = [f"{a} {b}" for a, b in itertools.product(lefts, rights)]
                return Reference(word, tuple(forms[:MAX_FORMS]), f"composed: {left} + {right}")
        return Reference(word, (), "missing")

    def compare(
        self, text: str, spoken: str, extra: Mapping[str, Sequence[str]] | None = None
    ) -> Comparison:
        """`spoken` (espeak-ng's IPA for `text`) against the lexicon's forms of `text`'s words;
        `extra` adds accepted forms for words (where the lexicon lacks a word or is wrong)."""
        references = []
        for word in text.split():
            reference = self.reference(word)
            added = tuple((extra or {}).get(reference.word, ()))
            if added:
                how = "given" if not reference.forms else f"{reference.how}, and given"
                reference = Reference(reference.word, (*reference.forms, *added), how)
            references.append(reference)
        readings = itertools.islice(itertools.product(*(r.forms for r in references)), MAX_FORMS**2)
        accepted = tuple(" ".join(parts) for parts in readings)
        return Comparison(text, spoken, tuple(references), accepted)


def advice(deck: Deck, lexicon: Lexicon, speak: Callable[[Card], str | None]) -> list[str]:
    """For a teacher: each card whose synthesised word (`speak` gives its IPA) differs from the
    lexicon's, or has a word the lexicon lacks, with its row and what to do. Cards with their
    own recording are left out: Listen plays the recording."""
    lines = []
    for card in deck.cards:
        if card.audio is not None:
            continue
        spoken = speak(card)
        if spoken is None:
            return ["espeak-ng is not installed: nothing was compared"]
        where = f"{card.where}: " if card.where else ""
        found = lexicon.compare(card.display, spoken)
        if found.missing:
            words = ", ".join(repr(w) for w in found.missing)
            given = " (from its pronunciation)" if card.pronunciation else ""
            lines.append(
                f"{where}{words} is not in the lexicon, so Listen's [{spoken}]{given} is "
                "unchecked: listen to it, and give it a pronunciation if it sounds wrong"
            )
        elif not found.same:
            readings = itertools.product(*(r.forms for r in found.references))
            wanted = " or ".join(
                " ".join(p.replace(" ", "").replace("'", "ˈ") for p in parts)
                for parts in itertools.islice(readings, 4)
            )
            lines.append(
                f"{where}Listen says {card.display!r} as [{spoken}], the lexicon as [{wanted}]: "
                "give it a pronunciation (IPA in [ ]) if the lexicon is right"
            )
    return lines


def restore_retroflexes(phonemes: str, alignments: Sequence[str]) -> str:
    """`phonemes` (the lexicon's, sounds separated by spaces) with the retroflexes its
    alignments show: a dental whose letters follow an r that has no sound of its own ("r|t}t",
    "ö|r}øː n}n"), and a dental right after such a retroflex ("r|s}ɕ t}t"). Unchanged when no
    alignment has the same sounds."""
    sounds = phonemes.split()
    for alignment in alignments:
        flags = _retroflex_flags(alignment)
        if flags is None or [c for c, _ in flags] != [_core(s) for s in sounds]:
            continue
        return " ".join(
            s.replace(_core(s), _DENTAL_RETROFLEX[_core(s)]) if retro else s
            for s, (_, retro) in zip(sounds, flags, strict=True)
        )
    return phonemes


def _core(sound: str) -> str:
    return sound.lstrip(_MARKS)


def _retroflex_flags(alignment: str) -> list[tuple[str, bool]] | None:
    """Each sound of an alignment ("t}²t å}'oː r|t}t a}a") and whether it is a retroflex."""
    flags: list[tuple[str, bool]] = []
    after_r = False  # the letters so far end in an r heard only as the next sound's retroflexion
    for chunk in alignment.split():
        letters_, sep, sounds = chunk.partition("}")
        if not sep:
            return None
        letters = letters_.split("|")
        cores = [_core(s) for s in sounds.split("|") if s and s != "_"]
        silent_r = "r" in letters and "r" not in cores
        inside = silent_r and letters[-1] != "r"  # "r|t}t": the dental is in this chunk
        for core in cores:
            retro = core in _DENTAL_RETROFLEX and (after_r or inside)
            flags.append((core, retro))
            after_r = retro
        if silent_r and not inside:  # "ö|r}øː": the next chunk's dental
            after_r = True
    return flags
