"""Swedish phonemes in IPA: reading a teacher's `[...]` pronunciation, turning it into what
espeak-ng says, and folding two notations of one pronunciation onto each other.

A deck's `pronunciation` column may hold IPA in square brackets (`[²tʰoːʈa]`, `[dɵɧ]`). Listen
gives espeak-ng phonemes (its `[[...]]` input, in its own mnemonics), so `to_espeak` maps every
Swedish sound to the mnemonic of espeak-ng's Swedish voice; a symbol it does not know is an
`IpaError` naming it, which the deck validator reports with its row.

espeak-ng 1.51 (Debian 12) has no retroflex stops: ʈ and ɖ are said as its retroflex flap and
the dental (`r.t`, as espeak-ng's own later Swedish voice does), and as the plain dental after
another retroflex (ʂʈ in "borste"), where the tongue is already curled back. It has no word-accent
phoneme either: ² marks the stressed syllable, as ˈ does. Aspiration (ʰ) is left to the voice.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# IPA (a vowel with its length mark) -> espeak-ng's Swedish mnemonic.
VOWELS: dict[str, str] = {
    "iː": "i:",
    "i": "i",
    "ɪ": "I",
    "eː": "e:",
    "e": "e",
    "ɛː": "E:",
    "ɛ": "E",
    "ə": "E-",
    "æː": "&:",
    "æ": "&",
    "yː": "y:",
    "y": "y",
    "ʏ": "y",
    # espeak-ng has one ʉ, as long as its other long vowels (200 ms); Swedish has no short one.
    "ʉː": "u-",
    "ʉ": "u-",
    "ɵ": "8",
    "øː": "Y:",
    "œː": "W:",
    "œ": "W",
    "ɑː": "A:",
    "aː": "a:",
    "a": "a",
    "oː": "o:",
    "o": "o",
    "ɔ": "O",
    "uː": "u:",
    "ʊ": "U",
}
VOWEL_LETTERS = frozenset(v[0] for v in VOWELS)
CONSONANTS: dict[str, str] = {
    "p": "p",
    "b": "b",
    "t": "t",
    "d": "d",
    "k": "k",
    "ɡ": "g",
    "g": "g",
    "f": "f",
    "v": "v",
    "s": "s",
    "h": "h",
    "j": "j",
    "l": "l",
    "m": "m",
    "n": "n",
    "ŋ": "N",
    "r": "R",
    "ɾ": "*",
    "ɕ": "S;",  # the tj-sound: kjol, kyrka
    "ɧ": "sx",  # the sj-sound: sju, dusch, skjorta
    "ʃ": "S",  # loanwords said with English sh
    "ʂ": "s.",
    "ɳ": "n.",
    "ɭ": "l.",
    "ʈ": "r.t",
    "ɖ": "r.d",
}
RETROFLEXES = frozenset("ʈɖɳʂɭ")
STRESS = {"ˈ": "'", "'": "'", "²": "'", "¹": "'", "ˌ": ","}
SILENT = frozenset(".-‿ʰ")  # syllable marks and aspiration: nothing for espeak to say
LENGTH = "ː"
LETTER_ESPEAK = {"ʈ": "t", "ɖ": "d"}  # after another retroflex


# What a respelling is written in: Swedish letters and those of loanwords, with - and '.
SPELLING = frozenset("abcdefghijklmnopqrstuvwxyzåäöéèáàüëïçæø-'")


class IpaError(ValueError):
    """A pronunciation that cannot be said; the message names what and where."""


@dataclass(frozen=True)
class Pronunciation:
    """A teacher's pronunciation of a card's answer: IPA (`phonemes`) or a respelling (`text`)."""

    phonemes: str = ""
    """IPA without its brackets, as the teacher wrote it ("²tʰoːʈa")."""
    text: str = ""
    """A respelling espeak-ng reads as Swedish ("sjorta")."""

    @property
    def written(self) -> str:
        """As it stands in the deck: "[²tʰoːʈa]" or "sjorta"."""
        return f"[{self.phonemes}]" if self.phonemes else self.text


def parse(value: str) -> Pronunciation | None:
    """The pronunciation in a deck cell: `[IPA]` or a respelling; None for an empty cell.

    Raises `IpaError` for IPA that cannot be said (an unknown symbol, a length mark after
    nothing, empty brackets) and for a respelling without letters."""
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        return None
    if len(value) > 2 and value[0] == value[-1] == "/":  # /ˈtoːʈa/, as dictionaries write it
        value = f"[{value[1:-1]}]"
    if value.startswith("["):
        if not value.endswith("]") or value.startswith("[[") or value.count("[") != 1:
            raise IpaError(f"{value!r}: write IPA between one pair of brackets, e.g. [dɵɧ]")
        ipa = " ".join(value[1:-1].replace("/", " ").split())
        to_espeak(ipa)
        return Pronunciation(phonemes=ipa)
    if "]" in value:
        raise IpaError(f"{value!r}: IPA starts with [, e.g. [dɵɧ]")
    if not any(c.isalpha() for c in value):
        raise IpaError(f"{value!r} has no letters: write a respelling (sjorta) or IPA in [ ]")
    if odd := [c for c in value if not (c.casefold() in SPELLING or c.isspace())]:
        raise IpaError(
            f"{value!r} is no Swedish spelling ({odd[0]!r}): write IPA in brackets, [{value}], "
            "or a respelling in letters"
        )
    return Pronunciation(text=" ".join(value.split()))


def units(ipa: str) -> list[str]:
    """The sounds, stress marks and spaces of `ipa` in order: "²tʰoːʈa" -> ["²", "t", "oː",
    "ʈ", "a"] (syllable marks and aspiration dropped). Raises `IpaError` for what is not a
    Swedish sound."""
    ipa = unicodedata.normalize("NFC", ipa).replace("ɡ", "g")
    out: list[str] = []
    for i, char in enumerate(ipa):
        if char == LENGTH:
            if not out or out[-1] in STRESS or out[-1] == " ":
                raise IpaError(f"[{ipa}]: the length mark ː at {i + 1} follows no sound")
            if out[-1].endswith(LENGTH):
                raise IpaError(f"[{ipa}]: two length marks at {i + 1}")
            out[-1] += LENGTH
        elif char in SILENT:
            continue
        elif char.isspace():
            if out and out[-1] != " ":
                out.append(" ")
        elif char in STRESS or char in VOWEL_LETTERS or char in CONSONANTS:
            out.append(char)
        else:
            name = unicodedata.name(char, "").lower() or f"U+{ord(char):04X}"
            raise IpaError(
                f"[{ipa}]: {char!r} ({name}) at {i + 1} is not a Swedish sound Listen can say"
            )
    while out and out[-1] == " ":
        out.pop()
    if not any(u not in STRESS and u != " " for u in out):
        raise IpaError(f"[{ipa}] holds no sound")
    return out


def to_espeak(ipa: str) -> str:
    """espeak-ng's Swedish phoneme mnemonics for `ipa`, to be read as `[[...]]`; a word without
    a stress mark is stressed on its first syllable."""
    words: list[list[str]] = [[]]
    for unit in units(ipa):
        if unit == " ":
            words.append([])
        else:
            words[-1].append(unit)
    return " ".join(_word(w) for w in words if w)


def _word(units_: list[str]) -> str:
    # ² marks accent 2 at a word's start where gruut-style IPA marks the stressed vowel again.
    primary = [i for i, u in enumerate(units_) if STRESS.get(u) == "'"]
    drop = set(primary[:-1]) if len(primary) > 1 and units_[primary[0]] == "²" else set()
    out: list[str] = []
    previous = ""
    for i, unit in enumerate(units_):
        if i in drop:
            continue
        if unit in STRESS:
            out.append(STRESS[unit])
            continue
        long_ = unit.endswith(LENGTH)
        base = unit.rstrip(LENGTH)
        if unit in VOWELS:
            out.append(VOWELS[unit])
        elif base in VOWELS:
            out.append(VOWELS[base] + ":")
        else:
            said = LETTER_ESPEAK.get(base) if previous in RETROFLEXES else None
            out.append((said or CONSONANTS[base]) + (":" if long_ else ""))
        previous = base
    if "'" not in out:  # a word said alone is stressed: else espeak-ng stresses its neighbour
        out.insert(0, "'")
    return "".join(out)


# What espeak-ng writes with --ipa, read back as IPA: its sj-sound has no IPA symbol of its own
# ("sx"), and its retroflex flap before a dental (our ʈ and ɖ) prints as "r.".
_ESPEAK_WRITES = (("sx", "ɧ"), ("r.t", "ʈ"), ("r.d", "ɖ"), ("r.", "ɽ"))


def from_espeak_ipa(text: str) -> str:
    """espeak-ng's --ipa output in plain IPA."""
    for written, ipa in _ESPEAK_WRITES:
        text = text.replace(written, ipa)
    return text


_MARKS = re.compile(r"[ˈˌ'²¹\s.\-‿ʰ]")
_CONSONANT_LENGTH = re.compile(r"([^aeiouyɪɛəæʏʉɵøœɑɔʊ])ː")


def fold(ipa: str) -> str:
    """`ipa` with what two notations of one Swedish pronunciation write differently folded away,
    so that equal means "says the same sounds". Each fold is a difference of notation between
    espeak-ng's IPA and the reference lexicon's (gruut-lang-sv), never of sound:

    - stress and word-accent marks, spaces, syllable marks, aspiration (espeak-ng 1.51 has no
      word accents; the lexicon marks accent 2 and writes no aspiration);
    - the unstressed e: espeak-ng writes ə for its reduced ɛ, the lexicon ɛ;
    - long consonants: espeak-ng writes kː in "nyckel", the lexicon no consonant length;
    - short y: espeak-ng's is written y, the lexicon's ʏ;
    - ʉ: espeak-ng's only ʉ is a long vowel written without ː; the lexicon has no short ʉ;
    - the open ä and ö before r: the lexicon writes [æ] as a ("berg" b a r j), [æː] as ɛː and
      [œː] as øː ("björn" b j øː n);
    - a dental right after a retroflex is part of its cluster (espeak-ng 1.51 cannot make a
      retroflex stop there: "borste" ʂʈ is said ʂt).
    """
    text = from_espeak_ipa(unicodedata.normalize("NFC", ipa)).replace("ɡ", "g")
    text = _MARKS.sub("", text)
    text = text.replace("ə", "ɛ")
    text = _CONSONANT_LENGTH.sub(r"\1", text)
    text = re.sub(r"y(?!ː)", "ʏ", text)
    text = re.sub(r"ʉ(?!ː)", "ʉː", text)
    text = text.replace("æː", "ɛː").replace("æ", "a").replace("œː", "øː")
    out: list[str] = []
    for char in text:
        if out and out[-1] in RETROFLEXES and char in _RETROFLEX_OF:
            char = _RETROFLEX_OF[char]
        out.append(char)
    return "".join(out)


_RETROFLEX_OF = {"t": "ʈ", "d": "ɖ", "n": "ɳ", "s": "ʂ", "l": "ɭ"}
