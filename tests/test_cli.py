"""`python -m game check` for teachers, and the default decks that ship with the game."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from game import find_decks, load_deck
from game.__main__ import main

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DECKS = find_decks(ROOT / "assets" / "decks")


def test_check_passes_valid_decks(make_deck, capsys):
    assert main(["check", str(make_deck()), str(make_deck())]) == 0
    out = capsys.readouterr().out
    assert "'Testdjur', 3 cards" in out and "2 of 2 decks are valid" in out


def test_check_lists_every_problem_and_fails(make_deck, capsys):
    broken = make_deck(["saknas.png,hund,en,,,", "katt.png,,ettt,,,"], pictures={"katt.png": None})
    assert main(["check", str(make_deck()), str(broken)]) == 1
    out = capsys.readouterr().out
    assert "'saknas.png' not found" in out
    assert "the answer is empty" in out and "unknown article 'ettt'" in out
    assert "1 of 2 decks are valid" in out


def test_check_runs_as_a_module_on_the_default_decks():
    done = subprocess.run(
        [sys.executable, "-m", "game", "check", *map(str, DEFAULT_DECKS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("✓") == len(DEFAULT_DECKS)


def test_default_decks_are_big_enough_and_credited():
    decks = [load_deck(path) for path in DEFAULT_DECKS]
    assert len(decks) >= 2
    assert sum(len(d.cards) for d in decks) >= 60
    for deck in decks:
        assert deck.attribution and "CC-BY" in deck.license.upper().replace(" ", "-")
        assert all(card.article in ("en", "ett") for card in deck.cards)
        assert deck.warnings == ()


@pytest.mark.parametrize(
    ("answer", "article"),
    [
        ("hund", "en"),
        ("katt", "en"),
        ("äpple", "ett"),
        ("hus", "ett"),
        ("bil", "en"),
        ("ägg", "ett"),
        ("tåg", "ett"),
        ("båt", "en"),
        ("päron", "ett"),
        ("får", "ett"),
        ("lejon", "ett"),
        ("bi", "ett"),
        ("fönster", "ett"),
        ("sköldpadda", "en"),
        ("nyckel", "en"),
    ],
)
def test_default_decks_have_the_right_articles(answer, article):
    cards = {c.answer: c for path in DEFAULT_DECKS for c in load_deck(path).cards}
    assert cards[answer].article == article


def test_import_anki_command_writes_a_deck_that_checks(tmp_path, capsys):
    from tests.test_anki import make_apkg, picture

    notes = [['<img src="hund.png">', "en hund"], ['<img src="saknas.png">', "katt"]]
    apkg = make_apkg(tmp_path / "djur.apkg", notes, {"hund.png": picture(color=(1, 2, 3))})
    assert main(["import-anki", str(apkg), str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "wrote 1 card to" in out and "skipped" in out and "saknas.png" in out
    assert load_deck(tmp_path / "out").cards[0].display == "en hund"


def test_import_anki_command_reports_a_bad_file(tmp_path, capsys):
    bad = tmp_path / "x.apkg"
    bad.write_bytes(b"not a zip")
    assert main(["import-anki", str(bad), str(tmp_path / "out")]) == 1
    assert capsys.readouterr().out.startswith("✗ ")


def test_check_reports_decks_that_used_to_crash_it(make_deck, capsys):
    too_long = make_deck(["x" * 300 + ".png,hund,en,,,"], pictures={})
    huge_cell = make_deck(csv_bytes=b'image,answer,hint\nhund.png,hund,"' + b"x" * 200_000 + b"\n")
    assert main(["check", str(too_long), str(huge_cell)]) == 1
    out = capsys.readouterr().out
    assert out.count("✗") == 2 and "line 2" in out and "0 of 2 decks are valid" in out
