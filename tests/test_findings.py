"""The deck checker's findings (game/findings.py): one table, both languages, English unchanged,
and a Swedish upload report with no English in it."""

from __future__ import annotations

import copy
import pickle
import string

import pytest

from game import files
from game.deck import HINT_COLUMNS, TEXT_KEYS, Problem
from game.findings import FINDINGS, Finding, at, in_lang
from tests.conftest import png_bytes
from tests.english import english_in, words
from tests.test_swedish_screens import CARD_WORDS, SV, ctx  # noqa: F401 (a fixture)
from tests.test_ui_handlers import zipped
from tests.test_upload_report import apkg_with_notes_left_out
from ui import decks


def fields(template: str) -> set[tuple[str, str | None, str | None]]:
    """A template's placeholders, each with its conversion and format: {name!r}, {mb:g}."""
    return {
        (name, conversion, spec)
        for _, name, spec, conversion in string.Formatter().parse(template)
        if name is not None
    }


@pytest.mark.parametrize("key", sorted(FINDINGS))
def test_every_finding_has_english_and_swedish_with_the_same_placeholders(key):
    table = FINDINGS[key]
    assert set(table) == {"en", "sv"} and all(table.values())
    assert fields(table["en"]) == fields(table["sv"])


@pytest.mark.parametrize("key", sorted(FINDINGS))
def test_every_swedish_finding_has_no_english_but_the_names_both_say(key):
    """A word the English says too is a name: deck.toml, a column, a format, CC-BY."""
    table = FINDINGS[key]
    assert english_in(table["sv"], set(words(table["en"]))) == []


def test_every_column_and_file_kind_has_its_words():
    for column in HINT_COLUMNS:
        assert Finding(f"column_{column}") == column
    for kind in (files.PICTURE, files.AUDIO):
        assert Finding(f"noun_{kind.noun}") == kind.noun
        assert Finding(f"none_{kind.noun}") == f"no {kind.noun} given"


def test_a_finding_is_its_english_text_and_says_itself_in_swedish():
    said = at("items.csv", Finding("duplicate_answer", answer="hund", other=2), 3)
    assert said == "items.csv, line 3: duplicate answer 'hund' (also on line 2)"
    assert said.text("sv") == "items.csv, rad 3: svaret 'hund' finns två gånger (också på rad 2)"
    assert said.text("de") == said  # a language the table lacks: English
    assert str(Problem("items.csv", Finding("answer_empty"), 4)) == (
        "items.csv, line 4: the answer is empty"
    )
    assert Problem("deck.toml", "anything").text("sv") == "deck.toml: anything"
    assert in_lang("already said", "sv") == "already said"
    with pytest.raises(KeyError):
        Finding("no_such_finding")


def test_a_library_error_inside_a_finding_stays_as_it_is():
    said = Finding("picture_damaged", why="broken PNG file")
    assert said.text("sv") == "är en skadad bild (broken PNG file)"


@pytest.mark.parametrize(
    "copied", [copy.copy, copy.deepcopy, lambda f: pickle.loads(pickle.dumps(f))]
)
def test_a_copied_finding_keeps_its_key(copied):
    """gr.State deep-copies a player's uploaded decks, warnings and all."""
    said = at("items.csv", Finding("file_is", noun=Finding("noun_picture"), name="ko.png",
                                   what=Finding("not_a_picture")), 2)  # fmt: skip
    again = copied(said)
    assert isinstance(again, Finding) and again == said
    assert (
        again.text("sv")
        == said.text("sv")
        == ("items.csv, rad 2: bilden 'ko.png' är ingen bild (PNG, JPEG eller WebP)")
    )


# The teacher's own names in the reports below: files, columns, keys and the deck's words.
NAMES = words(
    "deck.toml items.csv hund.png ko.png katt.png gris.png häst.png falsk.png pytt.png "
    "hint hint_sv article image answer Testdjur hund ko katt gris häst en ett"
)


def test_a_swedish_report_of_a_deck_with_many_mistakes_has_no_english(ctx, make_deck, tmp_path):  # noqa: F811
    broken = make_deck(
        [
            "hund.png,hund,en,,,",
            "hund.png,hund,en,,,",  # the same answer twice
            "saknas.png,katt,en,,,",  # a picture not in the folder
            "falsk.png,gris,en,,,",  # a "picture" that is text
            "ko.png,,en,,,",  # no answer
            "häst.png,häst,den,,,",  # an article that is not one
            "/tmp/x.png,ko,en,,,",  # an absolute path
            "../ut.png,får,ett,,,",  # a path out of the folder
            ",mus,en,,,",  # no picture
            "pytt.png,ett lamm,en,,,",  # the answer's article is not the column's
        ],
        pictures={
            "hund.png": None,
            "ko.png": None,
            "häst.png": None,
            "pytt.png": None,
            "falsk.png": b"just some text",
        },
    )
    report, *_ = decks.upload(ctx, [zipped(broken, tmp_path / "broken.zip")], "", {}, SV)
    assert "rad 3: svaret 'hund' finns två gånger" in report
    assert report.count("\n  - ") == 9, report
    assert english_in(report, CARD_WORDS | set(NAMES) | {"broken", "zip"}) == [], report


def test_a_swedish_report_of_a_decks_warnings_has_no_english(ctx, make_deck, tmp_path):  # noqa: F811
    warned = make_deck(
        ["hund.png,en hund,,,en hund säger voff,", "ko.png,ko,en,,,", "katt.png,katt,en,,,"],
        toml='name = "Testdjur"\nlanguage = "sv"\ncolour = "röd"\n',
        pictures={"hund.png": None, "ko.png": png_bytes(size=40), "katt.png": None},
    )
    (warned / "katt.png").rename(warned / "Katt.PNG")  # a name that differs in case
    report, *_ = decks.upload(ctx, [zipped(warned, tmp_path / "varnad.zip")], "", {}, SV)
    assert "Varningar" in report and report.count("\n- ") == 6, report
    keys = {"varnad", "zip", "colour", "röd", *words(" ".join(TEXT_KEYS))}  # deck.toml's keys
    assert english_in(report, CARD_WORDS | set(NAMES) | keys) == [], report


def test_an_upload_refused_is_said_in_swedish(ctx, tmp_path):  # noqa: F811
    fake = tmp_path / "kortlek.zip"
    fake.write_bytes(b"%PDF-1.4 a document")
    report, *_ = decks.upload(ctx, [str(fake)], "", {}, SV)
    assert "kortlek.zip är ingen zip-fil utan ett PDF-dokument" in report
    assert english_in(report, {"kortlek", "zip"}) == []


def test_the_english_report_is_as_before(ctx, make_deck, tmp_path):  # noqa: F811
    broken = make_deck(["hund.png,hund,en,,,", "hund.png,hund,en,,,"])
    report, *_ = decks.upload(ctx, [zipped(broken, tmp_path / "b.zip")], "", {})
    assert "  - items.csv, line 3: duplicate answer 'hund' (also on line 2)" in report


def test_a_swedish_report_of_what_an_anki_import_left_out(ctx, tmp_path):  # noqa: F811
    apkg = apkg_with_notes_left_out(tmp_path / "djur.apkg")
    report, *_ = decks.upload(ctx, [apkg], "", {}, SV)
    assert "- djur.apkg: 2 av 4 anteckningar togs inte med" in report, report
    assert (
        "- Anteckning 3 (”hund”): behölls utan sin inspelning, ljudet 'saknas.mp3' finns " in report
    )
    names = {"djur", "apkg", "katt", "hund", "mus", "bmp", "png", "saknas", "mp", "img"}
    assert english_in(report, CARD_WORDS | names) == [], report
