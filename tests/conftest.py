"""Shared fixtures: deck folders built in tmp_path, offline and deterministic."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

DECK_TOML = 'name = "Testdjur"\nlanguage = "sv"\nlicense = "CC0-1.0"\n'


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
