"""Reading a recording file into float32 mono samples, with no ffmpeg binary on the machine.

`gr.Audio(type="filepath")` hands over whatever the browser or the learner uploaded. libsndfile
(soundfile) reads wav, flac, ogg (vorbis and opus) and mp3 itself; everything else (webm from
Chrome's MediaRecorder, m4a/mp4 from Safari and phones) goes to the FFmpeg libraries bundled in the
PyAV wheel. Both look at the length in the header first and stop decoding once the audio passes
the limit, so a forgotten recorder never fills memory. Every failure becomes an `AudioError` in
words a learner understands; the library's own text goes to the log, and the message names the
file by its base name only (never the server's upload folder).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from asr.errors import AudioError, AudioTooLong

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024  # a 15 s answer is well under 5 MB even as 48 kHz float WAV
AV_RATE = 16_000  # PyAV resamples straight to the model's rate while it decodes
AGAIN = "Please record your answer again."
OR_UPLOAD = "Please record your answer, or choose a sound file (wav, mp3, m4a, ogg or webm)."

# Files that are certainly not sound, told apart so the learner hears what they picked by mistake.
_NOT_SOUND = {
    b"\x89PNG": "a picture",
    b"\xff\xd8\xff": "a picture",
    b"GIF8": "a picture",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a zip archive",
}


def read_file(path: Path, max_seconds: float | None = None) -> tuple[np.ndarray, int]:
    """Decode `path` into (float32 mono samples, sample rate), or raise a plain `AudioError`.

    `AudioTooLong` is raised from the header's length when it has one, else as soon as the decoded
    audio passes `max_seconds`.
    """
    called = f' "{path.name}"' if path.name else ""
    _check_file(path, called)
    decoded = _read_with_soundfile(path, max_seconds)
    if decoded is not None:
        return decoded
    kind = _sniff(path)
    if kind:
        raise AudioError(f"The file{called} is {kind}, not a recording. {OR_UPLOAD}")
    return _read_with_av(path, called, max_seconds)


def _check_file(path: Path, called: str) -> None:
    try:
        if path.is_dir():
            raise AudioError(f"The recording{called} is a folder, not a sound file. {OR_UPLOAD}")
        if not path.is_file():
            raise AudioError(f"The recording{called} does not exist. {AGAIN}")
        size = path.stat().st_size
    except OSError as e:  # no permission, a broken link, a name the file system refuses
        log.info("cannot stat %s: %s", path, e)
        raise AudioError(f"The recording{called} could not be opened. {AGAIN}") from e
    if size == 0:
        raise AudioError(f"The recording{called} is empty: no sound was saved. {AGAIN}")
    if size > MAX_FILE_BYTES:
        raise AudioError(
            f"The file{called} is too big ({size / 2**20:.0f} MB; at most "
            f"{MAX_FILE_BYTES // 2**20} MB). Please record just the word."
        )


def _refuse_if_longer(seconds: float | None, max_seconds: float | None) -> None:
    if seconds is not None and max_seconds is not None and seconds > max_seconds:
        raise AudioTooLong(seconds, max_seconds)


def _read_with_soundfile(path: Path, max_seconds: float | None) -> tuple[np.ndarray, int] | None:
    """The samples at the file's own rate, or None when libsndfile cannot read it (PyAV tries)."""
    import soundfile

    try:
        with soundfile.SoundFile(str(path)) as f:
            rate, frames = f.samplerate, f.frames
            _refuse_if_longer(frames / rate if 0 < frames < 2**62 else None, max_seconds)
            # Never trust the header alone: read at most one frame past the limit.
            cap = -1 if max_seconds is None else int(max_seconds * rate) + 1
            data = f.read(frames=cap, dtype="float32", always_2d=True)
    except AudioError:
        raise
    except Exception as e:  # LibsndfileError, and RuntimeError/TypeError on odd headers
        log.info("libsndfile cannot read %s (%s); trying PyAV", path.name, e)
        return None
    _refuse_if_longer(len(data) / rate, max_seconds)
    return data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0], rate


def _sniff(path: Path) -> str:
    """What the file is when its first bytes say it is certainly not sound, else ""."""
    try:
        with path.open("rb") as f:
            head = f.read(512)
    except OSError:  # gone or unreadable: PyAV's attempt will say so in plain words
        return ""
    for magic, kind in _NOT_SOUND.items():
        if head.startswith(magic):
            return kind
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 3:  # not merely a character cut at byte 512
            return ""
        text = head[: e.start].decode("utf-8")
    return "a text file" if all(c.isprintable() or c in "\t\r\n" for c in text) else ""


def _read_with_av(path: Path, called: str, max_seconds: float | None) -> tuple[np.ndarray, int]:
    """Decode with PyAV, resampled to 16 kHz mono on the way; stop once past the limit."""
    try:
        import av
    except ImportError as e:
        log.warning("PyAV is not installed, so %s cannot be read (pip install av)", path.name)
        raise AudioError(
            f"The recording{called} is in a format this server cannot read. "
            "Please use wav, flac, ogg or mp3."
        ) from e
    unreadable = f"The recording{called} could not be read: it is damaged or not a sound file."
    try:
        container = av.open(str(path))
    except Exception as e:  # PyAV raises many kinds (InvalidDataError, OSError, ValueError, ...)
        log.info("PyAV cannot open %s: %r", path.name, e)
        raise AudioError(f"{unreadable} {AGAIN}") from e
    with container:
        stream = container.streams.audio[0] if container.streams.audio else None
        if stream is None:
            log.info("%s has no audio stream: %s", path.name, [s.type for s in container.streams])
            raise AudioError(f"The file{called} has no sound in it. {OR_UPLOAD}")
        _refuse_if_longer(_header_seconds(container, stream), max_seconds)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=AV_RATE)
        chunks: list[np.ndarray] = []
        decoded = 0
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
                    decoded += chunks[-1].size
                if max_seconds is not None and decoded > int(max_seconds * AV_RATE):
                    raise AudioTooLong(_seconds_so_far(container, stream, decoded), max_seconds)
            chunks.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(None))
        except AudioError:
            raise
        except Exception as e:
            if not chunks:
                log.info("PyAV cannot decode %s: %r", path.name, e)
                raise AudioError(f"{unreadable} {AGAIN}") from e
            # A recording cut off mid-upload still holds a good beginning: keep it.
            log.info("kept %.2f s of %s; the rest is damaged: %r", decoded / AV_RATE, path.name, e)
    if not chunks:
        return np.zeros(0, dtype=np.float32), AV_RATE
    return np.concatenate(chunks).astype(np.float32, copy=False), AV_RATE


def _header_seconds(container, stream) -> float | None:
    """The length the header claims, if any (Chrome's live-written webm has none)."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000  # av.time_base: microseconds
    return None


def _seconds_so_far(container, stream, decoded: int) -> float:
    """The whole length once decoding stopped: the rest is counted from packets, not decoded."""
    ticks = 0
    try:
        for packet in container.demux(stream):
            ticks += packet.duration or 0
    except Exception as e:  # a damaged tail: the length so far is still a fair answer
        log.debug("stopped counting the length of a long recording: %r", e)
    return decoded / AV_RATE + (float(ticks * stream.time_base) if stream.time_base else 0.0)
