"""asr.endpoint: where a streamed, spoken answer ends (silero-vad), on Swedish from espeak-ng.

Each word is put between stretches of quiet room noise at the browser's rates and fed in chunks
of the sizes `stream_every` gives; the word's true start and end are read off the clean signal.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import io
import shutil
import struct
import subprocess
import threading
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr

from asr.endpoint import (
    EarlyStart,
    Endpointer,
    EndpointOptions,
    Utterance,
    Vad,
    read_stream_chunk,
)

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")

OPTIONS = EndpointOptions()
LEAD, TAIL = 1.0, 1.5  # seconds of quiet before and after the speech
LONG_TALK = (
    "jag tycker mycket om att prata svenska varje dag med mina vänner och min familj hemma i "
    "köket och ute i trädgården när solen skiner och fåglarna sjunger hela långa dagen"
)


@functools.cache
def spoken(text: str) -> tuple[np.ndarray, int]:
    """espeak-ng's Swedish for `text`: (float32 samples, 22050)."""
    wav = subprocess.run(["espeak-ng", "-v", "sv", "--stdout", text], capture_output=True)
    samples, rate = sf.read(io.BytesIO(wav.stdout), dtype="float32")
    return samples, rate


def bounds(samples: np.ndarray, rate: int) -> tuple[float, float]:
    """Seconds of the first and last sample louder than -40 dBFS: where the speech really is."""
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    return loud[0] / rate, (loud[-1] + 1) / rate


def scene(parts: list[str | float], rate: int) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Words (str) and pauses (seconds) in a row, over quiet noise, at `rate`; and each word's
    (start, end) in seconds."""
    pieces, words, at = [], [], 0.0
    for part in parts:
        if isinstance(part, str):
            clean, own_rate = spoken(part)
            piece = soxr.resample(clean, own_rate, rate).astype(np.float32)
            start, end = bounds(clean, own_rate)
            words.append((at + start, at + end))
        else:
            piece = np.zeros(int(part * rate), np.float32)
        pieces.append(piece)
        at += len(piece) / rate
    signal = np.concatenate(pieces)
    noise = np.random.default_rng(len(signal)).normal(0, 3e-4, len(signal))
    return (signal + noise).astype(np.float32), words


def feed_all(
    endpointer: Endpointer, signal: np.ndarray, rate: int, chunk_s: float, stereo_int16=False
) -> list[tuple[float, Utterance]]:
    """Feed `signal` in chunks; each utterance with the stream time of the chunk that gave it."""
    step = max(1, int(chunk_s * rate))
    heard = []
    for i in range(0, len(signal), step):
        chunk = signal[i : i + step]
        if stereo_int16:  # what the browser's recorder sends
            chunk = np.round(np.stack([chunk, chunk], axis=1) * 32767).astype(np.int16)
        for utterance in endpointer.feed(chunk, rate):
            heard.append(((i + len(signal[i : i + step])) / rate, utterance))
    return heard


WORDS = ["hund", "sköldpadda", "ö", "flygplan"]
RATES = [16_000, 44_100, 48_000]
CHUNKS = [0.1, 0.25, 0.5, 1.0]


@pytest.mark.parametrize("chunk_s", CHUNKS)
@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("word", WORDS)
def test_one_word_is_one_utterance_ending_within_the_hangover(
    word: str, rate: int, chunk_s: float
) -> None:
    signal, [(start, end)] = scene([LEAD, word, TAIL], rate)

    heard = feed_all(Endpointer(), signal, rate, chunk_s, stereo_int16=rate == 48_000)

    assert len(heard) == 1, [u.speech_end for _, u in heard]
    delivered, utterance = heard[0]
    assert not utterance.cut
    assert end - 0.1 <= utterance.speech_end <= end + 0.2
    assert utterance.decided_at - end <= OPTIONS.hangover + 0.2
    # Given back by the chunk that carried the decision, not one later.
    assert delivered - utterance.decided_at < chunk_s + 0.05
    # The first syllable is kept whole, with the pre-roll before it, and the end too.
    assert start - OPTIONS.pre_roll - 0.2 <= utterance.start <= start - 0.1
    assert utterance.start + len(utterance.samples) / 16_000 >= end
    assert utterance.samples.dtype == np.float32
    assert utterance.audio[0] == 16_000


@pytest.mark.parametrize(
    "name",
    ["digital silence", "room noise", "loud hiss", "mains hum", "clicks", "a 60 ms blip"],
)
def test_no_speech_gives_nothing(name: str) -> None:
    rate, n = 48_000, 48_000 * 4
    rng = np.random.default_rng(1)
    t = np.arange(n) / rate
    signal = {
        "digital silence": lambda: np.zeros(n),
        "room noise": lambda: rng.normal(0, 3e-4, n),
        "loud hiss": lambda: rng.normal(0, 0.05, n),
        "mains hum": lambda: 0.2 * np.sin(2 * np.pi * 50 * t) + 0.05 * np.sin(2 * np.pi * 150 * t),
        "clicks": lambda: np.where(t % 0.5 < 0.002, rng.normal(0, 0.5, n), 0.0),
        "a 60 ms blip": lambda: np.where(np.abs(t - 2) < 0.03, np.sin(2 * np.pi * 220 * t), 0.0),
    }[name]().astype(np.float32)

    assert feed_all(Endpointer(), signal, rate, 0.5) == []


def test_a_blip_of_speech_is_ignored() -> None:
    clean, rate = spoken("hund")
    start, _ = bounds(clean, rate)
    blip = clean[int(start * rate) + 2000 : int(start * rate) + 2000 + int(0.09 * rate)]
    signal = np.concatenate([np.zeros(rate), blip, np.zeros(2 * rate)]).astype(np.float32)

    assert feed_all(Endpointer(), signal, rate, 0.5) == []


def test_two_words_with_a_long_pause_are_two_utterances() -> None:
    signal, words = scene([LEAD, "hund", 1.5, "katt", TAIL], 44_100)

    heard = [u for _, u in feed_all(Endpointer(), signal, 44_100, 0.5)]

    assert len(heard) == 2
    for utterance, (start, end) in zip(heard, words, strict=True):
        assert utterance.start <= start - 0.1 and abs(utterance.speech_end - end) < 0.2


def test_a_short_pause_does_not_end_the_answer() -> None:
    signal, words = scene([LEAD, "en", 0.1, "hund", TAIL], 16_000)
    assert 0.3 < words[1][0] - words[0][1] < OPTIONS.hangover - 0.2  # espeak's own 0.3 s, and 0.1

    heard = [u for _, u in feed_all(Endpointer(), signal, 16_000, 0.5)]

    assert len(heard) == 1
    assert heard[0].start < words[0][0] and abs(heard[0].speech_end - words[1][1]) < 0.2


def test_a_never_ending_talker_is_cut_at_the_cap_and_heard_again_after_a_pause() -> None:
    signal, words = scene([LEAD, LONG_TALK, 1.0, "hund", TAIL], 48_000)

    heard = [u for _, u in feed_all(Endpointer(), signal, 48_000, 0.5)]

    assert [u.cut for u in heard] == [True, False]  # the talk after the cut is not an answer
    assert len(heard[0].samples) == pytest.approx(OPTIONS.max_utterance * 16_000, abs=512)
    assert abs(heard[1].speech_end - words[1][1]) < 0.2


def test_reset_forgets_an_answer_in_progress_and_flush_gives_it() -> None:
    signal, _ = scene([LEAD, "sköldpadda"], 16_000)  # the learner stops before any pause
    endpointer = Endpointer()
    assert feed_all(endpointer, signal, 16_000, 0.5) == []

    assert endpointer.flush() is not None
    feed_all(endpointer, signal, 16_000, 0.5)
    endpointer.reset()
    assert endpointer.flush() is None and endpointer.seconds == 0


def test_a_copy_for_gr_state_carries_on_like_the_original() -> None:
    signal, _ = scene([LEAD, "flygplan", TAIL], 16_000)
    half = int((LEAD + 0.3) * 16_000)
    original = Endpointer()
    original.feed(signal[:half], 16_000)

    clone = copy.deepcopy(original)  # gr.State deep-copies its value
    a, b = original.feed(signal[half:], 16_000), clone.feed(signal[half:], 16_000)

    assert len(a) == len(b) == 1
    assert np.array_equal(a[0].samples, b[0].samples)
    copy.deepcopy(Endpointer()).feed(signal, 44_100)  # a resampling one copies too


def test_two_sessions_fed_from_two_threads_each_get_only_their_own() -> None:
    rate = 48_000
    talks = {"a": [LEAD, "hund", 1.5, "katt", TAIL], "b": [0.4, "flygplan", 1.2, "ö", TAIL]}
    signals = {name: scene(parts, rate)[0] for name, parts in talks.items()}
    alone = {name: feed_all(Endpointer(), s, rate, 0.25) for name, s in signals.items()}
    step = int(0.25 * rate)
    rounds = max(len(s) for s in signals.values()) // step + 1
    barrier = threading.Barrier(2)
    together: dict[str, list[Utterance]] = {}

    def player(name: str) -> None:
        endpointer, heard = Endpointer(), []
        for i in range(rounds):
            barrier.wait()  # both players' chunks arrive at the same moment
            heard += endpointer.feed(signals[name][i * step : (i + 1) * step], rate)
        together[name] = heard

    threads = [threading.Thread(target=player, args=(name,)) for name in talks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    for name in talks:
        mine, expected = together[name], [u for _, u in alone[name]]
        assert len(mine) == len(expected) == 2
        for got, want in zip(mine, expected, strict=True):
            assert np.array_equal(got.samples, want.samples)
            assert (got.start, got.speech_end, got.decided_at) == (
                want.start,
                want.speech_end,
                want.decided_at,
            )


def test_the_vad_runs_on_one_torch_thread_and_leaves_the_process_its_own() -> None:
    import torch

    before = torch.get_num_threads()
    folder = importlib.util.find_spec("silero_vad").submodule_search_locations[0]
    vad = Vad(Path(folder) / "data" / "silero_vad.jit")
    later: list[int] = []
    thread = threading.Thread(target=lambda: later.append(torch.get_num_threads()))
    thread.start()
    thread.join()

    assert vad._pool.submit(torch.get_num_threads).result() == 1
    assert torch.get_num_threads() == before and later == [before]  # Whisper keeps its threads
    vad._pool.shutdown()


@pytest.mark.parametrize(
    "bad",
    [
        {"release": 0.6},
        {"threshold": 1.0},
        {"post_roll": 1.0},
        {"max_utterance": 0.3},
        {"pre_roll": -0.1},
    ],
)
def test_options_are_checked(bad: dict) -> None:
    with pytest.raises(ValueError):
        EndpointOptions(**bad)


# --- what a streaming gr.Audio hands the handler ---


def browser_wav(pieces: list[np.ndarray], rate: int, channels: int = 1) -> bytes:
    """As Gradio's recorder sends gathered pieces: the first piece's header, then all the PCM."""
    first = len(pieces[0]) * 2
    header = b"RIFF" + struct.pack("<I", first + 36) + b"WAVEfmt "
    header += struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * 2 * channels, 2 * channels, 16)
    return header + b"data" + struct.pack("<I", first) + b"".join(p.tobytes() for p in pieces)


def test_a_gathered_browser_chunk_is_read_to_its_end(tmp_path: Path) -> None:
    rate = 48_000
    pieces = [np.full(rate // 2, 1000 * (k + 1), np.int16) for k in range(3)]
    path = tmp_path / "audio.wav"
    path.write_bytes(browser_wav(pieces, rate))

    samples, got_rate = read_stream_chunk(str(path))

    assert got_rate == rate and len(samples) == 3 * rate // 2
    assert samples[-1] == pytest.approx(3000 / 32768)
    assert len(sf.read(path)[0]) == rate // 2  # what libsndfile (and pydub) make of it


def test_gradio_streaming_audio_hands_over_what_the_docstring_says(tmp_path: Path) -> None:
    import gradio as gr
    from gradio.data_classes import FileData

    rate = 44_100
    stereo = np.zeros((rate // 2, 2), np.int16).reshape(-1)
    path = tmp_path / "audio.wav"
    path.write_bytes(browser_wav([stereo, stereo], rate, channels=2))

    as_path = gr.Audio(streaming=True, type="filepath").preprocess(FileData(path=str(path)))
    as_numpy = gr.Audio(streaming=True, type="numpy").preprocess(FileData(path=str(path)))

    assert as_path == str(path)
    assert as_numpy[0] == rate and as_numpy[1].dtype == np.int16
    assert as_numpy[1].shape == (rate // 2, 2)  # the second piece is lost
    assert read_stream_chunk(as_path)[0].shape == (rate,)
    assert read_stream_chunk(as_numpy)[0].shape == (rate // 2,)


def test_other_stream_values() -> None:
    samples, rate = read_stream_chunk(None)
    assert rate == 16_000 and len(samples) == 0
    samples, rate = read_stream_chunk((44_100, np.ones((441, 2), np.int16)))
    assert rate == 44_100 and samples.shape == (441,) and samples.dtype == np.float32


def feed_with_early(signal: np.ndarray, rate: int, idle: bool = True):
    """Feed `signal` in 0.5 s chunks with an `EarlyStart` beside the endpointer, as the app's
    listener does; each finished answer with the early recognition taken for it (or None), and
    the answers the early starts were begun on."""
    endpointer, early, begun = Endpointer(), EarlyStart(), []

    def start(utterance: Utterance) -> Future:
        begun.append(utterance)
        done: Future = Future()
        done.set_result(utterance)
        return done

    ended = []
    step = rate // 2
    for i in range(0, len(signal), step):
        for utterance in endpointer.feed(signal[i : i + step], rate):
            ended.append((utterance, early.take(endpointer, utterance)))
        early.consider(endpointer, start, idle)
    return ended, begun, early


def test_recognition_begins_at_the_first_pause_with_the_samples_the_answer_ends_with() -> None:
    signal, _ = scene([LEAD, "sköldpadda", TAIL], 16_000)

    ended, begun, early = feed_with_early(signal, 16_000)

    [(utterance, taken)] = ended
    assert len(begun) == 1 and taken is not None and early.used == 1
    started = taken.result()
    assert started.decided_at < utterance.decided_at  # begun before the hang-over ended it
    assert utterance.decided_at - started.decided_at >= 0.3
    assert np.array_equal(started.samples, utterance.samples)
    assert started.speech_end == utterance.speech_end


def test_an_early_start_is_dropped_when_speech_goes_on() -> None:
    # "en", a pause long enough to begin early but short of the hang-over, then "hund"
    signal, words = scene([LEAD, "en", 0.25, "hund", TAIL], 16_000)

    ended, begun, early = feed_with_early(signal, 16_000)

    [(utterance, taken)] = ended
    assert len(begun) == 2  # at the pause after "en", then after "hund"
    assert begun[0].speech_end < words[1][0] < utterance.speech_end
    assert taken is not None and np.array_equal(taken.result().samples, utterance.samples)
    assert early.started == 2 and early.used == 1


def test_no_early_start_while_the_recogniser_is_busy_or_after_a_reset() -> None:
    signal, _ = scene([LEAD, "sköldpadda", TAIL], 16_000)
    ended, begun, _ = feed_with_early(signal, 16_000, idle=False)
    assert begun == [] and [taken for _, taken in ended] == [None]

    endpointer, early = Endpointer(), EarlyStart()
    half = int((LEAD + 1.4) * 16_000)  # the word said, the pause begun, the answer not ended
    endpointer.feed(signal[:half], 16_000)
    started: Future = Future()
    early.consider(endpointer, lambda u: started, idle=True)
    assert early.started == 1
    endpointer.reset()  # a new card: the clock starts again; an equal time is another answer
    endpointer.feed(signal[:half], 16_000)
    finished = endpointer.flush()
    assert finished is not None and early.take(endpointer, finished) is None
