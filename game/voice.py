"""The "Listen" button: the deck's own recording of a word, else Swedish speech synthesis.

Synthesis uses espeak-ng (Debian package `espeak-ng`, listed in packages.txt for a Space), ~20 ms
a word. espeak-ng 1.51 gets many Swedish words wrong (dusch with [ʃ] for the sj-sound, tårta
without its r); a deck's `pronunciation` column says a word in IPA or as a respelling, and espeak-ng
is given those phonemes (`speech_input`). The built-in decks carry one wherever espeak-ng's word
differs from the Swedish lexicon's (tests/test_pronunciation.py).

Where the deployer has a neural Swedish voice (a Piper voice file, `NeuralVoice`), it says the
same phonemes instead: espeak-ng's IPA for the corrected input, the notation Piper's voices were
trained on. Results are cached on disk by what was said and by whom.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import threading
import wave
from collections.abc import Callable, Collection
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from game import phonemes
from game.cards import Card

log = logging.getLogger(__name__)

VOICE = "sv"
SPEED = 130  # words per minute; espeak's default 175 is fast for a learner


@cache
def espeak() -> str | None:
    """The espeak-ng executable, or None when it is not installed."""
    return shutil.which("espeak-ng")


class Synthesiser(Protocol):
    """What Listen uses of a Piper voice (`piper.PiperVoice`): its phoneme table and a WAV."""

    config: Any  # .phoneme_id_map: {phoneme: [ids]}

    def synthesize_wav(self, text: str, wav_file: wave.Wave_write) -> object: ...


def _load_piper(model: Path) -> Synthesiser:
    from piper import PiperVoice  # optional: pip install piper-tts

    voice: Synthesiser = PiperVoice.load(str(model))
    return voice


class NeuralVoice:
    """A deployer's Piper voice file (`.onnx`, with its `.onnx.json` beside it), loaded on first
    use. When the `piper` package or the file is missing, or the voice fails to load, Listen
    goes on with espeak-ng (`get` says None, once in the log with the reason)."""

    def __init__(self, model: Path, load: Callable[[Path], Synthesiser] = _load_piper) -> None:
        self.model = Path(model)
        self._load = load
        self._lock = threading.Lock()
        self._voice: Synthesiser | None = None
        self._tried = False

    def get(self) -> Synthesiser | None:
        with self._lock:
            if not self._tried:
                self._tried = True
                self._voice = self._try_load()
            return self._voice

    def _try_load(self) -> Synthesiser | None:
        config = self.model.with_name(self.model.name + ".json")
        if not self.model.is_file() or not config.is_file():
            missing = self.model if not self.model.is_file() else config
            log.warning("neural voice: %s is missing; Listen uses espeak-ng", missing)
            return None
        try:
            voice = self._load(self.model)
        except ImportError:
            log.warning("neural voice: the piper package is not installed (pip install piper-tts)")
            return None
        except Exception as e:  # a broken model file fails anywhere in onnxruntime
            log.warning(
                "neural voice: %s cannot be loaded (%s); Listen uses espeak-ng", self.model, e
            )
            return None
        log.info("neural voice: %s", self.model.name)
        return voice

    @property
    def key(self) -> str:
        """Names this voice file in cache keys: a replaced file is a new voice."""
        try:
            stat = self.model.stat()
        except OSError:
            return self.model.name
        return f"{self.model.name}:{stat.st_size}:{stat.st_mtime_ns}"


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


# espeak-ng's IPA for its retroflex flap, "r.", which a Piper voice would read as r and a full
# stop (a pause): the voices learnt Swedish from espeak-ng's own writing, r before the dental.
_PIPER_READS = (("r.", "r"),)


def piper_phonemes(ipa: str, known: Collection[str] | None = None) -> str:
    """espeak-ng's IPA for a card as a Piper voice reads it: `[[...]]`, each character one of
    its phonemes; characters not in its phoneme table (`known`) are left out (Piper would skip
    them with a warning)."""
    for written, read in _PIPER_READS:
        ipa = ipa.replace(written, read)
    if known is not None:
        ipa = "".join(c for c in ipa if c in known)
    return f"[[{ipa}]]"


def word_audio(card: Card, cache_dir: Path, neural: NeuralVoice | None = None) -> Path | None:
    """A recording of the card's word: its own, or synthesised (None when neither can be had);
    by the `neural` voice when it is given and loads, else by espeak-ng."""
    if card.audio is not None and card.audio.is_file():
        return card.audio
    if neural is not None and (synthesiser := neural.get()) is not None:
        path = _neural_audio(card, cache_dir, neural.key, synthesiser)
        if path is not None:
            return path
    program = espeak()
    if program is None:
        return None
    text = speech_input(card)
    path = _cached(cache_dir, f"{VOICE}:{SPEED}:{text}")
    if path.is_file():
        return path
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


def _cached(cache_dir: Path, what: str) -> Path:
    cache_dir.mkdir(parents=True, exist_ok=True)
    return cache_dir / f"{hashlib.sha1(what.encode()).hexdigest()[:16]}.wav"


def _neural_audio(card: Card, cache_dir: Path, key: str, voice: Synthesiser) -> Path | None:
    """The card's word from a Piper voice, given espeak-ng's IPA for it (with the deck's
    pronunciation); the plain text when espeak-ng is missing (Piper phonemises it itself,
    without the corrections). None when the voice fails."""
    ipa = spoken_ipa(card)
    known = getattr(getattr(voice, "config", None), "phoneme_id_map", None)
    text = piper_phonemes(ipa, known) if ipa else card.display
    path = _cached(cache_dir, f"piper:{key}:{text}")
    if path.is_file():
        return path
    partial = path.with_suffix(".partial.wav")
    try:
        with wave.open(str(partial), "wb") as wav:
            voice.synthesize_wav(text, wav)
        partial.replace(path)
    except Exception as e:  # onnxruntime and the voice raise anything; espeak-ng takes over
        log.warning("the neural voice could not say %r: %s", text, e)
        partial.unlink(missing_ok=True)
        return None
    return path
