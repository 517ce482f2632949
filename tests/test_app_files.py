"""What the running app serves to anyone who asks: the pictures on screen, never a deck's answers.

`python app.py` runs as its own process, as deployed (from the repository folder, so its working
directory holds the decks), and a plain HTTP client asks for files by path the way a curious
learner could: the deck's answer sheet, a picture under its answer name, the work folder.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bench.server import ROOT, AppServer

DECKS = ROOT / "assets" / "decks"


@pytest.fixture(scope="module")
def running():
    with AppServer(["--no-model"]) as server:
        server.wait_ready(120, model=False)
        yield server


def fetch(server: AppServer, path: Path | str) -> httpx.Response:
    return httpx.get(f"{server.url}/gradio_api/file={path}", timeout=10, trust_env=False)


def test_the_picture_on_screen_is_served(running):
    from gradio_client import Client

    result = Client(running.url, verbose=False).predict("Djur (animals)", api_name="/new_round")
    picture = result[1]
    assert Path(picture).stat().st_size > 0  # the client downloaded it from the app
    assert Path(picture).stem not in {p.stem for p in DECKS.rglob("*.png")}  # a neutral name


@pytest.mark.parametrize(
    "secret",
    [
        DECKS / "djur" / "items.csv",
        next((DECKS / "djur").glob("*.png")),
        DECKS / "djur" / "deck.toml",
        ROOT / "app.py",
        Path("/etc/passwd"),
    ],
    ids=["answers", "picture-under-its-answer-name", "deck-toml", "source", "system"],
)
def test_nothing_else_is_served(running, secret):
    assert secret.exists()
    response = fetch(running, secret)
    assert response.status_code in (403, 404), response.text[:200]
