"""Shared fixtures: deck folders built in tmp_path, offline and deterministic."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

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
