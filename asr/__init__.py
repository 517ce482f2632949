"""Säg det! speech recognition: a short Swedish answer in, text out. Knows nothing of the game.

    from asr import load_transcriber
    transcriber = load_transcriber("KBLab/kb-whisper-small")   # cached per process
    transcript = transcriber.transcribe((44_100, samples))      # or a file path
    transcript.text, transcript.no_speech, transcript.seconds

Hands-free answering: `Endpointer` hears where a streamed answer ends (`asr.endpoint`).

Heavy libraries (torch, transformers, ctranslate2) load with the first model, not at import.
"""

from asr.audio import SAMPLE_RATE, Clip, prepare
from asr.endpoint import EarlyStart, Endpointer, EndpointOptions, Utterance, read_stream_chunk
from asr.errors import AsrError, AudioError, AudioTooLong, EngineUnavailable, ModelLoadError
from asr.models import ALIASES, DEFAULT_MODEL, KNOWN_MODELS, ModelInfo
from asr.transcriber import (
    Transcriber,
    TranscriberOptions,
    Transcript,
    clear_cache,
    load_in_background,
    load_transcriber,
)

__all__ = [
    "ALIASES",
    "DEFAULT_MODEL",
    "KNOWN_MODELS",
    "SAMPLE_RATE",
    "AsrError",
    "AudioError",
    "AudioTooLong",
    "Clip",
    "EarlyStart",
    "EndpointOptions",
    "Endpointer",
    "EngineUnavailable",
    "ModelInfo",
    "ModelLoadError",
    "Transcriber",
    "TranscriberOptions",
    "Transcript",
    "Utterance",
    "clear_cache",
    "load_in_background",
    "load_transcriber",
    "prepare",
    "read_stream_chunk",
]
