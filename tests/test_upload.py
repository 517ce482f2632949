"""Uploads from the Decks tab: zips, Anki packages, CSVs with pictures, all built in tmp_path."""

from __future__ import annotations

import io
import os
import shutil
import stat
import tomllib
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from game import load_deck
from game.anki import AnkiImportError, import_anki
from game.deck import DeckError
from game.safezip import ZipLimits
from game.upload import UploadError, UploadLimits, deck_folder_name, load_upload, save_deck
from tests.conftest import png_bytes
from tests.test_anki import make_apkg, picture

TOML = 'name = "Djur på gården"\nlanguage = "sv"\nlicense = "CC0-1.0"\n'
CSV = "image,answer,article\nhund.png,hund,en\näpple.png,äpple,ett\nkatt.png,katt,en\n"
PICTURES = {
    "hund.png": png_bytes(color="red"),
    "äpple.png": png_bytes(color="green"),
    "katt.png": png_bytes(color="blue"),
}
DECK_FILES = {"deck.toml", "items.csv", *PICTURES}
NFD_APPLE = "a\u0308pple.png"  # "äpple.png" as macOS stores it
EXCEL_CSV = CSV.replace(",", ";").replace("\n", "\r\n")  # Excel in a Swedish locale


def deck_members(prefix: str = "", sep: str = "/") -> dict[str, bytes | str]:
    """The members of a zipped deck folder, under `prefix` (a top folder) if given."""
    at = f"{prefix}{sep}" if prefix else ""
    return {f"{at}deck.toml": TOML, f"{at}items.csv": CSV} | {
        f"{at}{name}": data for name, data in PICTURES.items()
    }


def make_zip(path: Path, members: dict[str, bytes | str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def rename_raw(path: Path, renames: dict[str, bytes]) -> Path:
    """Swap ASCII placeholder names for raw bytes, without zip's UTF-8 flag: how macOS Archive
    Utility (UTF-8 bytes) and Windows' own zip (code page 437 bytes) store "äpple.png"."""
    data = path.read_bytes()
    for placeholder, raw in renames.items():
        assert len(placeholder.encode()) == len(raw) and data.count(placeholder.encode()) == 2
        data = data.replace(placeholder.encode(), raw)  # local header and central directory
    path.write_bytes(data)
    return path


def write_files(folder: Path, files: dict[str, bytes | str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        paths.append(path)
    return paths


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path / "work"


def assert_left_nothing(workdir: Path) -> None:
    assert not workdir.exists() or not any(workdir.iterdir())


def answers(deck_dir: Path) -> list[str]:
    return sorted(card.answer for card in load_deck(deck_dir).cards)


def unpacked(files: list[Path], workdir: Path, **options: Any) -> Path:
    """The folder an accepted upload became: the uploaded deck's."""
    path = load_upload(files, workdir, **options).path
    assert path is not None
    return path


# --- Zips of a deck folder -------------------------------------------------------------------


@pytest.mark.parametrize(
    "members",
    [
        pytest.param(deck_members(), id="plain"),
        pytest.param(deck_members("djur") | {"djur/": "", "LÄSMIG.txt": "hej"}, id="top-folder"),
        pytest.param(deck_members("djur", sep="\\"), id="windows-backslashes"),
    ],
)
def test_deck_zip_unpacks_to_a_loadable_deck(
    tmp_path: Path, workdir: Path, members: dict[str, bytes | str]
) -> None:
    deck_dir = unpacked([make_zip(tmp_path / "in" / "djur.zip", members)], workdir)
    assert deck_dir.parent.parent == workdir
    assert set(os.listdir(deck_dir)) == DECK_FILES  # LÄSMIG.txt beside the deck folder left out
    assert answers(deck_dir) == ["hund", "katt", "äpple"]
    assert load_deck(deck_dir).name == "Djur på gården"


@pytest.mark.parametrize("flagged", [True, False], ids=["utf8-flag", "archive-utility"])
def test_mac_zip_loses_its_junk_and_gets_nfc_names(
    tmp_path: Path, workdir: Path, flagged: bool
) -> None:
    members = deck_members("djur")
    del members["djur/äpple.png"]
    members |= {
        f"djur/{NFD_APPLE if flagged else 'a__pple.png'}": PICTURES["äpple.png"],
        "__MACOSX/djur/._hund.png": b"\x00\x05\x16\x07 AppleDouble",
        "__MACOSX/._djur": b"\x00\x05\x16\x07",
        "djur/._katt.png": b"\x00\x05\x16\x07",
        "djur/.DS_Store": b"Bud1\x00",
    }
    path = make_zip(tmp_path / "in" / "djur.zip", members)
    if not flagged:
        rename_raw(path, {"a__pple.png": NFD_APPLE.encode()})
    deck_dir = unpacked([path], workdir)
    assert set(os.listdir(deck_dir)) == DECK_FILES  # "äpple.png" composed (NFC), no junk
    assert answers(deck_dir) == ["hund", "katt", "äpple"]
    assert load_deck(deck_dir).warnings == ()  # not even "named 'äpple.png' in the folder"


def test_windows_zip_with_code_page_names(tmp_path: Path, workdir: Path) -> None:
    members = deck_members("djur", sep="\\")
    members["djur\\Xpple.png"] = members.pop("djur\\äpple.png")
    members |= {"djur\\Thumbs.db": b"\xd0\xcf\x11\xe0", "djur\\desktop.ini": "[.ShellClassInfo]"}
    # Code page 437 has "ä" at 0x84, and the bytes are no UTF-8: the name is kept as read.
    path = rename_raw(make_zip(tmp_path / "in" / "djur.zip", members), {"Xpple": b"\x84pple"})
    deck_dir = unpacked([path], workdir)
    assert set(os.listdir(deck_dir)) == DECK_FILES
    assert answers(deck_dir) == ["hund", "katt", "äpple"]


def test_windows_zip_with_capitalised_deck_files(tmp_path: Path, workdir: Path) -> None:
    members = {
        k.replace("items.csv", "Items.CSV").replace("deck.toml", "Deck.TOML"): v
        for k, v in deck_members().items()
    }
    deck_dir = unpacked([make_zip(tmp_path / "in" / "djur.zip", members)], workdir)
    assert answers(deck_dir) == ["hund", "katt", "äpple"]


@pytest.mark.parametrize(
    ("prefix", "name", "deck_name"),
    [("djur", None, "djur"), ("", None, "bilder"), ("djur", "Mina djur", "Mina djur")],
)
def test_zip_without_deck_toml_gets_one(
    tmp_path: Path, workdir: Path, prefix: str, name: str | None, deck_name: str
) -> None:
    members = {k: v for k, v in deck_members(prefix).items() if not k.endswith("deck.toml")}
    path = make_zip(tmp_path / "in" / "bilder.zip", members)
    deck = load_deck(unpacked([path], workdir, name=name))
    assert (deck.name, deck.language, len(deck.cards)) == (deck_name, "sv", 3)


def test_every_upload_gets_a_new_folder(tmp_path: Path, workdir: Path) -> None:
    path = make_zip(tmp_path / "in" / "djur.zip", deck_members())
    first, second = unpacked([path], workdir), unpacked([path], workdir)
    assert first != second
    assert answers(first) == answers(second)


# --- Anki packages ---------------------------------------------------------------------------

NOTES = [['<img src="katt.png">', "en katt", "cat"], ['<img src="hund.png">', "hund", "dog"]]


@pytest.mark.parametrize("file_name", ["djur.apkg", "djur.zip", "djur"])
def test_anki_package_is_found_by_its_content(
    tmp_path: Path, workdir: Path, file_name: str
) -> None:
    media = {"katt.png": picture(), "hund.png": picture(color=(0, 0, 200))}
    apkg = make_apkg(tmp_path / file_name, NOTES, media)
    deck = load_deck(unpacked([apkg], workdir, name="Mina djur"))
    assert sorted((c.article, c.answer) for c in deck.cards) == [("", "hund"), ("en", "katt")]
    assert deck.name == "Mina djur"


def test_anki_errors_keep_their_message(tmp_path: Path, workdir: Path) -> None:
    apkg = make_zip(tmp_path / "ny.apkg", {"collection.anki21b": b"\x28\xb5\x2f\xfd" + b"0" * 64})
    with pytest.raises(AnkiImportError) as anki_error:
        import_anki(apkg, tmp_path / "direct")
    with pytest.raises(UploadError, match="Support older Anki versions") as upload_error:
        unpacked([apkg], workdir)
    assert str(upload_error.value) == str(anki_error.value)
    assert_left_nothing(workdir)


# --- A CSV with its pictures -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("csv_bytes", "csv_name", "name", "deck_name"),
    [
        (CSV.encode(), "Mina djur.csv", None, "Mina djur"),
        (b"\xef\xbb\xbf" + EXCEL_CSV.encode(), "lista.csv", "Djur", "Djur"),
        (("sep=;\n" + CSV.replace(",", ";")).encode(), "items.csv", None, "items"),
        (CSV.replace(",", "\t").encode("utf-8"), "djur.txt", None, "djur"),
    ],
    ids=["comma", "excel-bom-semicolon-crlf", "excel-sep-line", "tab-txt"],
)
def test_csv_with_pictures(
    tmp_path: Path, workdir: Path, csv_bytes: bytes, csv_name: str, name: str | None, deck_name: str
) -> None:
    files = write_files(tmp_path / "in", {csv_name: csv_bytes} | PICTURES)
    deck_dir = unpacked(files, workdir, name=name)
    deck = load_deck(deck_dir)
    assert (deck.name, deck.language) == (deck_name, "sv")
    assert answers(deck_dir) == ["hund", "katt", "äpple"]
    assert (deck_dir / "items.csv").read_bytes() == csv_bytes  # kept as it came: BOM and all


@pytest.mark.parametrize(
    "layout",
    [
        pytest.param(lambda text: text, id="comma"),
        pytest.param(
            lambda text: "\ufeff" + text.replace(",", ";").replace("\n", "\r\n"),
            id="excel-bom-semicolon-crlf",
        ),
        pytest.param(lambda text: "sep=;\n" + text.replace(",", ";"), id="excel-sep-line"),
        pytest.param(lambda text: "SEP=|\r\n" + text.replace(",", "|"), id="sep-line-any-mark"),
        pytest.param(lambda text: text.replace(",", "\t"), id="tab"),
    ],
)
def test_csv_pictures_go_where_the_csv_says(
    tmp_path: Path, workdir: Path, layout: Callable[[str], str]
) -> None:
    text = CSV.replace("hund.png", "bilder/hund.png").replace("äpple.png", "bilder\\Äpple.PNG")
    uploads = {
        "items.csv": layout(text),
        "hund.png": PICTURES["hund.png"],
        NFD_APPLE: PICTURES["äpple.png"],
    }
    files = write_files(tmp_path / "in", uploads | {"katt.png": PICTURES["katt.png"]})
    deck_dir = unpacked(files, workdir)
    assert (deck_dir / "bilder" / "hund.png").read_bytes() == PICTURES["hund.png"]
    assert (deck_dir / "bilder" / "Äpple.PNG").read_bytes() == PICTURES["äpple.png"]
    assert answers(deck_dir) == ["hund", "katt", "äpple"]


def test_csv_with_its_deck_toml_and_folder_junk(tmp_path: Path, workdir: Path) -> None:
    uploads = {"items.csv": CSV, "deck.toml": TOML, ".DS_Store": b"Bud1", "Thumbs.db": b"\xd0"}
    deck_dir = unpacked(write_files(tmp_path / "in", uploads | PICTURES), workdir)
    assert load_deck(deck_dir).name == "Djur på gården"
    assert set(os.listdir(deck_dir)) == DECK_FILES


def test_csv_missing_a_picture_is_left_to_load_deck(tmp_path: Path, workdir: Path) -> None:
    files = write_files(tmp_path / "in", {"djur.csv": CSV, "hund.png": PICTURES["hund.png"]})
    with pytest.raises(DeckError) as error:
        load_upload(files, workdir)
    assert "'katt.png' not found" in str(error.value)
    assert "'äpple.png' not found" in str(error.value)
    assert_left_nothing(workdir)


def test_deck_name_with_quotes_and_controls_is_valid_toml(tmp_path: Path, workdir: Path) -> None:
    files = write_files(tmp_path / "in", {"djur.csv": CSV} | PICTURES)
    deck_dir = unpacked(files, workdir, name='Mina "djur" \\ \x07\x7f\ud800 nu')
    meta = tomllib.loads((deck_dir / "deck.toml").read_text(encoding="utf-8"))
    assert meta["name"] == 'Mina "djur" \\ nu'
    assert load_deck(deck_dir).name == 'Mina "djur" \\ nu'


# --- Refusals ------------------------------------------------------------------------------


def symlink_member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def zip_of(members: dict[str, bytes | str], name: str = "djur.zip") -> Callable[[Path], list[Path]]:
    return lambda folder: [make_zip(folder / name, members)]


def files_of(files: dict[str, bytes | str]) -> Callable[[Path], list[Path]]:
    return lambda folder: write_files(folder, files)


def with_symlink(folder: Path) -> list[Path]:
    path = make_zip(folder / "djur.zip", deck_members("djur"))
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(symlink_member("djur/hund.png.lnk"), "/etc/passwd")
    return [path]


PICTURES_ONLY = {"djur/hund.png": PICTURES["hund.png"], "djur/katt.png": PICTURES["katt.png"]}
SMALL = UploadLimits(
    max_upload_bytes=400_000, zip=ZipLimits(max_total_bytes=150_000, max_members=6)
)
EMPTY_ZIP = b"PK\x05\x06" + b"\x00" * 18


@pytest.mark.parametrize(
    ("build", "limits", "message"),
    [
        pytest.param(
            zip_of(deck_members("djur") | {"../../../evil.txt": "pwned"}),
            None,
            r"djur\.zip holds a path that leaves its folder \('\.\./\.\./\.\./evil\.txt'\)",
            id="zip-slip",
        ),
        pytest.param(
            zip_of(deck_members() | {"/tmp/evil.txt": "pwned"}), None, "absolute path", id="abs"
        ),
        pytest.param(
            zip_of(deck_members() | {"C:\\evil.txt": "pwned"}), None, "absolute path", id="drive"
        ),
        pytest.param(with_symlink, None, r"holds a link \('djur/hund\.png\.lnk'\)", id="symlink"),
        pytest.param(
            zip_of(deck_members() | {"big.png": os.urandom(160_000)}),
            SMALL,
            r"djur\.zip unpacks to over",
            id="declared-size",
        ),
        pytest.param(
            zip_of(deck_members() | {"nollor.png": b"\x00" * (2 * 1024 * 1024)}),
            None,
            r"looks like a zip bomb \(nollor\.png shrank \d+:1\)",
            id="ratio",
        ),
        pytest.param(
            zip_of(deck_members() | {"a.png": b"a", "b.png": b"b"}),
            SMALL,
            "holds 7 files; at most 6 fit",
            id="too-many-files",
        ),
        pytest.param(
            zip_of(PICTURES_ONLY | {"djur/anteckning.pdf": b"%PDF"}),
            None,
            r"djur\.zip holds 2 pictures and 1 other file but no items\.csv",
            id="no-deck",
        ),
        pytest.param(
            zip_of(PICTURES_ONLY | {"djur/lista.csv": CSV, "djur/deck.toml": TOML}),
            None,
            r"holds 2 pictures and lista\.csv and 1 other file .*rename lista\.csv to items\.csv",
            id="csv-misnamed",
        ),
        pytest.param(
            zip_of(deck_members("djur") | deck_members("mat")),
            None,
            r"holds 2 decks \(djur/, mat/\) and none was taken",
            id="two-decks",
        ),
        pytest.param(
            zip_of({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"}),
            None,
            "Excel workbook",
            id="xlsx",
        ),
        pytest.param(
            zip_of(deck_members() | {NFD_APPLE: PICTURES["hund.png"]}),
            None,
            "holds two files named 'äpple.png'",
            id="nfc-twins",
        ),
        pytest.param(
            files_of({"djur.zip": EMPTY_ZIP}), None, r"djur\.zip is empty", id="empty-zip"
        ),
        pytest.param(
            files_of({"djur.zip": png_bytes()}),
            None,
            r"djur\.zip is not a zip file but a PNG picture",
            id="png-named-zip",
        ),
        pytest.param(
            files_of({"djur.apkg": b"\n<!DOCTYPE html><html><body>Sign in</body></html>"}),
            None,
            r"djur\.apkg is not a zip file but a web page",
            id="html-named-apkg",
        ),
        pytest.param(files_of({}), None, "Nothing was uploaded", id="no-files"),
        pytest.param(
            files_of({".DS_Store": b"Bud1"}), None, "Nothing was uploaded", id="only-junk"
        ),
        pytest.param(
            files_of({"djur.csv": CSV, "hund.png": b""}), None, r"hund\.png is empty", id="0-bytes"
        ),
        pytest.param(
            files_of({"djur.csv": CSV}),
            None,
            r"djur\.csv came without any pictures: .*hund\.png, äpple\.png, katt\.png",
            id="csv-alone",
        ),
        pytest.param(
            files_of({"djur.csv": png_bytes()} | PICTURES),
            None,
            r"djur\.csv is not a CSV file \(a PNG picture\)",
            id="png-named-csv",
        ),
        pytest.param(
            files_of({"djur.csv": b"image,answer\n\x00\x01\x02"} | PICTURES),
            None,
            r"djur\.csv is not a CSV file \(not text\)",
            id="binary-csv",
        ),
        pytest.param(
            files_of({"a.csv": CSV, "b.csv": CSV} | PICTURES),
            None,
            r"one CSV listing the cards \(got a\.csv, b\.csv\)",
            id="two-csvs",
        ),
        pytest.param(files_of(PICTURES), None, r"\(got none\)", id="pictures-only"),
        pytest.param(
            lambda folder: [
                make_zip(folder / "djur.zip", deck_members()),
                *write_files(folder, {"hund.png": PICTURES["hund.png"]}),
            ],
            None,
            r"Upload djur\.zip on its own, without hund\.png",
            id="zip-and-more",
        ),
        pytest.param(
            files_of({"djur.csv": CSV} | PICTURES | {"stor.png": os.urandom(400_000)}),
            SMALL,
            r"The upload is 0\.4 MB; at most 0\.38\d* MB fit",
            id="upload-too-large",
        ),
    ],
)
def test_refused_uploads_say_why_and_leave_nothing(
    tmp_path: Path,
    workdir: Path,
    build: Callable[[Path], list[Path]],
    limits: UploadLimits | None,
    message: str,
) -> None:
    files = build(tmp_path / "in")
    with pytest.raises(UploadError, match=message):
        unpacked(files, workdir, limits=limits)
    assert_left_nothing(workdir)
    assert not [p for p in tmp_path.rglob("*") if p.name == "evil.txt"]


def test_sizes_are_refused_before_anything_is_unpacked(
    tmp_path: Path, workdir: Path, zip_opens: Callable[[], list[str]]
) -> None:
    bomb = make_zip(tmp_path / "bomb.zip", deck_members() | {"z.png": b"\x00" * 2_000_000})
    big = make_zip(tmp_path / "big.zip", deck_members() | {"big.png": os.urandom(160_000)})
    opened = zip_opens()
    with pytest.raises(UploadError, match="zip bomb"):
        unpacked([bomb], workdir)
    with pytest.raises(UploadError, match="unpacks to over"):
        unpacked([big], workdir, limits=SMALL)
    assert opened == []


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (UploadLimits(), r"looks like a zip bomb \(hund\.png grows and grows\)"),
        (
            UploadLimits(zip=ZipLimits(max_total_bytes=1_000_000, max_ratio=10**6)),
            "unpacks to over",
        ),
    ],
    ids=["ratio", "total"],
)
def test_bytes_are_counted_while_unpacking(
    tmp_path: Path,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    limits: UploadLimits,
    message: str,
) -> None:
    """A member whose header understates its size is still stopped as it is read."""
    path = make_zip(tmp_path / "in" / "djur.zip", deck_members())
    real_open = zipfile.ZipFile.open
    lied: list[str] = []

    def lying_open(self: zipfile.ZipFile, member: zipfile.ZipInfo | str, *args, **kwargs):
        if isinstance(member, zipfile.ZipInfo) and member.filename == "hund.png":
            lied.append(member.filename)
            return io.BytesIO(b"\x00" * 3_000_000)  # declared: a small picture
        return real_open(self, member, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", lying_open)
    with pytest.raises(UploadError, match=message):
        unpacked([path], workdir, limits=limits)
    assert lied == ["hund.png"]
    assert_left_nothing(workdir)


# --- Saving a deck ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("Djur på gården", "djur-pa-garden"),
        ("Äpplen & Öl", "applen-ol"),
        ("  Frukt  ", "frukt"),
        ("Smörgåsbord!", "smorgasbord"),
        ("Ærø / Ålö", "aero-alo"),
        ("../../etc", "etc"),
        ("???", "deck"),
        ("Sid 2: färger", "sid-2-farger"),
    ],
)
def test_deck_folder_name(name: str, folder: str) -> None:
    assert deck_folder_name(name) == folder


@pytest.fixture
def deck_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "upload"
    write_files(folder, {"deck.toml": TOML, "items.csv": CSV} | PICTURES)
    return folder


def test_save_deck_copies_under_a_slug(tmp_path: Path, deck_dir: Path) -> None:
    (deck_dir / ".DS_Store").write_bytes(b"Bud1")
    outside = tmp_path / "hemlig.txt"
    outside.write_text("hemligt")
    (deck_dir / "hemlig.txt").symlink_to(outside)
    decks = tmp_path / "decks"
    saved = save_deck(deck_dir, decks)
    assert saved == decks / "djur-pa-garden"
    assert os.listdir(decks) == ["djur-pa-garden"]  # no staging folder left
    assert set(os.listdir(saved)) == DECK_FILES  # no link, no .DS_Store
    assert load_deck(saved).name == "Djur på gården"
    assert answers(saved) == ["hund", "katt", "äpple"]


def test_save_deck_refuses_a_taken_name(tmp_path: Path, deck_dir: Path) -> None:
    decks = tmp_path / "decks"
    saved = save_deck(deck_dir, decks)
    (deck_dir / "items.csv").write_text(
        CSV.replace("katt.png,katt", "katt.png,kanin"), encoding="utf-8"
    )
    with pytest.raises(UploadError, match="'djur-pa-garden' already exists"):
        save_deck(deck_dir, decks)
    assert answers(saved) == ["hund", "katt", "äpple"]
    assert os.listdir(decks) == ["djur-pa-garden"]


def test_save_deck_overwrites_when_asked(tmp_path: Path, deck_dir: Path) -> None:
    decks = tmp_path / "decks"
    saved = save_deck(deck_dir, decks)
    (saved / "gammal.png").write_bytes(PICTURES["hund.png"])
    (deck_dir / "items.csv").write_text("image,answer\nhund.png,vovve\n", encoding="utf-8")
    assert save_deck(deck_dir, decks, overwrite=True) == saved
    assert answers(saved) == ["vovve"]
    assert not (saved / "gammal.png").exists()
    assert os.listdir(decks) == ["djur-pa-garden"]


def test_save_deck_refuses_an_invalid_deck(tmp_path: Path, deck_dir: Path) -> None:
    (deck_dir / "katt.png").unlink()
    decks = tmp_path / "decks"
    with pytest.raises(UploadError, match="cannot be saved until it loads:\n  - ") as error:
        save_deck(deck_dir, decks)
    assert "items.csv, line 4: picture 'katt.png' not found" in str(error.value)
    assert str(tmp_path) not in str(error.value)  # the server's folders mean nothing to a teacher
    assert not decks.exists() or os.listdir(decks) == []


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_failed_copy_leaves_nothing_half_written(
    tmp_path: Path, deck_dir: Path, monkeypatch: pytest.MonkeyPatch, overwrite: bool
) -> None:
    decks = tmp_path / "decks"
    if overwrite:
        old = decks / "djur-pa-garden"
        shutil.copytree(deck_dir, old)
        (old / "gammal.png").write_bytes(b"old")
    before = sorted(str(p.relative_to(tmp_path)) for p in decks.rglob("*"))
    real_copyfile, copies = shutil.copyfile, []

    def failing_copyfile(src, dst, *args, **kwargs):
        copies.append(src)
        if len(copies) == 3:
            raise OSError(28, "No space left on device")
        return real_copyfile(src, dst, *args, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", failing_copyfile)
    with pytest.raises(UploadError, match=r"No space left on device.*nothing was changed"):
        save_deck(deck_dir, decks, overwrite=overwrite)
    assert sorted(str(p.relative_to(tmp_path)) for p in decks.rglob("*")) == before


def test_a_failed_swap_puts_the_old_deck_back(
    tmp_path: Path, deck_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decks = tmp_path / "decks"
    saved = save_deck(deck_dir, decks)
    (saved / "gammal.png").write_bytes(b"old")
    real_rename = Path.rename

    def failing_rename(self: Path, target: Path | str) -> Path:
        if self.name == "deck" and Path(target) == saved:
            raise OSError(5, "Input/output error")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", failing_rename)
    with pytest.raises(UploadError, match="Input/output error"):
        save_deck(deck_dir, decks, overwrite=True)
    assert (saved / "gammal.png").read_bytes() == b"old"
    assert os.listdir(decks) == ["djur-pa-garden"]
