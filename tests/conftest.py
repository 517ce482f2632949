"""Shared fixtures: deck folders built in tmp_path, offline and deterministic; the class
databases and the class-mode app the classroom tests run on."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from PIL import Image

if TYPE_CHECKING:
    import gradio as gr
    from classroom_postgres import PostgresServer

    from game import Deck

# No test may reach the model hub: there is no network in CI, and a test must not depend on one.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

DECK_TOML = 'name = "Testdjur"\nlanguage = "sv"\nlicense = "CC0-1.0"\n'
# What an API client receives of the play screen (`ui.screen.Screen`): its outputs but the
# gr.State ones and the updates of buttons and columns, which Gradio does not send; in order.
API_SCREEN = ("browser", "picture", "progress", "feedback", "summary", "points_plot",
              "accuracy_plot")  # fmt: skip


def api_screen(reply: Sequence[Any]) -> dict[str, Any]:
    """A play action's reply to an API client, by the names of the screen's outputs (what a
    reply has after the screen, answer_text's cleared box, is left out)."""
    assert len(reply) >= len(API_SCREEN)
    return dict(zip(API_SCREEN, reply, strict=False))


def png_bytes(size: int = 256, color: str = "red", fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buffer, fmt)
    return buffer.getvalue()


DeckMaker = Callable[..., Path]


@pytest.fixture
def make_deck(tmp_path: Path) -> DeckMaker:
    """Build a deck folder: `make_deck(rows, pictures=..., toml=..., csv_text=...)`.

    `rows` are items.csv lines after the header; every picture named in `pictures` is written as
    a small PNG unless given as bytes.
    """
    counter = iter(range(1000))

    def make(
        rows: list[str] | None = None,
        *,
        header: str = "image,answer,article,accept,hint,audio",
        pictures: dict[str, bytes | None] | None = None,
        toml: str | None = DECK_TOML,
        csv_bytes: bytes | None = None,
    ) -> Path:
        folder = tmp_path / f"deck{next(counter)}"
        folder.mkdir()
        if toml is not None:
            (folder / "deck.toml").write_text(toml, encoding="utf-8")
        if rows is None:
            rows = ["hund.png,hund,en,,,", "apple.png,äpple,ett,,,", "katt.png,katt,en,kisse,,"]
        if pictures is None:
            pictures = {name.split(",")[0]: None for name in rows}
        for name, data in pictures.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(
                png_bytes(color=["red", "blue", "green"][len(name) % 3]) if data is None else data
            )
        text = csv_bytes if csv_bytes is not None else ("\n".join([header, *rows]) + "\n").encode()
        (folder / "items.csv").write_bytes(text)
        return folder

    return make


@pytest.fixture(scope="session")
def whisper_root(tmp_path_factory) -> Path:
    """Where tiny Whisper checkpoints are built, once per session (see whisper_tiny.py)."""
    return tmp_path_factory.mktemp("whisper")


def voiced(seconds: float = 1.0, rate: int = 16_000, pitch: float = 150.0) -> np.ndarray:
    """A speech-like float32 signal: a few harmonics under a syllable-shaped envelope."""
    t = np.arange(int(seconds * rate)) / rate
    wave = sum(np.sin(2 * np.pi * pitch * k * t) / k for k in range(1, 6))
    envelope = np.sin(np.pi * np.clip(t / seconds, 0, 1)) ** 2 * (
        0.6 + 0.4 * np.sin(2 * np.pi * 4 * t)
    )
    return (0.3 * wave * envelope).astype(np.float32)


@pytest.fixture
def zip_opens(monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[str]]:
    """Call it once the test's zips are written: it lists every zip member opened from then on
    (to prove a bomb is refused before anything is unpacked)."""

    def start() -> list[str]:
        opened: list[str] = []
        real_open = zipfile.ZipFile.open

        def spy_open(self: zipfile.ZipFile, member: zipfile.ZipInfo | str, *args, **kwargs):
            opened.append(member.filename if isinstance(member, zipfile.ZipInfo) else member)
            return real_open(self, member, *args, **kwargs)

        monkeypatch.setattr(zipfile.ZipFile, "open", spy_open)
        return opened

    return start


class Clock:
    """A class-mode clock that moves only when a test moves it (`clock.now += ...`), and by
    `tick` at each reading, so that answers recorded one after another keep their order."""

    def __init__(
        self,
        now: datetime = datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        tick: timedelta = timedelta(milliseconds=1),
    ) -> None:
        self.now = now
        self.tick = tick

    def __call__(self) -> datetime:
        self.now += self.tick
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _postgres_or_skip() -> Iterator[PostgresServer]:
    from classroom_postgres import PostgresUnavailable, start_server

    try:
        server = start_server()
    except (PostgresUnavailable, OSError) as exc:
        pytest.skip(f"no PostgreSQL server could be started here: {exc}")
    yield server
    server.remove()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the run (tests/classroom_postgres.py): each test makes its own
    database on it. A test that takes it is skipped, with the reason, where none can start."""
    yield from _postgres_or_skip()


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A server of the test's own, for a test that stops it."""
    yield from _postgres_or_skip()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty class database: a SQLite file, then a database on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'classes.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database()


COLORS = ("red", "green", "blue", "yellow")


def pictured_deck(folder: Path, words: Sequence[tuple[str, str]], name: str = "Djur") -> Deck:
    """A deck of `words` (word, article), each card with a picture of its own colour."""
    from game import Card, Deck

    cards = []
    for i, (word, article) in enumerate(words):
        image = folder / f"{i}.png"
        image.write_bytes(png_bytes(color=COLORS[i % len(COLORS)]))
        cards.append(Card(word, article, image=image))
    return Deck(name, tuple(cards))


def class_app(deck: Deck, db: Path, work: Path) -> tuple[gr.Blocks, str]:
    """The app serving `deck`, its class mode on the SQLite file `db`: (demo, its URL). Stop it
    with app.close(demo)."""
    import app

    options = app.AppOptions(secret="s" * 32, work_dir=work, db_url=f"sqlite:///{db}")
    demo = app.build_demo({deck.name: deck}, app.Model(), options)
    _, url, _ = app.launch(
        demo, prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, ssr_mode=False
    )
    return demo, url
