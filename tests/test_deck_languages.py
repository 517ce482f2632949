"""A deck's names, descriptions and hints in the learner's language: the format and the game.

deck.toml's `name_sv`/`name_en`/`description_sv`/`description_en`/`attribution_sv`/
`attribution_en` and the items table's `hint_sv`/`hint_en` columns, in items.csv and items.xlsx
alike; the plain key or column is what a page in a language without its own shows. `name` stays
the deck's key in every language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from game import DeckError, GameState, hint, load_deck, start_round
from game.deck import DeckLimits, write_deck_file
from game.messages import Translated, render_all
from tests.test_xlsx import write_xlsx

TABLES = ("items.csv", "items.xlsx")


@pytest.fixture
def deck_with(make_deck):
    """`deck_with(table, header, rows, toml=...)`: a deck folder listing `rows` (lists of cells)
    under `header` in items.csv or items.xlsx, with every picture the rows name."""

    def make(table: str, header: list[str], rows: list[list[str]], **kwargs: Any) -> Path:
        lines = [",".join(row) for row in rows]
        pictures = {row[0]: None for row in rows}
        folder = make_deck(lines, header=",".join(header), pictures=pictures, **kwargs)
        if table == "items.xlsx":
            (folder / "items.csv").unlink()
            write_xlsx(folder / "items.xlsx", [header, *rows])
        return folder

    return make


def teacher_hint(deck, lang: str) -> str:
    """What the first hint on the deck's first card says on a page in `lang`."""
    state = start_round(GameState(), deck, seed=1, size=1)
    _, feedback = hint(state, deck)
    return render_all(feedback.texts, lang)


# header's hint columns, their cells, then what a Swedish and an English page show
HINTS = [
    pytest.param(
        ["hint", "hint_sv", "hint_en"], ["says woof", "säger voff", "barks"],
        "säger voff", "barks", id="all",
    ),
    pytest.param(["hint"], ["says woof"], "says woof", "says woof", id="plain-only"),
    pytest.param(
        ["hint", "hint_sv"], ["says woof", "säger voff"], "säger voff", "says woof",
        id="swedish-and-plain",
    ),
    pytest.param(
        ["hint_sv", "hint"], ["säger voff", ""], "säger voff", "säger voff",
        id="swedish-only",
    ),
    pytest.param(
        ["hint_en", "hint"], ["barks", "skäller"], "skäller", "barks", id="english-and-plain",
    ),
    pytest.param(
        ["hint", "hint_sv", "hint_en"], ["says woof", "", ""], "says woof", "says woof",
        id="empty-translations",
    ),
]  # fmt: skip


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize(("columns", "cells", "swedish", "english"), HINTS)
def test_the_hint_is_said_in_the_page_language(deck_with, table, columns, cells, swedish, english):
    deck = load_deck(
        deck_with(table, ["image", "answer", *columns], [["hund.png", "hund", *cells]])
    )
    assert deck.warnings == ()
    assert teacher_hint(deck, "sv").startswith(f"{swedish} — ")
    assert teacher_hint(deck, "en").startswith(f"{english} — ")


@pytest.mark.parametrize("table", TABLES)
def test_a_card_without_any_hint_gives_only_the_letters(deck_with, table):
    deck = load_deck(deck_with(table, ["image", "answer", "hint_sv"], [["hund.png", "hund", ""]]))
    assert not deck.cards[0].hints
    assert teacher_hint(deck, "sv") == teacher_hint(deck, "en") == "h _ _ _"


# a hint column and its cell for the answer "hund", then the warning expected (None: none)
WARNINGS = [
    ("hint_sv", "säger voff", None),
    ("hint_sv", "en hund säger voff", "the hint_sv gives the answer away"),
    ("hint_en", "a hund barks", "the hint_en gives the answer away"),
    ("hint", "hundar skäller", "the hint gives the answer away"),
    ("hint_sv", "voff " * 61, "the hint_sv is long (over 300 characters)"),
    ("hint_en", "woof " * 61, "the hint_en is long (over 300 characters)"),
]


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize(("column", "cell", "warning"), WARNINGS)
def test_the_validator_warns_of_each_language_hint(deck_with, table, column, cell, warning):
    deck = load_deck(deck_with(table, ["image", "answer", column], [["hund.png", "hund", cell]]))
    assert deck.warnings == ((f"{table}, line 2: {warning}",) if warning else ())
    assert deck.cards[0].hints  # a warning never drops the hint


@pytest.mark.parametrize("table", TABLES)
def test_a_hint_column_for_an_unknown_language_is_refused(deck_with, table):
    with pytest.raises(DeckError, match="unknown column 'hint_de'"):
        load_deck(deck_with(table, ["image", "answer", "hint_de"], [["hund.png", "hund", "x"]]))


def test_a_line_break_in_a_swedish_hint_is_a_space(make_deck):
    folder = make_deck(['hund.png,hund,"säger\nvoff"'], header="image,answer,hint_sv")
    assert load_deck(folder).cards[0].hint_sv == "säger voff"


BASE = 'name = "Djur (animals)"\nlanguage = "sv"\nlicense = "CC0-1.0"\n'
# deck.toml's language keys, then the name and description on a Swedish and an English page
NAMES = [
    pytest.param("", ("Djur (animals)", "Djur (animals)", "", ""), id="none"),
    pytest.param(
        'name_sv = "Djur"\nname_en = "Animals"\ndescription = "Pets."\n'
        'description_sv = "Husdjur."\ndescription_en = "Pets and farm animals."\n',
        ("Djur", "Animals", "Husdjur.", "Pets and farm animals."),
        id="all",
    ),
    pytest.param(
        'name_en = "Animals"\ndescription = "Djur på gården."\n',
        ("Djur (animals)", "Animals", "Djur på gården.", "Djur på gården."),
        id="english-only",
    ),
    pytest.param(
        'name_sv = "Djur"\ndescription_sv = "Djur på gården."\n',
        ("Djur", "Djur (animals)", "Djur på gården.", "Djur på gården."),
        id="swedish-only",
    ),
]


@pytest.mark.parametrize(("keys", "shown"), NAMES)
def test_deck_names_and_descriptions_per_language(make_deck, keys, shown):
    deck = load_deck(make_deck(toml=BASE + keys))
    assert deck.name == "Djur (animals)"  # the key rounds and classes keep, in every language
    assert (deck.title("sv"), deck.title("en"), deck.about("sv"), deck.about("en")) == shown
    assert deck.warnings == ()


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        ("name_sv = 3\n", "name_sv must be text in quotes"),
        ('description_en = ["a"]\n', "description_en must be text in quotes"),
    ],
)
def test_deck_toml_language_keys_must_be_text(make_deck, keys, problem):
    with pytest.raises(DeckError, match=problem):
        load_deck(make_deck(toml=BASE + keys))


@pytest.mark.parametrize(
    "keys", ['name_de = "Tiere"\n', '[title]\nsv = "Djur"\n'], ids=["unknown-language", "table"]
)
def test_other_language_keys_are_warned_of_and_ignored(make_deck, keys):
    deck = load_deck(make_deck(toml=BASE + keys))
    assert deck.title("sv") == deck.title("en") == "Djur (animals)"
    assert any("unknown key" in w for w in deck.warnings)


@pytest.mark.parametrize(
    ("keys", "shown"),
    [
        pytest.param('attribution = "Pictures: me"\n', ("Pictures: me", "Pictures: me"), id="one"),
        pytest.param(
            'attribution = "Pictures: me"\nattribution_sv = "Bilder: jag"\n',
            ("Bilder: jag", "Pictures: me"),
            id="swedish",
        ),
        pytest.param(
            'attribution_sv = "Bilder: jag"\nattribution_en = "Pictures: me"\n',
            ("Bilder: jag", "Pictures: me"),
            id="both-only",
        ),
    ],
)
def test_the_credit_for_the_pictures_per_language(make_deck, keys, shown):
    deck = load_deck(make_deck(toml=BASE + keys))
    assert (deck.credit("sv"), deck.credit("en")) == shown and deck.warnings == ()


def test_write_deck_file_keeps_the_language_keys(make_deck, tmp_path):
    folder = make_deck()
    meta = {"name": "Djur", "name_en": "Animals", "language": "sv", "description_sv": "Djur."}
    write_deck_file(folder, meta)
    deck = load_deck(folder)
    assert (deck.name, deck.title("en"), deck.about("sv")) == ("Djur", "Animals", "Djur.")


@pytest.mark.parametrize(
    ("default", "translations", "lang", "said"),
    [
        ("says woof", (("sv", "säger voff"),), "sv", "säger voff"),
        ("says woof", (("sv", "säger voff"),), "en", "says woof"),
        ("says woof", (("sv", ""),), "sv", "says woof"),
        ("", (("sv", "säger voff"), ("en", "")), "en", "säger voff"),
        ("", (), "sv", ""),
    ],
)
def test_translated_text(default, translations, lang, said):
    text = Translated(default, translations)
    assert text.in_lang(lang) == said
    assert bool(text) == bool(said)


def test_limits_apply_to_every_hint_column(deck_with):
    limits = DeckLimits(max_hint_chars=5)
    header = ["image", "answer", "hint", "hint_sv"]
    deck = load_deck(deck_with("items.csv", header, [["hund.png", "hund", "ok", "för lång"]]),
                     limits)  # fmt: skip
    assert deck.warnings == ("items.csv, line 2: the hint_sv is long (over 5 characters)",)
