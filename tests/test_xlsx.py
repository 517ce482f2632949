"""Decks kept in Excel: `items.xlsx` instead of `items.csv`, checked exactly like the CSV."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from game import DeckError, DeckLimits, answer, current_card, load_deck, start_round
from game.__main__ import main
from game.session import GameState
from game.sheets import column_letter, read_sheet

HEADER = ["image", "answer", "article", "accept", "hint", "audio"]
ROWS = [
    ["hund.png", "hund", "en", "vovve", "says woof", None],
    ["apple.png", "äpple", "ett", None, None, None],
    ["katt.png", "katt", "en", "kisse", None, None],
]
MB = 1024 * 1024
READ = {"max_bytes": 20 * MB, "max_unpacked_bytes": 100 * MB, "max_rows": 100}


def write_xlsx(path: Path, *sheets: list[list[Any]], titles: tuple[str, ...] = ()) -> Path:
    """A real workbook, one list of rows per sheet; None leaves a cell empty."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for number, rows in enumerate(sheets):
        sheet = book.create_sheet(titles[number] if number < len(titles) else f"Blad{number + 1}")
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def as_csv(rows: list[list[Any]]) -> list[str]:
    return [",".join("" if v is None else str(v) for v in row) for row in rows]


@pytest.fixture
def xlsx_deck(make_deck):
    """`xlsx_deck(rows, header=...)`: a deck folder whose cards are in items.xlsx, not items.csv;
    every picture the rows name is there, unless `pictures` says otherwise or it is "saknas.png"."""

    def make(
        rows: list[list[Any]] = ROWS,
        *,
        header: list[Any] = HEADER,
        pictures: dict[str, bytes | None] | None = None,
        **kwargs: Any,
    ) -> Path:
        if pictures is None:
            pictures = {r[0]: None for r in rows if r and r[0] and r[0] != "saknas.png"}
        folder = make_deck(as_csv(rows), pictures=pictures, **kwargs)
        (folder / "items.csv").unlink()
        write_xlsx(folder / "items.xlsx", [header, *rows])
        return folder

    return make


def cache_formula_results(path: Path, results: dict[str, str]) -> None:
    """Give formulas the saved results Excel writes (openpyxl cannot): `<v>hund</v>`."""
    with zipfile.ZipFile(path) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for cell, value in results.items():
        sheet, count = re.subn(
            rf'<c r="{cell}"><f>([^<]*)</f><v ?/>',
            rf'<c r="{cell}" t="str"><f>\1</f><v>{value}</v>',
            sheet,
        )
        assert count == 1, cell
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def problems(folder: Path, limits: DeckLimits | None = None) -> str:
    """What `load_deck` says is wrong with the deck in `folder`."""
    with pytest.raises(DeckError) as info:
        load_deck(folder, limits)
    return str(info.value)


def played(deck) -> list[tuple[str, str]]:
    """The cards of a seeded round, in order, each answered right: what a player sees."""
    state, seen = start_round(GameState(), deck, seed=7), []
    while (card := current_card(state, deck)) is not None:
        state, feedback = answer(state, deck, card.display, typed=True)
        seen.append((card.id, feedback.judgement.verdict.name if feedback.judgement else ""))
    return seen


def test_xlsx_deck_loads_and_plays_as_its_csv(make_deck, xlsx_deck):
    from_csv = load_deck(make_deck(as_csv(ROWS)))
    from_xlsx = load_deck(xlsx_deck())
    fields = [(c.id, c.display, c.accept, c.hint, c.image.name, c.audio) for c in from_csv.cards]
    assert [
        (c.id, c.display, c.accept, c.hint, c.image.name, c.audio) for c in from_xlsx.cards
    ] == fields
    assert from_xlsx.warnings == from_csv.warnings == ()
    assert played(from_xlsx) == played(from_csv) and len(played(from_csv)) == 3


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [ROWS[0], ["katt.png", "katt", "et", None, None, None]],
            "items.xlsx, line 3: unknown article 'et'",
        ),
        (  # an empty row still counts: row numbers are Excel's
            [ROWS[0], [None] * 6, ["katt.png", "katt", "et"]],
            "items.xlsx, line 4: unknown article 'et'",
        ),
        (
            [ROWS[0], ["katt.png", "Hund"]],
            "items.xlsx, line 3: duplicate answer 'Hund' (also on line 2)",
        ),
        ([ROWS[0], ["saknas.png", "katt"]], "items.xlsx, line 3: picture 'saknas.png' not found"),
        ([ROWS[0], ["katt.png", None, "en"]], "items.xlsx, line 3: the answer is empty"),
        ([ROWS[0], ["katt.png", "ett katt", "en"]], "starts with 'ett' but article is 'en'"),
        (
            [ROWS[0], ["katt.png", "katt", None, None, None, None, None, "oj"]],
            "items.xlsx, line 3: has a value in column H, which has no header",
        ),
        (
            [ROWS[0], ["katt.png", "katt", "#N/A"]],
            "items.xlsx, line 3: cell C3 shows the error #N/A",
        ),
    ],
    ids=[
        "article",
        "article-after-empty-row",
        "duplicate",
        "picture",
        "empty",
        "two-articles",
        "no-header",
        "error-cell",
    ],
)
def test_problems_name_the_excel_row(xlsx_deck, rows, expected):
    with pytest.raises(DeckError) as info:
        load_deck(xlsx_deck(rows))
    assert expected in str(info.value)
    assert {p.file for p in info.value.problems} == {"items.xlsx"}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["image", "answer", "sound"], "items.xlsx, line 1: unknown column 'sound'"),
        (["image", "article"], "items.xlsx, line 1: has no 'answer' column"),
        ([], "items.xlsx: is empty; it needs a header line"),
    ],
)
def test_header_problems(xlsx_deck, header, expected):
    rows = [] if not header else [["hund.png", "hund", "en"]]
    assert expected in problems(xlsx_deck(rows, header=header, pictures={"hund.png": None}))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3, "3"),
        (3.0, "3"),
        (2.5, "2.5"),
        (0.1 + 0.2, "0.3"),
        (None, ""),
        ("  hund \n", "hund"),
        (True, "TRUE"),
        (dt.datetime(2024, 5, 1), "2024-05-01"),
        (dt.datetime(2024, 5, 1, 8, 30), "2024-05-01 08:30:00"),
    ],
    ids=repr,
)
def test_cells_are_read_as_the_text_excel_shows(tmp_path, value, text):
    path = write_xlsx(tmp_path / "items.xlsx", [["answer", "hint"], ["hund", value]])
    cells = ["hund", text] if text else ["hund"]  # a trailing empty cell is dropped
    assert read_sheet(path, **READ).rows == [(1, ["answer", "hint"]), (2, cells)]


def test_numbers_and_empty_cells_in_a_deck(xlsx_deck):
    rows = [
        ["hund.png", "hund", "en", 3.0, 12, None],
        [None] * 6,
        ["katt.png", "katt", None, "", ""],
    ]
    cards = load_deck(xlsx_deck(rows)).cards
    assert [(c.answer, c.article, c.accept, c.hint) for c in cards] == [
        ("hund", "en", ("3",), "12"),
        ("katt", "", (), ""),
    ]


def test_empty_rows_and_trailing_empty_columns_are_ignored(tmp_path):
    path = tmp_path / "items.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["image", "answer", None, "  "])
    sheet.append([None, None, None])
    sheet.append(["hund.png", "hund"])
    sheet["J3"].number_format = "0.00"  # formatted but empty, as Excel leaves cells
    sheet["A7"] = "katt.png"
    book.save(path)
    rows = read_sheet(path, **READ).rows
    assert rows == [(1, ["image", "answer"]), (3, ["hund.png", "hund"]), (7, ["katt.png"])]


def test_both_tables_in_one_deck_are_refused(xlsx_deck):
    folder = xlsx_deck()
    (folder / "items.csv").write_text("image,answer\nhund.png,hund\n", encoding="utf-8")
    with pytest.raises(DeckError) as info:
        load_deck(folder)
    (problem,) = info.value.problems
    assert "has both items.csv and items.xlsx: keep one" in str(problem)


def zip_bomb(path: Path) -> Path:
    """A zip that names itself a workbook and unpacks 101 MB of zeros from a few hundred KB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(101):
                member.write(bytes(MB))
    return path


def refused_files() -> list[tuple[str, bytes | None, str]]:
    return [
        (
            "items.xlsx",
            b"image,answer\nhund.png,hund\n",
            "items.xlsx: is text, not an Excel workbook: name it items.csv",
        ),
        (
            "items.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
            "is an old Excel workbook (.xls) or a password-protected one",
        ),
        (
            "items.xlsx",
            b"\x00\x01\x02" * 100,
            "items.xlsx: is not an Excel workbook; save it as .xlsx",
        ),
        ("items.xlsx", b"PK\x03\x04" + bytes(200), "items.xlsx: is a damaged Excel workbook"),
        ("items.xlsx", None, "items.xlsx: is a zip file, not an Excel workbook"),  # a deck zip
        (
            "items.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
            "items.xls: is an old Excel workbook (.xls), which cannot be read: "
            "save it as .xlsx (Excel Workbook) or as CSV UTF-8",
        ),
        (
            "items.ods",
            b"PK\x03\x04",
            "items.ods: is an OpenDocument spreadsheet (.ods), which cannot be read: save it as",
        ),
    ]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    refused_files(),
    ids=["renamed-csv", "xls-renamed", "binary", "broken-zip", "plain-zip", "xls", "ods"],
)
def test_what_is_not_a_real_xlsx_is_refused_plainly(make_deck, name, data, expected):
    folder = make_deck()
    (folder / "items.csv").unlink()
    if data is None:
        with zipfile.ZipFile(folder / name, "w") as zf:
            zf.writestr("djur/items.csv", "image,answer\n")
    else:
        (folder / name).write_bytes(data)
    assert expected in problems(folder)


def test_ods_renamed_to_xlsx_is_named_for_what_it_is(make_deck):
    folder = make_deck()
    (folder / "items.csv").unlink()
    with zipfile.ZipFile(folder / "items.xlsx", "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    assert "is an OpenDocument spreadsheet (.ods), not Excel" in problems(folder)


def test_broken_workbook_xml_is_a_problem_not_a_traceback(xlsx_deck):
    folder = xlsx_deck()
    path = folder / "items.xlsx"
    with zipfile.ZipFile(path) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"][:200]
    with zipfile.ZipFile(path, "w") as zf:
        for part, data in parts.items():
            zf.writestr(part, data)
    assert "items.xlsx: cannot be read as an Excel workbook" in problems(folder)


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(make_deck, monkeypatch):
    folder = make_deck()
    (folder / "items.csv").unlink()
    zip_bomb(folder / "items.xlsx")
    assert (folder / "items.xlsx").stat().st_size < MB

    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("openpyxl was asked to open a zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    assert "items.xlsx: unpacks to over 100 MB" in problems(folder)


def test_a_workbook_too_large_as_stored_is_refused(make_deck):
    folder = make_deck()
    (folder / "items.csv").unlink()
    (folder / "items.xlsx").write_bytes(b"PK\x03\x04" + bytes(2 * MB))
    assert "items.xlsx: is too large (over 1 MB)" in problems(
        folder, DeckLimits(max_sheet_bytes=MB)
    )


def test_a_formula_without_a_saved_result_asks_to_save_in_excel(xlsx_deck):
    rows = [ROWS[0], ["katt.png", '=LOWER("KATT")', "en"]]
    with pytest.raises(DeckError) as info:
        load_deck(xlsx_deck(rows))
    (problem,) = info.value.problems
    assert str(problem) == (
        "items.xlsx, line 3: cell B3 holds a formula without a saved result: "
        "open the file in Excel and save it once"
    )


def test_formulas_saved_by_excel_are_read_by_their_results(xlsx_deck):
    rows = [ROWS[0], ["katt.png", '=LOWER("KATT")', "en", '=IF(1,"","x")']]
    folder = xlsx_deck(rows)
    cache_formula_results(folder / "items.xlsx", {"B3": "katt"})  # D3's result is "": no <v>
    deck = load_deck(folder)
    assert [(c.answer, c.accept) for c in deck.cards] == [("hund", ("vovve",)), ("katt", ())]


def test_only_the_first_sheet_is_read_and_a_full_second_one_is_named(make_deck):
    folder = make_deck()
    (folder / "items.csv").unlink()
    write_xlsx(
        folder / "items.xlsx", [HEADER, *ROWS], [["frukt"]], [], titles=("Djur", "Frukt", "Tom")
    )
    deck = load_deck(folder)
    assert len(deck.cards) == 3
    assert deck.warnings == (
        "items.xlsx: sheet 'Frukt' is ignored: only the first, 'Djur', is read",
    )


def test_too_many_rows_stop_reading(xlsx_deck):
    assert "items.xlsx: has over 2 cards; at most 2 fit a deck" in problems(
        xlsx_deck(), DeckLimits(max_cards=2)
    )


def test_no_table_at_all_names_both(make_deck):
    folder = make_deck()
    (folder / "items.csv").unlink()
    expected = "items.csv: is missing (a deck lists its cards in it or in items.xlsx)"
    assert expected in problems(folder)


def test_check_command_reads_xlsx_decks(xlsx_deck, capsys):
    broken = xlsx_deck([ROWS[0], ["katt.png", "katt", "et"]])
    assert main(["check", str(xlsx_deck()), str(broken)]) == 1
    out = capsys.readouterr().out
    assert "'Testdjur', 3 cards" in out
    assert "items.xlsx, line 3: unknown article 'et'" in out
    assert "1 of 2 decks are valid" in out


@pytest.mark.parametrize(
    ("index", "letter"), [(0, "A"), (7, "H"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letters(index, letter):
    assert column_letter(index) == letter


def test_an_uploaded_workbook_with_its_pictures_is_a_deck(xlsx_deck, tmp_path):
    from game.upload import load_upload

    folder = xlsx_deck()
    files = [folder / "items.xlsx", *sorted(folder.glob("*.png"))]
    deck = load_upload(files, tmp_path / "work", name="Mina ord")
    assert deck.name == "Mina ord" and len(deck.cards) == len(ROWS)


def test_a_zipped_deck_folder_with_its_workbook_is_a_deck(xlsx_deck, tmp_path):
    from game.upload import load_upload

    folder = xlsx_deck()
    archive = tmp_path / "djur.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in folder.iterdir():
            name = "Items.XLSX" if path.name == "items.xlsx" else path.name  # saved on Windows
            zipped.write(path, f"djur/{name}")
    deck = load_upload([archive], tmp_path / "work")
    assert len(deck.cards) == len(ROWS)
