"""Many players answering by voice at the same instant: each gets its own game back, and only its
own game.

Every player is a gradio_client session at its own place in its own round. They all speak at
once (a barrier), each saying the answer to its own card in a recording the scripted model tells
apart by pitch, so an answer judged against another player's card would come back wrong. One
player sends a corrupt recording: it alone gets a message. The model is the real
`asr.Transcriber` with its batcher on, on a backend slow enough that the clips pile up into
batches: the test fails if no batch ever held more than one player's clip.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import soundfile

import app
import asr
from asr.backends import Decoded
from game import Card, Deck
from tests.conftest import api_screen, png_bytes, voiced

# Each word is spoken at its own pitch; the scripted model hears the word from the pitch.
PITCHES = {"hund": 110, "äpple": 150, "katt": 200, "häst": 260, "ko": 330, "bil": 420}
ARTICLES = {"äpple": "ett"}
FORMATS = ["wav", "flac", "ogg", "mp3"]  # what browsers and uploads send, decoded in asr


class PitchBackend:
    """Hears the word whose pitch the clip has; slow enough for concurrent clips to batch."""

    name, device, precision, window_seconds = "pitch", "cpu", "fp32", 30.0

    def __init__(self, seconds: float = 0.15) -> None:
        self.seconds = seconds
        self.batches: list[int] = []
        self.lock = threading.Lock()

    def decode(self, batch):
        with self.lock:
            self.batches.append(len(batch))
        time.sleep(self.seconds)
        return [Decoded(self._word(samples), 2, False) for samples in batch]

    @staticmethod
    def _word(samples: np.ndarray) -> str:
        spectrum = np.abs(np.fft.rfft(samples))
        freqs = np.fft.rfftfreq(len(samples), 1 / asr.SAMPLE_RATE)
        band = (freqs > 80) & (freqs < 500)
        pitch = freqs[band][np.argmax(spectrum[band])]
        return min(PITCHES, key=lambda w: abs(PITCHES[w] - pitch))


@pytest.fixture(scope="module")
def pitch_backend():
    return PitchBackend()


@pytest.fixture(scope="module")
def server(tmp_path_factory, pitch_backend):
    folder = tmp_path_factory.mktemp("pics")
    cards = []
    for i, word in enumerate(PITCHES):
        image = folder / f"{i}.png"
        image.write_bytes(png_bytes(color=(40 * i, 90, 200 - 30 * i)))  # type: ignore[arg-type]
        cards.append(Card(word, ARTICLES.get(word, "en"), image=image))
    deck = Deck("Players", tuple(cards))
    options = asr.TranscriberOptions(model="pitch", max_batch_size=8, batch_wait=0.05)
    demo = app.build_demo(
        {deck.name: deck},
        app.Model(ready=asr.Transcriber(options, pitch_backend), name="pitch"),
        app.AppOptions(secret="p" * 32, work_dir=tmp_path_factory.mktemp("work")),
    )
    _, url, _ = app.launch(
        demo, prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, ssr_mode=False
    )
    yield url
    app.close(demo)


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    """A recording of every word in several formats, and a corrupt one."""
    folder = tmp_path_factory.mktemp("said")
    paths = {}
    for i, (word, pitch) in enumerate(PITCHES.items()):
        fmt = FORMATS[i % len(FORMATS)]
        signal = np.concatenate([np.zeros(4410), voiced(1.0, 44_100, pitch), np.zeros(4410)])
        paths[word] = folder / f"{word}.{fmt}"
        soundfile.write(paths[word], np.stack([signal, signal], axis=1), 44_100)
    paths["corrupt"] = folder / "corrupt.webm"
    paths["corrupt"].write_bytes(b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 8)
    return paths


def _round(result) -> dict:
    return api_screen(result)["browser"]["round"]


def _card(round_state: dict) -> str:
    return round_state["queue"][round_state["position"]]


def _play(url: str, index: int, barrier: threading.Barrier, recordings: dict) -> dict:
    from gradio_client import Client, handle_file

    player = Client(url, verbose=False)
    mine = _round(player.predict("Players", api_name="/new_round"))
    for _ in range(index % 4):  # players stand at different places in their rounds
        mine = _round(player.predict("Players", True, api_name="/skip"))
    card = _card(mine)
    said = "corrupt" if index == 0 else card
    barrier.wait(timeout=60)
    result = player.predict(
        handle_file(str(recordings[said])), "Players", True, api_name="/answer_audio"
    )
    html = api_screen(result)["feedback"]
    return {"before": mine, "card": card, "said": said, "after": _round(result), "html": html}


@pytest.mark.parametrize("players", [8, 40])
def test_players_speaking_at_once_each_get_their_own_game(
    server, pitch_backend, recordings, players
):
    barrier = threading.Barrier(players)
    pitch_backend.batches.clear()
    with ThreadPoolExecutor(players) as pool:
        outcomes = list(pool.map(lambda i: _play(server, i, barrier, recordings), range(players)))
    for i, got in enumerate(outcomes):
        before, after = got["before"], got["after"]
        assert after["queue"] == before["queue"], f"player {i} got another player's round"
        if got["said"] == "corrupt":
            assert after["position"] == before["position"] and after["turn"] == before["turn"]
            assert "could not be read" in got["html"] and "Error" not in got["html"]
            continue
        assert after["position"] == before["position"] + 1, f"player {i}'s answer was lost"
        card_id, outcome = after["results"][-1][:2]
        assert (card_id, outcome) == (got["card"], "correct"), f"player {i} judged wrongly"
        assert after["results"][-1][5] == [got["card"]]  # what was heard is its own word
        assert "Right" in got["html"]
    assert max(pitch_backend.batches) > 1, "no two players' clips ever shared a model call"
    assert sum(pitch_backend.batches) == players - 1  # every good clip decoded exactly once
