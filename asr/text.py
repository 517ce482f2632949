"""Cleaning what Whisper returns for a short Swedish answer.

Two failure modes of Whisper on one spoken word: a decoding loop ("hund hund hund hund ...",
"Äplar. Äplar. Äpl") and, on silence or noise, subtitle credits it learnt from TV ("Tack för att
du tittade", "Textning.nu"). The first is cut back; the second counts as no speech.
"""

from __future__ import annotations

import re
import unicodedata

MAX_REPEATS = 2  # "hund hund" is a learner repeating the word; a third time is a loop

# Whisper's Swedish subtitle credits, normalised (lower case, no punctuation).
HALLUCINATIONS = (
    "tack för att du tittade",
    "tack för att ni tittade",
    "tack för att du lyssnade",
    "tack för att ni lyssnade",
    "tack för att du har tittat",
    "textning nu",
    "svensktextning nu",
    "undertexter från amara org",
    "undertexter av amara org",
    "textning stina hedin",
    "btistudios",
    "prenumerera",
    "glöm inte att prenumerera",
)
_PUNCT = re.compile(r"[^\w\s]")


def _normal(text: str) -> str:
    return " ".join(_PUNCT.sub(" ", unicodedata.normalize("NFC", text).casefold()).split())


def is_hallucination(text: str) -> bool:
    """True when the text is one of Whisper's silence hallucinations, not a learner's answer."""
    normal = _normal(text)
    return bool(normal) and any(phrase in normal for phrase in HALLUCINATIONS)


def collapse_repeats(text: str, max_repeats: int = MAX_REPEATS, cut: bool = False) -> str:
    """Cut runs of a repeated word or phrase (up to 4 words) to `max_repeats`.

    With `cut` (decoding hit its token limit), a trailing piece that only starts a repetition
    ("Äplar. Äplar. Äpl") is dropped too.
    """
    words = text.split()
    keys = [_normal(w) for w in words]
    for size in range(1, 5):
        i = 0
        while i + size <= len(words):
            unit = keys[i : i + size]
            run = 1
            while keys[i + run * size : i + (run + 1) * size] == unit:
                run += 1
            if run > max_repeats:
                drop = slice(i + max_repeats * size, i + run * size)
                del words[drop]
                del keys[drop]
            i += 1
    if cut and len(words) >= 2:
        last, before = keys[-1], keys[:-1]
        if last and any(k.startswith(last) and k != last for k in before):
            words.pop()
    return " ".join(words)
