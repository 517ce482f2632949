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
from tests.conftest import api_screen

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
    picture = api_screen(result)["picture"]
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


def work_folder(server: AppServer) -> Path:
    import tempfile

    for folder in Path(tempfile.gettempdir()).glob("sag-det-*"):
        pid = folder / "pid"
        if pid.is_file() and pid.read_text() == str(server.pid):
            return folder
    raise AssertionError("the app's work folder was not found")


def test_no_file_under_the_decks_or_the_work_folder_is_served(running):
    from gradio_client import Client

    Client(running.url, verbose=False).predict("Djur (animals)", api_name="/new_round")
    work = work_folder(running)
    files = [p for p in [*DECKS.rglob("*"), *work.rglob("*")] if p.is_file()]
    assert len(files) > 100 and any(p.is_relative_to(work / "public") for p in files)
    served = [str(p) for p in files if fetch(running, p).status_code not in (403, 404)]
    assert served == []


@pytest.mark.parametrize(
    "spelling",
    [
        "assets/decks/djur/items.csv",
        "./assets/decks/djur/items.csv",
        "../../../../etc/passwd",
        "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "{decks}/../djur/items.csv",
        "{decks}/djur/./items.csv",
        "{decks}//djur//items.csv",
        "{decks_encoded}",
    ],
)
def test_traversal_spellings_are_refused(running, spelling):
    from urllib.parse import quote

    path = spelling.format(
        decks=DECKS / "hemma", decks_encoded=quote(str(DECKS / "djur" / "items.csv"), safe="")
    )
    assert fetch(running, path).status_code in (403, 404)
