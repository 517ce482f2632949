"""Cleaning what Whisper returns for a short Swedish answer.

A failure mode of Whisper on one spoken word: a decoding loop ("hund hund hund hund ...",
"Äplar. Äplar. Äpl"), cut back here. Subtitle credits Whisper adds on silence or after the last
word ("Tack för att du tittade", "Textning.nu") are left in the text: the caller knows what an
answer is, and strips them as whole phrases (an answer before a credit is still an answer).
"""

from __future__ import annotations

import re
import unicodedata

MAX_REPEATS = 2  # "hund hund" is a learner repeating the word; a third time is a loop

_PUNCT = re.compile(r"[^\w\s]")


def _normal(text: str) -> str:
    return " ".join(_PUNCT.sub(" ", unicodedata.normalize("NFC", text).casefold()).split())


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
