"""Two different jobs for transcripts, kept apart on purpose.

`clean_transcript` prepares *training* targets: Whisper writes orthographic Swedish (capitals,
punctuation), so the targets keep both; only corpus artefacts go (annotation tags, wrapping
quotes, odd whitespace, decomposed Unicode).

`normalize` prepares text for *scoring* only: lower case, punctuation removed, whitespace
collapsed, numbers left as they are. It never folds å, ä or ö into a and o: in Swedish they are
letters of their own (har ≠ hår), and a normaliser that strips diacritics (Whisper's
`BasicTextNormalizer(remove_diacritics=True)`, the English normaliser) would hide real errors.
"""

from __future__ import annotations

import re
import unicodedata

# Non-speech annotations in corpus transcripts (<ehm>, [noise]) are not words to learn.
_ANNOTATION = re.compile(r"<[^<>]*>|\[[^\[\]]*\]")
_WRAPPING_QUOTES = "\"'“”„«»‘’"
# Punctuation goes, except a mark between two digits: it belongs to the number ("1,5", "10:30").
_PUNCT = re.compile(r"(?<!\d)[^\w\s]|[^\w\s](?!\d)|_")

# What `normalize` does, in words: written into every result and model card beside the WER.
NORMALIZER = (
    "train.text.normalize: Unicode NFC, case folded, punctuation removed (a mark between two "
    "digits kept: 1,5 and 10:30), whitespace collapsed; å, ä and ö kept as letters of their own; "
    "numbers not spelled out"
)


def clean_transcript(text: str) -> str:
    """A training target: orthographic text with corpus artefacts removed ("" if nothing left)."""
    text = unicodedata.normalize("NFC", text)
    text = _ANNOTATION.sub(" ", text)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = " ".join(text.split())
    while len(text) >= 2 and text[0] in _WRAPPING_QUOTES and text[-1] in _WRAPPING_QUOTES:
        text = text[1:-1].strip()
    return text


def normalize(text: str) -> str:
    """Text for WER/CER: lower case, no punctuation, single spaces; å/ä/ö and digits kept.

    NFC first, so a decomposed "å" (a + combining ring, as macOS writes file names) stays one
    letter instead of losing its ring with the punctuation.
    """
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(_PUNCT.sub(" ", text).split())
