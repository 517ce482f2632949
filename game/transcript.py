"""From what Whisper wrote to the words the learner said.

Whisper does not write a learner's one-word answer as a teacher would: it writes hesitations in
many spellings ("Eeh...", "Hmm,", "Uhm", "Öhh-"), describes sounds ("[Musik]"), writes numbers as
digits ("3", "1 hund") and, on silence or after the last word, adds a subtitle credit it learnt
from television ("En ko. Tack för att du tittade!", "Textning: BTI Studios"). Each of these is one
named step below; `spoken(heard)` applies them and keeps where every word stood in the transcript,
so feedback can echo what was heard as it was written ("t-shirt", "det är en bil").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Words around an answer that carry no meaning of their own: "ja", "typ", "alltså", and a
# greeting ("hej", "tjena": Whisper's commonest word on a cough). Sounds of hesitation are
# recognised by their shape instead (`is_hesitation`).
FILLERS = frozenset(
    "ja jo nja nej typ alltså liksom tack okej ok aha oj åh asså jaha jaså nåja "
    "hej hejsan hallå tjena tjenare tja hejdå hello hi hey bye okay yes yeah".split()
)
# Words by which a learner takes back what they said: "en katt, nej, en hund" answers "en hund".
CORRECTIONS = frozenset("nej nä näe förlåt ursäkta menar vänta sorry".split())

# Sound tags such as "[Musik]", "(skratt)", "*host*" or "♪": the recogniser describing, not the
# learner speaking.
_SOUND_TAG = re.compile(r"\[[^\]]*\]|\([^)]*\)|\*[^*]*\*|[♪♫]")
_WORD = re.compile(r"[^\W_]+")
# Where one sentence of a transcript ends: a full stop, "!" or "?" before a space or the end
# ("Textning.nu" and "Amara.org" stay one sentence), or a line break.
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)|\n")

# Subtitle credits, written without spaces: Whisper splits and joins names at will
# ("BTI Studios", "btistudios", "Svensk textning.nu"). Each must match a whole run of words.
_CREDITS = tuple(
    re.compile(pattern)
    for pattern in (
        # "Textat av Svensktextning.nu", "Textning: Stina Hedin", "Svensk textning.nu"
        r"(svensk|svansk)?text(at|ning|ningar)(av|från)?.*",
        r"(svensk|svansk)textning(nu)?",
        # "Undertexter från Amara.org-gemenskapen", "Undertextning av ..."
        r"undertext(er|ning|at)?(från|av)?.*",
        r"amaraorg(gemenskapen)?",
        r"btistudios",
        # "Tack för att du tittade", "Tack så mycket för att ni har tittat på videon"
        r"tack(såmycket|såjättemycket|allihopa|alla)?förattd?(u|ni)(har)?"
        r"(tittat|tittade|sett|såg|lyssnat|lyssnade|kollat|kollade)"
        r"(på(denhär|min|vår|den)?(video|videon|klipp|klippet|kanalen|avsnittet))?",
        r"tackför(tittandet|visningen|lyssnandet|attnitittade|atttitta)",
        # "Glöm inte att prenumerera", "Gilla och prenumerera på kanalen"
        r"(glöminteatt|gillaoch|kommihågatt)?prenumerera(påkanalen|påminkanal)?",
        r"vises(i|på)?(nästa)(video|gång|avsnitt|vecka)",
        # English credits, which Whisper also writes on Swedish silence
        r"(thankyou|thanks)(sovery|very|so)?(much)?forwatching(thisvideo)?",
        r"(please)?(like(and|&))?subscribe(tomychannel|tothechannel)?",
        r"subtitlesby.*",
        # The same outro in the other languages Whisper learnt it in: "Untertitel der
        # Amara.org-Community", "Sous-titres réalisés par la communauté d'Amara.org", ...
        r"(untertitel|untertitelung|soustitres|soustitrage|sottotitoli|subtítulos|subtitulos"
        r"|napisy|ondertitels?|ondertiteling|legendas|undertekster|tekstitys|teksting)"
        r"(av|af|by|der|des|par|para|pela|por|door|dalla|przez|von|im|från|fra|realisés)?.*",
        # Politeness alone, Whisper's stock line on silence: "Thank you.", "You", "Tack så
        # mycket." (a word of thanks beside an answer is a filler and stays harmless)
        r"(thankyou|thanks)(very|so)?(much)?(alot)?|you|byebye|seeyou(later|soon|nexttime)?",
        r"tack(såmycket|såjättemycket|skaduha)|visesi?(morgon|sen|nästagång)?|hejdå|hejhej",
    )
)
# Hesitation sounds: vowels with h, m or r and nothing else ("eh", "ehm", "öhh", "uhm", "aah",
# "hmm", "mhm", "erm"). Real words of the same letters are kept out by the shapes: "om", "öm",
# "er" and "är" need a doubled letter or an h to count as a sound.
_HESITATION = re.compile(
    r"[eäöaouå]+h+[hmr]*"  # eh, ehm, öhh, ahh, uhm, åhh
    r"|h+m+[hm]*|m+h+m+|m{2,}h*"  # hm, hmm, mhm, mm, mmh
    r"|(?P<vowel>[eäöau])(?P=vowel)+[hmr]*"  # eee, ööö, eeem, äääh (not öar, the islands)
    r"|[eäöau]+m{2,}|u+m+|e+r+m+|e{2,}r+|ä{2,}r+"  # emm, umm, um, erm, eeer
)
_DIGITS = re.compile(r"\d{1,7}")
# A word cut off by the recogniser: "En h-", "Ett sk…" (a hyphen with no letter after it, or an
# ellipsis straight after the word).
_CUT = re.compile(r"-(?![^\W\d_])|\.\.\.|…")
# Where one clause of a transcript ends: a comma, a colon or a sentence end ("det är inte en
# katt, det är en hund": the second clause holds the answer).
_CLAUSE_END = re.compile(r"[,;:.!?…]|\n")


@dataclass(frozen=True)
class Word:
    """One word of a transcript: normalised (NFC, case-folded) and where it stood."""

    text: str
    start: int
    end: int
    cut: bool = False
    """Written as cut off ("h-", "sk…"): a start of a word, not a word."""


@dataclass(frozen=True)
class Spoken:
    """The words the learner said, and the transcript (NFC) their offsets point into."""

    transcript: str
    words: tuple[Word, ...]

    def surface(self, start: int, end: int) -> str:
        """Words `start`..`end` as Whisper wrote them: "t-shirt", "tv:n", "det är bil"."""
        if start >= end:
            return ""
        return self.transcript[self.words[start].start : self.words[end - 1].end]

    @property
    def texts(self) -> list[str]:
        return [word.text for word in self.words]

    def clause_ends_after(self, i: int) -> bool:
        """True when a comma or sentence end stands between word `i` and the next one."""
        if i + 1 >= len(self.words):
            return True
        gap = self.transcript[self.words[i].end : self.words[i + 1].start]
        return bool(_CLAUSE_END.search(gap))


def is_latin(word: str) -> bool:
    """Written in the Latin alphabet (with digits): a Swedish answer can be nothing else.

    Whisper on a cough or on silence writes outros it learnt in other scripts ("ご視聴ありがとう
    ございました", "Продолжение следует…"); no learner's Swedish is written so.
    """
    return all(not c.isalpha() or "LATIN" in unicodedata.name(c, "") for c in word)


def is_hesitation(word: str) -> bool:
    """A sound of hesitation, however Whisper spells it: "eh", "eeeh", "öhm", "hmm", "uhm".

    Swedish learners hesitate in Swedish ("öh", "äh", "ehm") and in their own language ("uh",
    "um", "er"); Whisper writes each with any number of letters. Such a sound never decides a
    verdict, so a right answer with a hesitation before or after it stays right.
    """
    return bool(_HESITATION.fullmatch(word))


def is_filler(word: str) -> bool:
    """A word that carries nothing of the answer: a hesitation sound or a word like "typ"."""
    return word in FILLERS or is_hesitation(word)


def is_credit(words: list[str]) -> bool:
    """True when these words together are a subtitle credit ("tack för att du tittade").

    Whisper learnt from subtitled television to end a clip, or fill silence, with a credit line;
    it is never the learner's. Compared without spaces, so "BTI Studios" and "btistudios", or
    "Svensk textning" and "Svensktextning", are one credit.
    """
    joined = "".join(words)
    return bool(joined) and any(pattern.fullmatch(joined) for pattern in _CREDITS)


def strip_credits(words: list[Word]) -> list[Word]:
    """The words of one sentence without a credit at its start or end.

    "Hund tack för att du tittade" keeps "hund"; a sentence that is all credit keeps nothing.
    The longest credit is cut, from the end first (where Whisper puts them).
    """
    texts = [word.text for word in words]
    for start in range(len(words)):
        if is_credit(texts[start:]):
            return strip_credits(words[:start]) if start else []
    for end in range(len(words), 0, -1):
        if is_credit(texts[:end]):
            return words[end:]
    return words


def number_word(digits: str) -> str:
    """A number written in digits, as a Swedish word: "3" → "tre", "21" → "tjugoett".

    Whisper writes numbers as digits, a learner says the word: a card whose answer is "tre"
    takes "3". Swedish number words come from num2words, loaded when first needed.
    """
    return _number_word(int(digits))


@lru_cache(maxsize=1024)
def _number_word(number: int) -> str:
    from num2words import num2words

    return str(num2words(number, lang="sv")).replace(" ", "").replace("-", "")


def as_number(word: Word, answer: frozenset[str]) -> Word:
    """A number in digits, read as the answer's number word when it is one ("3" for "tre").

    Only then: elsewhere "1" is the article Whisper wrote as a digit ("1 hund"), and "3 katter"
    stays three cats. "1" is "ett" when counting and "en" before an en-word, so both are tried.
    """
    if not _DIGITS.fullmatch(word.text):
        return word
    said = number_word(word.text)
    for candidate in (said, said.removeprefix("ett"), "en" if word.text == "1" else ""):
        if candidate and candidate in answer:
            return Word(candidate, word.start, word.end)
    return word


def spoken(heard: str, keep: frozenset[str] = frozenset()) -> Spoken:
    """The words the learner said: sound tags, credits and fillers out, numbers read.

    `keep`: the words of the answer, never taken for fillers ("tack" is the answer on some
    card), and the number words that digits are read as.
    """
    text = unicodedata.normalize("NFC", heard)
    # Blanked to the same length, so every word keeps its offset in `text`.
    text = _SOUND_TAG.sub(lambda m: " " * len(m.group()), text)
    words: list[Word] = []
    start = 0
    for end in [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]:
        sentence = [
            Word(m.group().casefold(), m.start() + start, m.end() + start,
                 bool(_CUT.match(text, m.end() + start)))
            for m in _WORD.finditer(text[start:end])
        ]  # fmt: skip
        # A sentence with a word in another script is an outro, names and all ("Субтитры
        # сделал DimaTorzok"): no learner's answer.
        if all(is_latin(word.text) for word in sentence):
            words += strip_credits(sentence)
        start = end
    words = last_answer([as_number(word, keep) for word in words], keep)
    return Spoken(text, tuple(w for w in words if w.text in keep or not is_filler(w.text)))


def last_answer(words: list[Word], keep: frozenset[str] = frozenset()) -> list[Word]:
    """The words after the learner's last correction: "en katt, nej, en hund" → "en hund".

    A learner who takes a word back means the next one: the last candidate is the answer. A
    correction word counts only between two things said ("nej, en hund" and "en hund, nej?"
    keep everything); the answer's own words are never taken for one.
    """

    def said(part: list[Word]) -> bool:
        return any(w.text in keep or not is_filler(w.text) for w in part)

    for i in range(len(words) - 1, 0, -1):
        marker = words[i].text in CORRECTIONS and words[i].text not in keep
        if marker and said(words[:i]) and said(words[i + 1 :]):
            return words[i + 1 :]
    return words


def spoken_words(heard: str, keep: frozenset[str] = frozenset()) -> list[str]:
    """The normalised words of `spoken(heard, keep)`."""
    return spoken(heard, keep).texts
