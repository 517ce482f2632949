"""Word and character error rates (jiwer), orthographic and normalised, in percent.

Orthographic scores compare the text as written (capitals and punctuation count); normalised
scores compare `train.text.normalize` of both sides, the number to quote for a recogniser. Pairs
whose reference is empty (after normalising, for the normalised scores) are left out and counted:
an error rate against nothing is undefined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import jiwer

from train.text import normalize


@dataclass(frozen=True)
class Scores:
    """Error rates of one model on one set of utterances (percent; lower is better)."""

    n: int
    """Utterances scored."""
    wer: float
    """Word error rate after normalising both sides (lower case, no punctuation)."""
    cer: float
    """Character error rate after normalising."""
    wer_orthographic: float
    """Word error rate on the text as written."""
    cer_orthographic: float
    """Character error rate on the text as written."""
    empty_references: int = 0
    """Pairs left out because the reference was empty."""

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _rates(references: list[str], hypotheses: list[str]) -> tuple[float, float]:
    if not references:
        return float("nan"), float("nan")
    words = jiwer.process_words(references, hypotheses)
    chars = jiwer.process_characters(references, hypotheses)
    return 100.0 * words.wer, 100.0 * chars.cer


def score(references: Sequence[str], hypotheses: Sequence[str]) -> Scores:
    """Score hypotheses against references (same length, same order)."""
    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses")
    written = [(r.strip(), h.strip()) for r, h in zip(references, hypotheses, strict=True)]
    written = [(r, h) for r, h in written if r]
    normal = [(normalize(r), normalize(h)) for r, h in written]
    normal = [(r, h) for r, h in normal if r]
    wer_o, cer_o = _rates([r for r, _ in written], [h for _, h in written])
    wer_n, cer_n = _rates([r for r, _ in normal], [h for _, h in normal])
    return Scores(
        n=len(normal),
        wer=wer_n,
        cer=cer_n,
        wer_orthographic=wer_o,
        cer_orthographic=cer_o,
        empty_references=len(references) - len(normal),
    )
