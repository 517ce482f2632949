"""Recording files as `gr.Audio(type="filepath")` hands them over: every format a browser, a phone
or a learner's upload gives, and every broken file, decoded without an ffmpeg binary.

The files are made here with soundfile's writers and the encoders in PyAV's bundled FFmpeg.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile

from asr import AudioError, AudioTooLong, Clip, decode, prepare
from asr.audio import SAMPLE_RATE
from tests.conftest import png_bytes, voiced

FORBIDDEN = ("Error", "Traceback", "Errno", "libsndfile", "av.error", "Invalid data")


@pytest.fixture(autouse=True)
def no_ffmpeg(tmp_path_factory, monkeypatch):
    """No ffmpeg on PATH and no subprocess at all: decoding must happen in this process."""
    monkeypatch.setenv("PATH", str(tmp_path_factory.mktemp("empty-path")))
    assert shutil.which("ffmpeg") is None

    def refuse(*args, **kwargs):
        raise AssertionError(f"audio decoding started a process: {args}")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)


@pytest.fixture
def decoders(monkeypatch) -> list[str]:
    """Lists each decoder that `asr.decode` ran, to prove one full decode per file."""
    used: list[str] = []
    for name in ("_read_with_soundfile", "_read_with_av"):
        real = getattr(decode, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            used.append(_name.removeprefix("_read_with_"))
            return _real(*args, **kwargs)

        monkeypatch.setattr(decode, name, spy)
    return used


def answer(rate: int, seconds: float = 1.0) -> np.ndarray:
    """A voiced second between half a second of silence on each side (2 s in all)."""
    quiet = np.zeros(rate // 2, np.float32)
    return np.concatenate([quiet, voiced(seconds, rate), quiet])


def encode(
    path: Path, fmt: str, codec: str, x: np.ndarray, rate: int, channels: int = 1, **options
) -> Path:
    """Write `x` with one of PyAV's encoders (`options` are the muxer's, e.g. live=1)."""
    layout = "stereo" if channels == 2 else "mono"
    with av.open(str(path), "w", format=fmt, options=options) as sink:
        stream = sink.add_stream(codec, rate=rate, layout=layout)
        planes = np.repeat(x[None].astype(np.float32), channels, axis=0)
        for start in range(0, planes.shape[1], 4096):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(planes[:, start : start + 4096]), format="fltp", layout=layout
            )
            frame.sample_rate = rate
            sink.mux(stream.encode(frame))
        sink.mux(stream.encode(None))
    return path


def write(path: Path, x: np.ndarray, rate: int, channels: int = 1, **kwargs) -> Path:
    soundfile.write(path, np.stack([x] * channels, axis=1) if channels > 1 else x, rate, **kwargs)
    return path


def chrome_webm(path: Path, x: np.ndarray) -> Path:
    """Opus in webm written live, as MediaRecorder does: no duration in the header."""
    return encode(path, "webm", "libopus", x, 48_000, live="1")


FORMATS: list[tuple[str, Callable[[Path], Path], str]] = [
    ("wav-int16-16k", lambda d: write(d / "a.wav", answer(16_000), 16_000), "soundfile"),
    ("wav-int16-8k", lambda d: write(d / "a.wav", answer(8_000), 8_000), "soundfile"),
    (
        "wav-int16-44k-stereo",
        lambda d: write(d / "a.wav", answer(44_100), 44_100, 2, subtype="PCM_16"),
        "soundfile",
    ),
    (
        "wav-float32-48k-stereo",
        lambda d: write(d / "a.wav", answer(48_000), 48_000, 2, subtype="FLOAT"),
        "soundfile",
    ),
    ("flac-44k-stereo", lambda d: write(d / "a.flac", answer(44_100), 44_100, 2), "soundfile"),
    (
        "ogg-vorbis-44k-stereo",
        lambda d: write(d / "a.ogg", answer(44_100), 44_100, 2, subtype="VORBIS"),
        "soundfile",
    ),
    (
        "mp3-44k-stereo",
        lambda d: encode(d / "a.mp3", "mp3", "libmp3lame", answer(44_100), 44_100, 2),
        "soundfile",
    ),
    (
        "opus-in-ogg-48k",
        lambda d: encode(d / "a.opus", "ogg", "libopus", answer(48_000), 48_000),
        "soundfile",
    ),
    ("webm-opus-chrome", lambda d: chrome_webm(d / "a.webm", answer(48_000)), "soundfile,av"),
    (
        "m4a-aac-44k-stereo",
        lambda d: encode(d / "a.m4a", "ipod", "aac", answer(44_100), 44_100, 2),
        "soundfile,av",
    ),
    (
        "mp4-aac-48k",
        lambda d: encode(d / "a.mp4", "mp4", "aac", answer(48_000), 48_000),
        "soundfile,av",
    ),
]


@pytest.mark.parametrize(("make", "tried"), [c[1:] for c in FORMATS], ids=[c[0] for c in FORMATS])
def test_every_format_decodes_to_16k_mono_speech(tmp_path, decoders, make, tried):
    clip = prepare(make(tmp_path))
    assert clip.speech and clip.reason == ""
    assert clip.samples.dtype == np.float32 and clip.samples.ndim == 1
    assert clip.duration == pytest.approx(2.0, abs=0.06)
    assert 0.8 * SAMPLE_RATE < len(clip.samples) < 1.6 * SAMPLE_RATE  # trimmed to the speech
    assert ",".join(decoders) == tried  # one decoder reads it; PyAV only when libsndfile cannot


def plain(message: str, tmp_path: Path) -> None:
    assert message and message[0].isupper() and message.endswith(".")
    for word in (*FORBIDDEN, str(tmp_path), "/tmp"):
        assert word not in message, message


def cut(path: Path, keep: float | int) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)] if isinstance(keep, float) else data[:keep])
    return path


def renamed(path: Path, name: str) -> Path:
    return path.rename(path.with_name(name))


def float_wav_with(value: float) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        x = answer(16_000)
        x[12_000:12_400] = value
        x[4_000] = value
        return write(d / "a.wav", x, 16_000, subtype="FLOAT")

    return make


def video_without_sound(d: Path) -> Path:
    with av.open(str(d / "film.mp4"), "w") as sink:
        stream = sink.add_stream("mpeg4", rate=10)
        stream.width = stream.height = 64
        for _ in range(10):
            sink.mux(stream.encode(av.VideoFrame(64, 64, "yuv420p")))
        sink.mux(stream.encode(None))
    return d / "film.mp4"


def bytes_file(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        (d / name).write_bytes(data)
        return d / name

    return make


RANDOM = np.random.default_rng(0).bytes(20_000)
SPEECH = "speech"  # decodes, and holds the answer
CLIP_OR_MESSAGE = "clip or message"  # a half file: its first half, or a plain message

BROKEN: list[tuple[str, Callable[[Path], Path], str]] = [
    ("zero-bytes", bytes_file("a.wav", b""), "is empty"),
    ("wav-cut-in-header", lambda d: cut(write(d / "a.wav", answer(16_000), 16_000), 30), "damaged"),
    (
        "mp3-cut-in-half",
        lambda d: cut(encode(d / "a.mp3", "mp3", "libmp3lame", answer(44_100), 44_100), 0.5),
        CLIP_OR_MESSAGE,
    ),
    ("webm-cut-in-half", lambda d: cut(chrome_webm(d / "a.webm", answer(48_000)), 0.5), SPEECH),
    (
        "m4a-cut-in-half",
        lambda d: cut(encode(d / "a.m4a", "ipod", "aac", answer(16_000), 16_000), 0.5),
        CLIP_OR_MESSAGE,
    ),
    ("random-bytes.wav", bytes_file("a.wav", RANDOM), "damaged or not a sound file"),
    ("random-bytes.mp3", bytes_file("a.mp3", RANDOM), "damaged or not a sound file"),
    ("random-bytes.webm", bytes_file("a.webm", RANDOM), "damaged or not a sound file"),
    (
        "mp3-named-wav",
        lambda d: renamed(
            encode(d / "a.mp3", "mp3", "libmp3lame", answer(44_100), 44_100), "a.wav"
        ),
        SPEECH,
    ),
    (
        "ogg-named-webm",
        lambda d: renamed(write(d / "a.ogg", answer(44_100), 44_100, subtype="VORBIS"), "a.webm"),
        SPEECH,
    ),
    ("png-named-wav", bytes_file("photo.wav", png_bytes()), '"photo.wav" is a picture'),
    (
        "text-file",
        bytes_file("notes.txt", "Hej! Det här är en anteckning.\n".encode() * 40),
        "is a text file",
    ),
    ("text-named-wav", bytes_file("a.wav", b"hello\n" * 100), "is a text file"),
    ("video-without-sound", video_without_sound, '"film.mp4" has no sound in it'),
    ("missing", lambda d: d / "gone.wav", '"gone.wav" does not exist'),
    ("folder", lambda d: d, "is a folder, not a sound file"),
    ("50-ms", lambda d: write(d / "a.wav", voiced(0.05), 16_000), "too short"),
    ("no-samples-wav", lambda d: write(d / "a.wav", np.zeros(0, np.float32), 16_000), "too short"),
    ("nan-in-float-wav", float_wav_with(np.nan), SPEECH),
    ("inf-in-float-wav", float_wav_with(np.inf), SPEECH),
    (
        "ten-minutes-wav",
        lambda d: write(d / "a.wav", np.zeros(600 * 16_000, np.float32), 16_000),
        "600.0 s long; answers can be at most 15 s",
    ),
]


@pytest.mark.parametrize(("make", "expect"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN])
def test_broken_recordings_give_a_plain_message(tmp_path, make, expect):
    path = make(tmp_path)
    try:
        clip = prepare(path)
    except AudioError as e:
        assert expect not in (SPEECH, "too short"), f"{path.name}: {e}"
        assert expect == CLIP_OR_MESSAGE or expect in str(e)
        assert isinstance(e, AudioTooLong) == ("s long" in expect)
        plain(str(e), tmp_path)
        return
    assert isinstance(clip, Clip) and np.all(np.isfinite(clip.samples))
    if expect == SPEECH:
        assert clip.speech
    elif expect != CLIP_OR_MESSAGE:
        assert (clip.speech, clip.reason) == (False, expect)


def test_a_nan_never_reaches_the_model(tmp_path):
    clip = prepare(float_wav_with(np.nan)(tmp_path))
    assert clip.speech and np.all(np.isfinite(clip.samples)) and np.abs(clip.samples).max() < 1


def test_a_file_too_big_is_refused_before_reading(tmp_path, monkeypatch, decoders):
    monkeypatch.setattr(decode, "MAX_FILE_BYTES", 1000)
    with pytest.raises(AudioError, match=r'The file "a\.wav" is too big') as caught:
        prepare(write(tmp_path / "a.wav", answer(16_000), 16_000))
    plain(str(caught.value), tmp_path)
    assert decoders == []


def long_chrome_webm(path: Path, seconds: int) -> Path:
    """A live-written webm of `seconds` s: one second of opus packets muxed again and again,
    which takes milliseconds where encoding ten minutes would take seconds."""
    with av.open(str(path), "w", format="webm", options={"live": "1"}) as sink:
        stream = sink.add_stream("libopus", rate=48_000, layout="mono")
        frame = av.AudioFrame.from_ndarray(voiced(1, 48_000)[None], format="flt", layout="mono")
        frame.sample_rate = 48_000
        second = [(bytes(p), p.duration, p.time_base) for p in stream.encode(frame)][:50]
        pts = 0
        for _ in range(seconds):
            for data, duration, time_base in second:
                packet = av.Packet(data)
                packet.stream, packet.time_base = stream, time_base
                packet.pts = packet.dts = pts
                packet.duration, pts = duration, pts + duration
                sink.mux(packet)
    return path


@pytest.mark.parametrize(
    "make",
    [
        lambda d: write(d / "a.wav", np.zeros(600 * 16_000, np.int16), 16_000),  # header: 19 MB
        lambda d: encode(d / "a.mka", "matroska", "pcm_s16le", np.zeros(600 * 16_000), 16_000),
        lambda d: long_chrome_webm(d / "a.webm", 600),  # no length in the header
    ],
    ids=["wav", "matroska-pcm", "chrome-webm-no-duration"],
)
def test_ten_minutes_are_refused_without_decoding_them(tmp_path, make):
    path = make(tmp_path)
    tracemalloc.start()
    try:
        with pytest.raises(AudioTooLong, match=r"The recording is 600\.\d s long") as caught:
            prepare(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.seconds == pytest.approx(600, abs=0.5) and caught.value.limit == 15
    assert peak < 4 * 2**20  # all of it at 16 kHz float32 would be 37 MB


def test_decoding_stops_at_the_limit_when_the_header_has_no_length(tmp_path):
    path = long_chrome_webm(tmp_path / "a.webm", 4)
    with av.open(str(path)) as container:
        assert container.duration is None and container.streams.audio[0].duration is None
    with pytest.raises(AudioTooLong, match=r"4\.0 s long; answers can be at most 3 s"):
        prepare(path, max_seconds=3)
    assert prepare(path, max_seconds=5).duration == pytest.approx(4.0, abs=0.03)


def test_the_real_cause_is_logged_and_chained(tmp_path, caplog):
    path = bytes_file("a.webm", RANDOM)(tmp_path)
    with caplog.at_level(logging.INFO, logger="asr.decode"), pytest.raises(AudioError) as caught:
        prepare(path)
    assert isinstance(caught.value.__cause__, av.FFmpegError)
    assert "libsndfile cannot read a.webm" in caplog.text and "PyAV cannot open" in caplog.text
