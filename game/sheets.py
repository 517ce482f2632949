"""Reading a deck's table from an Excel workbook (`items.xlsx`) as rows of text.

Teachers keep word lists in Excel, so a deck may hold `items.xlsx` instead of `items.csv`; this
module turns its first sheet into numbered rows of text cells, and `game.deck` validates them
exactly as it validates CSV rows. A workbook is untrusted like any deck file: it is refused by
its bytes, size and declared unpacked size before openpyxl opens it, and every failure comes back
as a `SheetError` whose message tells a teacher what to do, never as a traceback.
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from game.findings import Finding

log = logging.getLogger(__name__)

MB = 1024 * 1024
ITEMS_XLSX = "items.xlsx"
SAVE_AS = Finding("save_as")
SAVE_AGAIN = Finding("save_again")
# Spreadsheets openpyxl cannot read: found next to (or instead of) items.csv, they get advice.
OTHER_FORMATS = {
    "items.xls": Finding("format_xls"),
    "items.ods": Finding("format_ods"),
    "items.numbers": Finding("format_numbers"),
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls, and also any password-protected .xlsx
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError)

# openpyxl warns about parts of a workbook it skips (data validation, a missing default style):
# nothing a teacher can act on, and noise in `python -m game check`.
warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")


class SheetError(ValueError):
    """A workbook that cannot be read; `line` is the row (as Excel numbers it) where known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message, self.line = message, line


@dataclass(frozen=True)
class Sheet:
    """The first sheet of a workbook as text."""

    name: str
    rows: list[tuple[int, list[str]]]  # (row number as Excel shows it, cells), empty rows left out
    ignored_sheets: tuple[str, ...]  # later sheets that hold something: only the first is read
    truncated: bool  # more than `max_rows` rows with text: reading stopped there


def read_sheet(path: Path, *, max_bytes: int, max_unpacked_bytes: int, max_rows: int) -> Sheet:
    """The rows of text of the workbook's first sheet, the header row included.

    Cells are text as Excel shows them where that is plain: 3 and 3.0 become "3", an empty cell
    "". Rows without text are left out, and trailing empty cells of each row are dropped.
    Raises `SheetError` for a file that is not a real, readable .xlsx, one too large as stored
    or unpacked, a formula without a saved value, or a cell showing an error such as #N/A.
    """
    _check_container(path, max_bytes, max_unpacked_bytes)
    with (
        closing(_open(path, data_only=True)) as values,
        closing(_open(path, data_only=False)) as formulas,
    ):
        try:
            return _first_sheet(values, formulas, max_rows)
        except SheetError:
            raise
        except Exception as e:  # as in _open: a sheet's XML may be broken anywhere
            log.debug("openpyxl cannot read %s", path, exc_info=True)
            raise SheetError(Finding("not_workbook", why=str(e), save_as=SAVE_AGAIN)) from e


def _open(path: Path, *, data_only: bool) -> Any:
    # openpyxl parses with the standard library's expat (no defusedxml here), which refuses
    # entity-expansion bombs since expat 2.4 and never fetches external entities.
    from openpyxl import load_workbook  # only decks kept in Excel pay for the import

    try:
        return load_workbook(path, read_only=True, data_only=data_only)
    except Exception as e:  # a damaged workbook fails anywhere, with anything from KeyError up
        log.debug("openpyxl cannot open %s", path, exc_info=True)
        raise SheetError(Finding("not_workbook", why=str(e), save_as=SAVE_AGAIN)) from e


def _check_container(path: Path, max_bytes: int, max_unpacked_bytes: int) -> None:
    """Refuse what is not an .xlsx (a zip of XML parts) before openpyxl unpacks any of it."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(512)
    except OSError as e:
        raise SheetError(Finding("cannot_be_read", why=e.strerror or str(e))) from e
    if size > max_bytes:
        raise SheetError(Finding("too_large_mb", mb=max_bytes // MB))
    if head.startswith(_OLE_MAGIC):
        raise SheetError(Finding("xls_or_password", save_as=SAVE_AS))
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if head and b"\x00" not in head:
            raise SheetError(Finding("sheet_is_text"))
        raise SheetError(Finding("not_excel", save_as=SAVE_AS))
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            # zipfile never reads past a member's declared size (it checks the CRC at the end),
            # so the declared sizes bound what openpyxl can unpack.
            unpacked = sum(info.file_size for info in zf.infolist())
            kind = zf.read("mimetype")[:100] if "mimetype" in names else b""
    except _ZIP_ERRORS as e:
        raise SheetError(Finding("workbook_damaged", why=str(e), save_as=SAVE_AGAIN)) from e
    if unpacked > max_unpacked_bytes:
        raise SheetError(
            Finding("sheet_unpacks_large", mb=max_unpacked_bytes // MB, save_as=SAVE_AGAIN)
        )
    if b"opendocument.spreadsheet" in kind:
        raise SheetError(Finding("sheet_is_ods", save_as=SAVE_AS))
    if "[Content_Types].xml" not in names:
        raise SheetError(Finding("sheet_is_zip", save_as=SAVE_AS))


def _first_sheet(values: Any, formulas: Any, max_rows: int) -> Sheet:
    if not values.worksheets:
        raise SheetError(Finding("no_sheet"))
    sheet = values.worksheets[0]
    rows: list[tuple[int, list[str]]] = []
    truncated = False
    last = 0
    for number, cells in _rows(sheet):
        texts = [_text(cell, number) for cell in cells]
        while texts and not texts[-1]:
            texts.pop()
        if not texts:
            continue
        if len(rows) == max_rows:
            truncated = True
            break
        rows.append((number, texts))
        last = number
    if last:
        _refuse_formulas_without_values(formulas.worksheets[0], rows, last)
    ignored = tuple(s.title for s in values.worksheets[1:] if _has_text(s))
    return Sheet(sheet.title, rows, ignored, truncated)


def _rows(sheet: Any, max_row: int | None = None) -> Iterator[tuple[int, tuple[Any, ...]]]:
    # The stored dimension ("A1:F20") is often wrong (some tools write "A1"), and read-only mode
    # would cut every row to it: read the rows as they are instead.
    sheet.reset_dimensions()
    # Missing rows come back empty, so counting from 1 gives Excel's row numbers.
    return enumerate(sheet.iter_rows(min_row=1, max_row=max_row), start=1)


def _refuse_formulas_without_values(
    sheet: Any, rows: list[tuple[int, list[str]]], last: int
) -> None:
    """A workbook written by a program (not Excel) holds formulas without their results, which
    data_only reads as empty cells: say so rather than report empty answers or drop rows. A
    formula whose result is "" looks the same, so only a sheet where no formula has a result is
    refused: Excel saves the results of all of them."""
    read = dict(rows)
    first_empty: tuple[int, str] | None = None
    for number, cells in _rows(sheet, max_row=last):
        texts = read.get(number, [])
        for column, cell in enumerate(cells):
            if getattr(cell, "data_type", None) != "f":
                continue
            if column < len(texts) and texts[column]:
                return  # this one was calculated, so all were
            first_empty = first_empty or (number, cell.coordinate)
    if first_empty:
        number, coordinate = first_empty
        raise SheetError(Finding("formula_without_result", cell=coordinate), number)


def _has_text(sheet: Any) -> bool:
    return any(
        getattr(c, "value", None) not in (None, "") for _, cells in _rows(sheet) for c in cells
    )


def _text(cell: Any, number: int) -> str:
    """A cell as the text a teacher sees in it."""
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "e":  # "#N/A", "#REF!": a formula that failed
        raise SheetError(Finding("cell_error", cell=cell.coordinate, error=str(value)), number)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # 15 significant digits, as Excel shows them: 3.0 is "3", 0.1 + 0.2 is "0.3".
        return f"{value:.15g}"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def column_letter(index: int) -> str:
    """Excel's name for the 0-based column `index`: 0 is "A", 26 is "AA"."""
    letters, index = "", index + 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
