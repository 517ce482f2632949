"""Loading teachers' decks: every problem found and reported with file and line."""

from __future__ import annotations

import os
import tomllib
import unicodedata
from pathlib import Path

import pytest

from game import DeckError, load_deck
from game.deck import DeckLimits, find_decks
from tests.conftest import png_bytes


def test_valid_deck_loads(make_deck):
    deck = load_deck(make_deck())
    assert deck.name == "Testdjur"
    assert [c.display for c in deck.cards] == ["en hund", "ett äpple", "en katt"]
    assert deck.cards[2].accept == ("kisse",)
    assert all(c.image and c.image.is_file() for c in deck.cards)
    assert deck.warnings == ()


def huge_png_header(side: int) -> bytes:
    """The start of a PNG that claims to be side x side pixels: Pillow reads the size and stops."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
    return (
        b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("rows", "pictures", "expected"),
    [
        (["saknas.png,hund,en,,,"], {}, "'saknas.png' not found"),
        (["hund.png,,en,,,"], None, "the answer is empty"),
        (["hund.png,hund,et,,,"], None, "unknown article 'et'"),
        (
            ["hund.png,hund,en,,,", "katt.png,Hund,en,,,"],
            None,
            "duplicate answer 'Hund' (also on line 2)",
        ),
        (["../hund.png,hund,en,,,"], {}, "leaves the deck folder"),
        (["/etc/passwd,hund,en,,,"], {}, "is an absolute path"),
        (["C:\\bilder\\hund.png,hund,en,,,"], {}, "is an absolute path"),
        (["hund.png,hund,en,,,"], {"hund.png": b"not a picture at all"}, "is not a picture"),
        (["hund.png,hund,en,,,"], {"hund.png": png_bytes(fmt="GIF")}, "is a GIF picture"),
        (["hund.png,hund,en,,,"], {"hund.png": huge_png_header(30_000)}, "is far too large"),
        (["hund.png,hund,en,,,"], {"hund.png": png_bytes()[:100]}, "damaged picture"),
        ([",hund,en,,,"], {}, "no picture given"),
        (["hund.png,hund,en,,,ljud.wav"], None, "recording 'ljud.wav' not found"),
        (["hund.png,hund,en,,,a,b"], None, "has 7 cells but the header has 6 columns"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_card_problems(make_deck, rows, pictures, expected):
    folder = make_deck(rows, pictures=pictures)
    with pytest.raises(DeckError) as info:
        load_deck(folder)
    assert expected in str(info.value)
    assert all(p.file in ("items.csv", "deck.toml") for p in info.value.problems)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("image,answer,sound", "unknown column 'sound' (known: image, answer, article"),
        ("image,answer,answer", "column 'answer' appears twice"),
        ("image,article", "has no 'answer' column"),
        ("Image ,ANSWER", None),
    ],
)
def test_header_problems(make_deck, header, expected):
    folder = make_deck(["hund.png,hund,"], header=header, pictures={"hund.png": None})
    if expected is None:
        assert load_deck(folder).cards[0].answer == "hund"
        return
    with pytest.raises(DeckError) as info:
        load_deck(folder)
    assert expected in str(info.value)
    assert info.value.problems[0].line == 1


def test_every_problem_is_listed_at_once_with_its_line(make_deck):
    rows = [
        "hund.png,hund,en,,,",  # line 2: fine
        "saknas.png,katt,en,,,",  # line 3: missing picture
        "hund2.png,,en,,,",  # line 4: empty answer
        "hund3.png,häst,ettt,,,",  # line 5: unknown article
        "../ut.png,ko,en,,,",  # line 6: leaves the folder
        "hund4.png,HUND,en,,,",  # line 7: duplicate
    ]
    pictures = {"hund.png": None, "hund2.png": None, "hund3.png": None, "hund4.png": None}
    with pytest.raises(DeckError) as info:
        load_deck(make_deck(rows, pictures=pictures))
    lines = sorted(p.line for p in info.value.problems)
    assert lines == [3, 4, 5, 6, 7]
    message = str(info.value)
    assert message.startswith("Deck ") and "has 5 problems" in message
    assert "items.csv, line 5: unknown article 'ettt'" in message


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (None, "deck.toml: is missing"),
        ('name = "Djur"\n', 'needs language = "sv"'),
        ('language = "sv"\n', "needs a name"),
        ('name = "Djur"\nlanguage = "de"\n', "language 'de' is not supported"),
        ('name = "Djur\nlanguage = "sv"\n', "is not valid TOML"),
        ('name = 3\nlanguage = "sv"\n', "name must be text"),
    ],
)
def test_deck_toml_problems(make_deck, toml, expected):
    with pytest.raises(DeckError, match=expected):
        load_deck(make_deck(toml=toml))


@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [("utf-8", ",", False), ("utf-8", ";", True), ("utf-8", "\t", False), ("utf-8", ";", False)],
)
def test_excel_csv_flavours(make_deck, encoding, delimiter, bom):
    rows = ["image,answer,article,accept,hint,audio", "hund.png,hund,en,vovve|byracka,says woof,"]
    text = "\r\n".join(r.replace(",", delimiter) for r in rows) + "\r\n"
    data = ("\ufeff" if bom else "") + text
    folder = make_deck(csv_bytes=data.encode(encoding), pictures={"hund.png": None})
    deck = load_deck(folder)
    assert deck.cards[0].answer == "hund"
    assert deck.cards[0].accept == ("vovve", "byracka")
    assert deck.cards[0].hint == "says woof"


def test_latin1_csv_is_refused_with_the_line(make_deck):
    text = "image,answer,article\nhund.png,hund,en\nb.png,björn,en\n".encode("latin-1")
    with pytest.raises(DeckError) as info:
        load_deck(make_deck(csv_bytes=text, pictures={"hund.png": None, "b.png": None}))
    (problem,) = info.value.problems
    assert problem.line == 3 and "not UTF-8" in problem.message


def test_quoted_cells_and_missing_optional_columns(make_deck):
    text = b'answer,image\n"glass, strut",glass.png\n'
    deck = load_deck(make_deck(csv_bytes=text, pictures={"glass.png": None}))
    assert deck.cards[0].answer == "glass, strut" and deck.cards[0].article == ""


def test_symlink_out_of_the_deck_is_refused(make_deck, tmp_path):
    outside = tmp_path / "secret.png"
    outside.write_bytes(png_bytes())
    folder = make_deck(["hund.png,hund,en,,,"], pictures={})
    os.symlink(outside, folder / "hund.png")
    with pytest.raises(DeckError, match="links out of the deck folder"):
        load_deck(folder)


def test_unicode_form_and_case_of_file_names_are_forgiven(make_deck):
    nfd = unicodedata.normalize("NFD", "äpple.png")
    folder = make_deck(
        ["äpple.png,äpple,ett,,,", "Hund.PNG,hund,en,,,"], pictures={nfd: None, "hund.png": None}
    )
    deck = load_deck(folder)
    assert [c.answer for c in deck.cards] == ["äpple", "hund"]
    assert any("named 'hund.png'" in w for w in deck.warnings)


def test_oversized_files_are_refused(make_deck):
    folder = make_deck()
    with pytest.raises(DeckError, match="too large"):
        load_deck(folder, DeckLimits(max_table_bytes=20))


def test_oddities_are_warnings_not_errors(make_deck):
    rows = ["liten.png,en hund,,,a dog,", "stor.png,katt,en,,the katt,", "stor.png,mus,en,,,"]
    pictures = {"liten.png": png_bytes(size=32), "stor.png": None}
    deck = load_deck(
        make_deck(rows, pictures=pictures, toml='name = "X"\nlanguage = "sv"\nfoo = "1"\n')
    )
    assert deck.cards[0].display == "en hund"
    text = "\n".join(deck.warnings)
    for expected in (
        "unknown key 'foo'",
        "no license or attribution",
        "moved 'en' from the answer",
        "only 32x32 pixels",
        "gives the answer away",
        "same picture as line 3",
    ):
        assert expected in text


@pytest.mark.parametrize("path", ["missing-folder", "file.txt"])
def test_not_a_deck_folder(tmp_path, path):
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(DeckError, match="a deck is a folder"):
        load_deck(tmp_path / path)


def test_empty_items_csv(make_deck):
    with pytest.raises(DeckError, match="no cards"):
        load_deck(make_deck([], pictures={}))


def test_find_decks(make_deck, tmp_path: Path):
    a, b = make_deck(), make_deck()
    (tmp_path / "not-a-deck").mkdir()
    assert find_decks(tmp_path) == [a, b]
    assert find_decks(a) == [a]


@pytest.mark.parametrize(
    "text",
    [
        b"image,answer,article,,,\nhund.png,hund,en,,,\n",  # Excel: columns once formatted
        b"image;answer;article;;\r\nhund.png;hund;en;;\r\n",
        b"sep=;\nimage;answer;article\nhund.png;hund;en\n",  # Excel's delimiter line
        b"image,answer,article\rhund.png,hund,en\r",  # old Mac line endings
    ],
    ids=["empty header cells", "empty header cells ;", "sep= line", "CR line ends"],
)
def test_more_excel_csv_flavours(make_deck, text):
    deck = load_deck(make_deck(csv_bytes=text, pictures={"hund.png": None}))
    assert [c.display for c in deck.cards] == ["en hund"]


def test_a_value_under_an_unnamed_column_is_refused(make_deck):
    text = b"image,answer,\nhund.png,hund,\nkatt.png,katt,kisse\n"
    with pytest.raises(DeckError) as info:
        load_deck(make_deck(csv_bytes=text, pictures={"hund.png": None, "katt.png": None}))
    (problem,) = info.value.problems
    assert problem.line == 3 and "has 3 cells but the header has 2 columns" in problem.message


def test_an_unclosed_quote_is_reported_not_swallowing_cards(make_deck):
    text = b'image,answer,hint\nhund.png,hund,"says woof\nkatt.png,katt,says meow\n'
    with pytest.raises(DeckError) as info:
        load_deck(make_deck(csv_bytes=text, pictures={"hund.png": None, "katt.png": None}))
    (problem,) = info.value.problems
    assert problem.line == 2 and "runs over lines 2-3" in problem.message
    assert "quote" in problem.message


def test_a_line_break_typed_into_a_hint_is_a_space(make_deck):
    text = b'image,answer,hint\nhund.png,hund,"says woof\nand wags"\nkatt.png,katt,\n'
    deck = load_deck(make_deck(csv_bytes=text, pictures={"hund.png": None, "katt.png": None}))
    assert [c.hint for c in deck.cards] == ["says woof and wags", ""]


def test_an_oversized_cell_is_a_problem_not_a_traceback(make_deck):
    text = b'image,answer,hint\nhund.png,hund,"' + b"x" * 200_000 + b"\n"
    with pytest.raises(DeckError) as info:
        load_deck(make_deck(csv_bytes=text, pictures={"hund.png": None}))
    (problem,) = info.value.problems
    assert problem.line == 2 and "cannot be read" in problem.message


def test_utf16_csv_is_named(make_deck):
    text = "image\tanswer\r\nhund.png\thund\r\n".encode("utf-16")
    with pytest.raises(DeckError, match=r"UTF-16 text \(Excel's 'Unicode Text'\)"):
        load_deck(make_deck(csv_bytes=text, pictures={"hund.png": None}))


def test_deck_toml_not_utf8_gets_advice_for_a_toml_file(make_deck):
    toml = 'name = "Kläder"\nlanguage = "sv"\n'.encode("cp1252")
    folder = make_deck(toml=None)
    (folder / "deck.toml").write_bytes(toml)
    with pytest.raises(DeckError) as info:
        load_deck(folder)
    message = str(info.value)
    assert "deck.toml, line 1: is not UTF-8" in message and "CSV" not in message


def test_an_unreadable_items_csv_is_a_problem(make_deck, monkeypatch):
    folder = make_deck()
    real = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path.name == "items.csv":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    with pytest.raises(DeckError, match=r"items\.csv: cannot be read \(Permission denied"):
        load_deck(folder)


@pytest.mark.parametrize("answer", ["?!", "-", "..."])
def test_an_answer_without_letters_is_refused(make_deck, answer):
    with pytest.raises(DeckError, match="has no letters"):
        load_deck(make_deck([f"hund.png,{answer},,,,"], pictures={"hund.png": None}))


def test_a_hint_gives_the_answer_away_only_as_a_word(make_deck):
    rows = ["bi.png,bi,ett,,lives in a big hive,", "hund.png,hund,en,,hundar bark,"]
    deck = load_deck(make_deck(rows, pictures={"bi.png": None, "hund.png": None}))
    assert deck.warnings == ("items.csv, line 3: the hint gives the answer away",)


@pytest.mark.parametrize(
    "name", ["x" * 300 + ".png", "/".join(["a" * 200] * 30) + ".png"], ids=["long", "deep"]
)
def test_a_picture_name_too_long_for_the_disk_is_a_problem(make_deck, name):
    with pytest.raises(DeckError, match="cannot be opened"):
        load_deck(make_deck([f"{name},hund,en,,,"], pictures={}))


def test_a_symlink_loop_is_a_problem(make_deck):
    folder = make_deck(["loop.png,hund,en,,,"], pictures={})
    os.symlink(folder / "loop.png", folder / "loop.png")
    with pytest.raises(DeckError, match=r"'loop\.png' (cannot be opened|is not a file)"):
        load_deck(folder)


def test_names_garbled_by_unzipping_are_found(make_deck):
    # A Mac zip without the UTF-8 flag, unzipped by Python's zipfile: "äpple.png" in code page 437.
    garbled = unicodedata.normalize("NFD", "äpple.png").encode().decode("cp437")
    deck = load_deck(make_deck(["äpple.png,äpple,ett,,,"], pictures={garbled: None}))
    assert deck.cards[0].image.name == garbled


def test_a_zip_or_a_folder_around_the_deck_says_what_to_do(make_deck, tmp_path):
    archive = tmp_path / "djur.zip"
    archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    with pytest.raises(DeckError, match="unzip it first"):
        load_deck(archive)
    outer = tmp_path / "unzipped"
    outer.mkdir()
    make_deck().rename(outer / "djur")
    with pytest.raises(DeckError, match=r"deck\.toml: is missing here but found in: djur"):
        load_deck(outer)


def test_an_accepted_word_may_carry_its_own_article(make_deck):
    rows = ["klocka.png,klocka,en,ett armbandsur|Ett ur,,", "ur.png,ur,ett,,,"]
    deck = load_deck(make_deck(rows, pictures={"klocka.png": None, "ur.png": None}))
    assert deck.cards[0].alternatives == (
        ("klocka", "en"),
        ("armbandsur", "ett"),
        ("ur", "ett"),
    )
    assert deck.warnings == ("items.csv, line 2: accepts 'ur', the answer on line 3",)


# --- Writing deck.toml -------------------------------------------------------------------------

AWKWARD = [
    pytest.param('Säg "hej"', id="quotes"),
    pytest.param("C:\\bilder\\hund\\", id="backslashes"),
    pytest.param("första raden\nandra\r\ntredje", id="newlines"),
    pytest.param("å ä ö Å Ä Ö 🐶", id="non-ascii"),
    pytest.param("", id="empty"),
    pytest.param("tab\there \x00 \x1f \x7f end", id="control-characters"),
    pytest.param("'''\"\"\" # [table] = x", id="toml-syntax"),
    pytest.param("a\u2028b\u0085c", id="unicode-line-breaks"),
]


@pytest.mark.parametrize("value", AWKWARD)
def test_deck_toml_written_reads_back_exactly(tmp_path, value):
    from game.deck import write_deck_file

    meta = {"name": "Djur", "language": "sv", "description": value, "attribution": value}
    path = write_deck_file(tmp_path, meta)
    assert tomllib.loads(path.read_text(encoding="utf-8")) == meta


@pytest.mark.parametrize("value", [p for p in AWKWARD if p.id != "empty"])
def test_a_deck_named_awkwardly_loads_under_its_name(make_deck, value):
    from game.deck import write_deck_file

    folder = make_deck(toml=None)
    write_deck_file(folder, {"name": value, "language": "sv", "license": "CC0-1.0"})
    assert load_deck(folder).name == unicodedata.normalize("NFC", value.strip())


@pytest.mark.parametrize(
    ("credits", "reminded"),
    [({}, True), ({"license": "CC0-1.0"}, False), ({"attribution": "Foto: Anna"}, False)],
)
def test_deck_toml_reminds_to_add_credits_only_when_it_has_none(tmp_path, credits, reminded):
    from game.deck import write_deck_file

    text = write_deck_file(tmp_path, {"name": "Djur", "language": "sv", **credits}).read_text()
    assert ("# Add author, license and attribution" in text) is reminded


def test_deck_toml_takes_only_its_own_keys(tmp_path):
    from game.deck import write_deck_file

    with pytest.raises(ValueError, match=r"not keys of deck\.toml: colour"):
        write_deck_file(tmp_path, {"name": "Djur", "colour": "blå"})
    assert not (tmp_path / "deck.toml").exists()


# --- A CSV's delimiter -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("image,answer\nhund.png,hund\n", (",", None, 0), id="comma"),
        pytest.param("image;answer\nhund.png;hund, en\n", (";", None, 0), id="header-decides"),
        pytest.param("image\tanswer\n", ("\t", None, 0), id="tab"),
        pytest.param("sep=;\nimage;answer\n", (";", "image;answer\n", 1), id="sep-line"),
        pytest.param("SEP=,\r\nimage,answer\r\n", (",", "image,answer\r\n", 1), id="sep-crlf"),
        pytest.param("sep=|\nimage|answer\n", ("|", "image|answer\n", 1), id="sep-any-mark"),
        pytest.param("sep=;;\nimage;answer\n", (";", None, 0), id="sep-twice-is-a-header"),
        pytest.param("sep=\nimage,answer\n", (",", None, 0), id="sep-empty-is-a-header"),
        pytest.param("bild;ord,svar\n", (",", None, 0), id="tie-first-of-delimiters"),
        pytest.param("image answer\n", (",", None, 0), id="none-a-comma"),
        pytest.param("", (",", None, 0), id="empty"),
    ],
)
def test_the_delimiter_of_a_csv(text, expected):
    from game.deck import csv_layout

    delimiter, body, skipped = expected
    assert csv_layout(text) == (delimiter, text if body is None else body, skipped)


def test_a_sep_line_is_no_row_and_lines_are_counted_past_it(make_deck):
    text = "sep=;\nimage;answer;article\nhund.png;hund;en\nkatt.png;;en\n"
    folder = make_deck(csv_bytes=text.encode(), pictures={"hund.png": None, "katt.png": None})
    with pytest.raises(DeckError) as error:
        load_deck(folder)
    assert [(p.file, p.line) for p in error.value.problems] == [("items.csv", 4)]
