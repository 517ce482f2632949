"""Decks saved "for everyone": they reach every player's menu at once, and never shadow a deck."""

from __future__ import annotations

import zipfile
from concurrent.futures import Future

import pytest

import app
from game import Card, Deck, load_deck
from game.library import DeckLibrary, DeckNameTaken
from tests.conftest import DECK_TOML, api_screen, png_bytes


@pytest.fixture
def server(tmp_path):
    (tmp_path / "hund.png").write_bytes(png_bytes())
    builtin = Deck("Djur", (Card("hund", "en", image=tmp_path / "hund.png"),))
    options = app.AppOptions(
        decks_dir=tmp_path / "saved",
        allow_saving_decks=True,
        secret="d" * 32,
        work_dir=tmp_path / "work",
    )
    demo = app.build_demo({builtin.name: builtin}, app.Model(future=Future()), options)
    _, url, _ = app.launch(
        demo, prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, ssr_mode=False
    )
    yield url, options
    app.close(demo)


def client(url):
    from gradio_client import Client

    return Client(url, verbose=False)


def zipped(make_deck, tmp_path, name: str):
    folder = make_deck(toml=DECK_TOML.replace("Testdjur", name))
    target = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for path in folder.rglob("*"):
            archive.write(path, path.relative_to(folder.parent))
    return target


def upload_and_save(player, archive) -> str:
    from gradio_client import handle_file

    report, menu = player.predict([handle_file(str(archive))], "", api_name="/upload_deck")
    assert report.startswith("### ✓"), report
    player.predict(menu["value"], api_name="/change_deck")
    return player.predict(menu["value"], api_name="/save_deck")


def menu_of(player) -> list[str]:
    return [choice[0] for choice in player.predict(api_name="/deck_menu")["choices"]]


def test_a_saved_deck_reaches_another_players_menu_and_plays(server, make_deck, tmp_path):
    url, options = server
    teacher, student = client(url), client(url)
    assert menu_of(student) == ["Djur"]
    report = upload_and_save(teacher, zipped(make_deck, tmp_path, "Mina djur"))
    assert "Mina djur is in the deck menu of everyone" in report
    assert "Mina djur" in menu_of(client(url))  # a page opened now
    assert "Mina djur" in menu_of(student)  # and one open already, on its next load
    screen = api_screen(student.predict("Mina djur", api_name="/new_round"))
    assert screen["browser"]["round"]["deck"] == "Mina djur"
    assert load_deck(options.decks_dir / "mina-djur").name == "Mina djur"


@pytest.mark.parametrize("name", ["Djur", "djur", "DJUR"])
def test_a_saved_deck_never_shadows_another(server, make_deck, tmp_path, name):
    from gradio_client.exceptions import AppError

    url, options = server
    with pytest.raises(AppError, match="offered already"):
        upload_and_save(client(url), zipped(make_deck, tmp_path, name))
    assert not (options.decks_dir.exists() and any(options.decks_dir.iterdir()))
    screen = api_screen(client(url).predict("Djur", api_name="/new_round"))
    assert screen["browser"]["round"]["queue"] == ["hund"]  # the built-in deck is untouched


def test_the_library_refuses_a_name_in_another_case_or_form(tmp_path):
    (tmp_path / "a.png").write_bytes(png_bytes())
    card = (Card("hund", "en", image=tmp_path / "a.png"),)
    library = DeckLibrary({"Äpplen": Deck("Äpplen", card)})
    with pytest.raises(DeckNameTaken):
        library.add(Deck("A\u0308pplen", card))  # the same name, decomposed
    library.add(Deck("Päron", card))
    assert library.names() == ["Päron", "Äpplen"]  # sorted without regard to case
    assert library.first().name == library.names()[0]
