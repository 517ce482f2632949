"""The "Listen" button: the deck's own recording of a word, else Swedish speech synthesis.

Synthesis uses espeak-ng (Debian package `espeak-ng`, listed in packages.txt for a Space): robotic
but phonemically right Swedish, ~20 ms a word. Results are cached on disk by text.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
from functools import cache
from pathlib import Path

from game import phonemes
from game.cards import Card

log = logging.getLogger(__name__)

VOICE = "sv"
SPEED = 130  # words per minute; espeak's default 175 is fast for a learner


@cache
def espeak() -> str | None:
    """The espeak-ng executable, or None when it is not installed."""
    return shutil.which("espeak-ng")


def can_speak(card: Card | None) -> bool:
    return card is not None and (card.audio is not None or espeak() is not None)


def speech_input(card: Card) -> str:
    """What espeak-ng reads for the card: its article, then the deck's pronunciation of the
    answer (IPA as espeak-ng phonemes, `[[...]]`, or a respelling), else the answer."""
    said = card.pronunciation
    if said is None:
        return card.display
    word = f"[[{phonemes.to_espeak(said.phonemes)}]]" if said.phonemes else said.text
    return f"{card.article} {word}" if card.article else word


def spoken_ipa(card: Card) -> str | None:
    """The IPA espeak-ng says for the card (its --ipa output for `speech_input`), or None when
    espeak-ng is not installed or fails."""
    program = espeak()
    if program is None:
        return None
    try:
        done = subprocess.run(
            [program, "-v", VOICE, "-q", "--ipa", "--", speech_input(card)],
            check=True,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (subprocess.SubprocessError, OSError) as e:
        log.warning("espeak-ng could not phonemise %r: %s", card.display, e)
        return None
    return " ".join(done.stdout.split())


def word_audio(card: Card, cache_dir: Path) -> Path | None:
    """A recording of the card's word: its own, or synthesised (None when neither can be had)."""
    if card.audio is not None and card.audio.is_file():
        return card.audio
    program = espeak()
    if program is None:
        return None
    text = speech_input(card)
    key = hashlib.sha1(f"{VOICE}:{SPEED}:{text}".encode()).hexdigest()[:16]
    path = cache_dir / f"{key}.wav"
    if path.is_file():
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.wav")
    try:
        subprocess.run(
            [program, "-v", VOICE, "-s", str(SPEED), "-w", str(partial), "--", text],
            check=True,
            capture_output=True,
            timeout=10,
        )
        partial.replace(path)
    except (subprocess.SubprocessError, OSError) as e:
        log.warning("espeak-ng could not say %r: %s", text, e)
        partial.unlink(missing_ok=True)
        return None
    return path
