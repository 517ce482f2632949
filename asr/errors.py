"""Exceptions of the asr package: each message says what went wrong and what to do about it."""

from __future__ import annotations


class AsrError(Exception):
    """Base class of every error the asr package raises on purpose."""


class AudioError(AsrError, ValueError):
    """The recording cannot be used: unreadable, empty, or in a shape we cannot handle."""


class AudioTooLong(AudioError):
    """The recording is longer than an answer to one picture (or than the model's window)."""

    def __init__(self, seconds: float, limit: float, why: str = "") -> None:
        self.seconds = seconds
        self.limit = limit
        super().__init__(
            f"The recording is {seconds:.1f} s long; answers can be at most {limit:.0f} s"
            + (f" ({why})" if why else "")
            + ". Say just the word."
        )


class ModelLoadError(AsrError, RuntimeError):
    """A model could not be loaded; the message names what was tried and how to fix it."""


class EngineUnavailable(AsrError, RuntimeError):
    """A remote speech engine did not answer, refused the recording, or answered nonsense.

    The message is written for a learner (it says to type the answer instead); `url` is the engine.
    """

    def __init__(self, message: str, url: str = "") -> None:
        self.url = url
        super().__init__(message)
