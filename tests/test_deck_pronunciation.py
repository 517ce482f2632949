"""A teacher's pronunciation for Listen, in every format a deck comes in: items.csv, items.xlsx,
a zipped deck folder, a CSV uploaded with its pictures and an Anki package. Each one reaches
espeak-ng; one that cannot be read leaves the deck playable and says which row and why."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from game import load_deck, voice
from game.__main__ import main
from game.anki import import_anki
from game.cards import Card, Deck
from game.upload import load_upload
from tests.conftest import DECK_TOML, png_bytes
from tests.test_anki import MID, make_apkg, model, picture
from tests.test_upload import make_zip, write_files
from tests.test_xlsx import write_xlsx

HEADER = "image,answer,article,accept,hint,audio,pronunciation"
ROWS = [
    "dusch.png,dusch,en,,,,[dɵɧ]",
    "tarta.png,tårta,en,,,,/²tʰoːʈa/",  # a dictionary's slashes
    "berg.png,berg,ett,,,,bärj",  # a respelling
    "sked.png,sked,en,,,,",  # none: espeak-ng reads the spelling
]
SAID = {"dusch": "en [['d8sx]]", "tårta": "en [['to:r.ta]]", "berg": "ett bärj", "sked": "en sked"}
PICTURES = {f"{name}.png": png_bytes() for name in ("dusch", "tarta", "berg", "sked")}


@pytest.fixture
def listen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[Card], str]:
    """What Listen hands espeak-ng for a card (espeak-ng itself is replaced by a recorder)."""
    calls: list[list[str]] = []

    def fake_run(args: list[str], **_: object) -> subprocess.CompletedProcess[bytes]:
        calls.append(args)
        Path(args[args.index("-w") + 1]).write_bytes(b"RIFF")
        return subprocess.CompletedProcess(args, 0)

    monkeypatch.setattr(voice, "espeak", lambda: "/usr/bin/espeak-ng")
    monkeypatch.setattr(voice.subprocess, "run", fake_run)

    def said(card: Card) -> str:
        before = len(calls)
        assert voice.word_audio(card, tmp_path / f"voice{before}") is not None  # never cached
        assert len(calls) == before + 1
        return calls[-1][-1]

    return said


def spoken(deck: Deck, listen: Callable[[Card], str]) -> dict[str, str]:
    return {card.answer: listen(card) for card in deck.cards}


def test_csv_deck(make_deck, listen):
    deck = load_deck(make_deck(ROWS, header=HEADER))
    assert spoken(deck, listen) == SAID
    assert deck.warnings == ()


def test_xlsx_deck(make_deck, listen):
    folder = make_deck(ROWS, header=HEADER)
    rows = [line.split(",") for line in [HEADER, *ROWS]]
    (folder / "items.csv").unlink()
    write_xlsx(folder / "items.xlsx", rows)
    assert spoken(load_deck(folder), listen) == SAID


def test_zipped_deck_folder(tmp_path, listen):
    items = "\n".join([HEADER, *ROWS]) + "\n"
    members = {"djur/deck.toml": DECK_TOML, "djur/items.csv": items}
    members |= {f"djur/{name}": data for name, data in PICTURES.items()}
    deck = load_upload([make_zip(tmp_path / "djur.zip", members)], tmp_path / "work")
    assert spoken(deck, listen) == SAID


def test_csv_uploaded_with_its_pictures(tmp_path, listen):
    files = {"ord.csv": "\n".join([HEADER, *ROWS]) + "\n", **PICTURES}
    deck = load_upload(write_files(tmp_path / "up", files), tmp_path / "work")
    assert spoken(deck, listen) == SAID


ANKI_FIELDS = ("Bild", "Ord", "Uttal")
NOTES = [
    ['<img src="d.png">', "en dusch", "[dɵɧ]"],
    ['<img src="t.png">', "en tårta", "<b>/²tʰoːʈa/</b>"],  # fields are HTML
    ['<img src="b.png">', "ett berg", "bärj"],
    ['<img src="s.png">', "en sked", ""],
]
ANKI_MEDIA = {"d.png": picture(), "t.png": picture(), "b.png": picture(), "s.png": picture()}


def test_anki_field_named_uttal_is_taken(tmp_path, listen):
    models = {MID: model("Ord", ANKI_FIELDS)}
    notes = [[*n] for n in NOTES]
    apkg = make_apkg(tmp_path / "a.apkg", notes, ANKI_MEDIA, models=models)
    deck = load_upload([apkg], tmp_path / "work")  # the app's upload, which cannot name fields
    assert spoken(deck, listen) == SAID


def test_anki_pronunciation_field_by_name_or_number(tmp_path, listen, capsys):
    fields = ("Uttal", "Bild", "Ord")  # before the word: still not taken for the answer
    notes = [[n[2], n[0], n[1]] for n in NOTES]
    apkg = make_apkg(tmp_path / "a.apkg", notes, ANKI_MEDIA, models={MID: model("Ord", fields)})
    result = import_anki(apkg, tmp_path / "by-name")
    assert spoken(load_deck(result.deck_dir), listen) == SAID
    renamed = ("Fonetik", "Bild", "Ord")
    apkg = make_apkg(tmp_path / "b.apkg", notes, ANKI_MEDIA, models={MID: model("Ord", renamed)})
    assert main(["import-anki", str(apkg), str(tmp_path / "by-number"), "--pronunciation-field",
                 "0", "--answer-field", "Ord"]) == 0  # fmt: skip
    assert spoken(load_deck(tmp_path / "by-number"), listen) == SAID
    assert "✓" in capsys.readouterr().out


def test_anki_unknown_pronunciation_field_is_refused(tmp_path):
    apkg = make_apkg(
        tmp_path / "a.apkg", NOTES, ANKI_MEDIA, models={MID: model("Ord", ANKI_FIELDS)}
    )
    with pytest.raises(Exception, match="pronunciation_field 'Fonetik' is not a field"):
        import_anki(apkg, tmp_path / "deck", pronunciation_field="Fonetik")


BAD = [
    ("hund.png,hund,en,,,,[hɵnð]", "'ð' (latin small letter eth) at 4 is not a Swedish sound"),
    ("katt.png,katt,en,,,,[[k'at]]", "write IPA between one pair of brackets"),
    ("mus.png,mus,en,,,,mʉːs", "is no Swedish spelling ('ʉ'): write IPA in brackets, [mʉːs]"),
    ("gris.png,gris,en,,,,[ːgriːs]", "the length mark ː at 1 follows no sound"),
    ("get.png,get,en,,,,!!", "has no letters"),
]


def test_unreadable_pronunciations_are_warnings_with_their_rows(make_deck, listen):
    deck = load_deck(make_deck([row for row, _ in BAD], header=HEADER))
    assert [card.pronunciation for card in deck.cards] == [None] * len(BAD)
    assert spoken(deck, listen) == {c.answer: c.display for c in deck.cards}  # the spelling
    assert len(deck.warnings) == len(BAD)
    for line, (warning, (_, why)) in enumerate(zip(deck.warnings, BAD, strict=True), start=2):
        assert warning.startswith(f"items.csv, line {line}: the pronunciation cannot be read")
        assert why in warning


def test_unreadable_pronunciation_in_an_upload_names_its_row(tmp_path):
    files = {"ord.csv": f"{HEADER}\n{BAD[0][0]}\n", "hund.png": png_bytes()}
    deck = load_upload(write_files(tmp_path / "up", files), tmp_path / "work")
    assert any(w.startswith("items.csv, line 2: the pronunciation") for w in deck.warnings)
    assert len(deck.cards) == 1


def test_anki_unreadable_pronunciation_names_its_row(tmp_path):
    notes = [['<img src="h.png">', "en hund", "[hɵnð]"]]
    models = {MID: model("Ord", ANKI_FIELDS)}
    apkg = make_apkg(tmp_path / "a.apkg", notes, {"h.png": picture()}, models=models)
    deck = load_upload([apkg], tmp_path / "work")
    assert len(deck.cards) == 1
    assert any("line 2: the pronunciation cannot be read" in w for w in deck.warnings)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_check_compares_listen_with_the_lexicon(make_deck, capsys):
    rows = [
        "hund.png,hund,en,,,,",  # espeak-ng says it as the lexicon does
        "badkar.png,badkar,ett,,,,",  # espeak-ng's short a
        "mobil.png,mobil,en,,,,[mʊˈbiːl]",  # not in the lexicon
        "dusch.png,dusch,en,,,,[dɵð]",  # unreadable: espeak-ng's [ʃ] for the spelling
        "tarta.png,tårta,en,,,ljud.wav,",  # its own recording: nothing to check
    ]
    folder = make_deck(rows, header=HEADER, pictures=None)
    (folder / "ljud.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt ")
    assert main(["check", "--pronunciation", str(folder)]) == 0
    out = capsys.readouterr().out
    advice = [line for line in out.splitlines() if line.startswith("  ? ")]
    assert len(advice) == 3, out
    assert "items.csv, line 3: Listen says 'ett badkar' as [ˈɛt bˈadkar], the lexicon" in out
    assert "items.csv, line 4: 'mobil' is not in the lexicon" in out
    assert "(from its pronunciation)" in out
    assert "items.csv, line 5: Listen says 'en dusch' as [ɛn dˈɵʃ]" in out
    assert "items.csv, line 5: the pronunciation cannot be read" in out
