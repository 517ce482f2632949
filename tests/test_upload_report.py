"""What a teacher is told about an upload: one zip reader with one set of limits for decks and Anki
packages, the notes an import left out, and messages free of the server's folders."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from game.deck import DeckError
from game.safezip import ZipLimits
from game.upload import MAX_REPORTED, UploadError, UploadLimits, load_upload
from tests.conftest import png_bytes
from tests.test_anki import GOOD, collection, make_apkg, picture, write_zip
from tests.test_upload import (
    CSV,
    PICTURES,
    TOML,
    assert_left_nothing,
    deck_members,
    make_zip,
    write_files,
)

NOTES = [['<img src="katt.png">', "en katt", "cat"], ['<img src="hund.png">', "hund", "dog"]]
MEDIA = {"katt.png": png_bytes(color="red"), "hund.png": png_bytes(color="blue")}


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path / "work"


# --- One reader, one set of limits -----------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "limits", "message"),
    [
        ({"2": b"\x00" * 2_000_000}, None, r"djur\.apkg looks like a zip bomb \(2 shrank \d+:1\)"),
        (
            {"2": os.urandom(160_000)},
            UploadLimits(zip=ZipLimits(max_total_bytes=150_000)),
            r"djur\.apkg unpacks to over",
        ),
        ({"2": b"a", "3": b"b"}, UploadLimits(zip=ZipLimits(max_members=4)), "at most 4 fit"),
    ],
    ids=["ratio", "total", "members"],
)
def test_anki_package_has_the_limits_of_a_deck_zip(
    tmp_path: Path,
    workdir: Path,
    zip_opens: Callable[[], list[str]],
    extra: dict[str, bytes],
    limits: UploadLimits | None,
    message: str,
) -> None:
    apkg = make_apkg(tmp_path / "djur.apkg", NOTES, MEDIA)
    with zipfile.ZipFile(apkg, "a", zipfile.ZIP_DEFLATED) as zf:
        for name, data in extra.items():
            zf.writestr(name, data)
    opened = zip_opens()
    with pytest.raises(UploadError, match=message):
        load_upload([apkg], workdir, limits=limits)
    assert opened == []  # refused from the central directory: nothing was decompressed
    assert_left_nothing(workdir)


def test_a_zip_and_a_package_share_their_defaults() -> None:
    limits = UploadLimits().zip
    assert limits == ZipLimits()
    assert (limits.max_total_bytes, limits.max_ratio) == (300 * 2**20, 100)


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (ZipLimits(), r"djur\.apkg looks like a zip bomb \(1 grows and grows\)"),
        (ZipLimits(max_member_bytes=500_000), r"djur\.apkg is too large: 1 is over 0\.47"),
        (ZipLimits(max_total_bytes=2_000_000, max_ratio=10**6), "unpacks to over"),
    ],
    ids=["ratio", "member", "total"],
)
def test_a_lying_package_member_is_stopped_while_streaming(
    tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch, limits: ZipLimits, message: str
) -> None:
    apkg = make_apkg(tmp_path / "djur.apkg", NOTES, MEDIA)
    real_open, lied = zipfile.ZipFile.open, []

    class Endless(io.RawIOBase):  # yields zeros for ever; only the byte count can stop it
        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            buffer[:] = bytes(len(buffer))
            return len(buffer)

    def lying_open(self: zipfile.ZipFile, member: zipfile.ZipInfo | str, *args, **kwargs):
        if isinstance(member, zipfile.ZipInfo) and member.filename == "1":  # hund.png
            lied.append(member.filename)
            return io.BufferedReader(Endless())
        return real_open(self, member, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", lying_open)
    with pytest.raises(UploadError, match=message):
        load_upload([apkg], workdir, limits=UploadLimits(zip=limits))
    assert lied == ["1"]
    assert_left_nothing(workdir)


# --- What an import left out ----------------------------------------------------------------


def apkg_with_notes_left_out(path: Path) -> Path:
    """An Anki package of four notes: one good, one without a picture (left out), one kept
    without its recording, one whose picture is a BMP (left out)."""
    notes = [
        GOOD,
        ["", "katt", "cat"],  # no picture
        ['<img src="hund.png">', "hund", "[sound:saknas.mp3]"],  # kept, without its recording
        ['<img src="bmp.png">', "mus", ""],
    ]
    media = {"good.png": picture(), "hund.png": picture(), "bmp.png": picture("BMP")}
    return make_apkg(path, notes, media)


def test_notes_left_out_are_in_the_decks_warnings(tmp_path: Path, workdir: Path) -> None:
    deck = load_upload([apkg_with_notes_left_out(tmp_path / "djur.apkg")], workdir)
    assert len(deck.cards) == 2
    assert deck.warnings[:5] == (
        "djur.apkg: 2 of 4 notes were left out (a card needs a picture and a word)",
        "Note 2 (“katt”): left out, it has no picture (no <img> in any field)",
        "Note 4 (“mus”): left out, its picture 'bmp.png' is a BMP file; only PNG, JPEG and "
        "WebP are used",
        "djur.apkg: 1 card kept without its recording",
        "Note 3 (“hund”): kept without its recording, its sound 'saknas.mp3' is not in the package",
    )


def test_a_long_list_of_left_out_notes_is_cut_short(tmp_path: Path, workdir: Path) -> None:
    notes = [GOOD] + [["", f"ord {i}", ""] for i in range(MAX_REPORTED + 5)]
    deck = load_upload([make_apkg(tmp_path / "djur.apkg", notes, {"good.png": picture()})], workdir)
    notes_lines = [w for w in deck.warnings if w.startswith("Note ")]
    assert deck.warnings[0] == (
        f"djur.apkg: {MAX_REPORTED + 5} of {MAX_REPORTED + 6} notes were left out "
        "(a card needs a picture and a word)"
    )
    assert len(notes_lines) == MAX_REPORTED
    assert notes_lines[0] == "Note 2 (“ord 0”): left out, it has no picture (no <img> in any field)"
    assert deck.warnings[MAX_REPORTED + 1] == "… and 5 more notes"


# --- Warnings about what was uploaded, not about files the upload wrote --------------------


def test_an_anki_deck_is_not_blamed_for_a_deck_toml(tmp_path: Path, workdir: Path) -> None:
    deck = load_upload([make_apkg(tmp_path / "djur.apkg", NOTES, MEDIA)], workdir)
    assert len(deck.cards) == 2
    assert not any("deck.toml" in w for w in deck.warnings)
    assert deck.warnings == (
        "djur.apkg: the Anki deck has no licence for its pictures (Anki packages carry none); "
        "save it for everyone only if its pictures may be shared",
    )


@pytest.mark.parametrize(
    ("build", "warning"),
    [
        (
            lambda folder: [
                make_zip(
                    folder / "bilder.zip",
                    {k: v for k, v in deck_members().items() if k != "deck.toml"},
                )
            ],
            "bilder.zip came without a deck.toml, so the deck names no licence for its pictures: "
            'add one to the zip with license = "CC-BY-4.0"',
        ),
        (
            lambda folder: write_files(folder, {"djur.csv": CSV} | PICTURES),
            "djur.csv came without a deck.toml, so the deck names no licence for its pictures: "
            'upload a deck.toml together with it with license = "CC-BY-4.0"',
        ),
        (
            lambda folder: [
                make_zip(
                    folder / "djur.zip",
                    deck_members() | {"deck.toml": 'name = "Djur"\nlanguage = "sv"\n'},
                )
            ],
            "deck.toml: has no license or attribution for its pictures",  # the teacher's own
        ),
    ],
    ids=["zip-without-toml", "csv", "zip-with-toml"],
)
def test_a_missing_licence_is_told_in_terms_of_the_upload(
    tmp_path: Path, workdir: Path, build: Callable[[Path], list[Path]], warning: str
) -> None:
    deck = load_upload(build(tmp_path / "in"), workdir)
    assert len(deck.warnings) == 1
    assert deck.warnings[0].startswith(warning)


def test_a_deck_with_its_licence_has_no_warning(tmp_path: Path, workdir: Path) -> None:
    deck = load_upload(
        write_files(tmp_path / "in", {"djur.csv": CSV, "deck.toml": TOML} | PICTURES), workdir
    )
    assert deck.warnings == ()


def test_a_deck_that_does_not_load_leaves_nothing(tmp_path: Path, workdir: Path) -> None:
    files = write_files(tmp_path / "in", {"djur.csv": CSV, "hund.png": PICTURES["hund.png"]})
    with pytest.raises(DeckError, match=r"'katt\.png' not found"):
        load_upload(files, workdir)
    assert_left_nothing(workdir)


# --- No server paths in what the teacher reads ----------------------------------------------


def corrupt(path: Path) -> Path:
    """Flip the bytes of a stored member: the zip opens, the member fails its CRC check."""
    data = path.read_bytes()
    start = data.index(b"IHDR")
    path.write_bytes(
        data[:start] + bytes(b ^ 0xFF for b in data[start : start + 8]) + data[start + 8 :]
    )
    return path


def stored_zip(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


BROKEN: dict[str, Callable[[Path], list[Path]]] = {
    "crc-deck-zip": lambda d: [corrupt(stored_zip(d / "djur.zip", deck_members()))],
    "crc-apkg": lambda d: [
        corrupt(
            stored_zip(d / "djur.apkg", {"collection.anki2": collection([GOOD]), "0": picture()})
        )
    ],
    "truncated-zip": lambda d: [
        write_files(d, {"djur.zip": make_zip(d / "x.zip", deck_members()).read_bytes()[:300]})[0]
    ],
    "not-sqlite": lambda d: [write_zip(d / "djur.apkg", {"collection.anki2": b"nej" * 100})],
    "bad-media-map": lambda d: [
        write_zip(d / "djur.apkg", {"collection.anki2": collection([GOOD]), "media": "{nej"})
    ],
    "no-usable-note": lambda d: [make_apkg(d / "djur.apkg", [["", "hund", ""]])],
    "vanished": lambda d: [d / "borta.csv"],
    "a-folder": lambda d: [*write_files(d, {"djur.csv": CSV}), (d / "bilder").resolve()],
}


@pytest.mark.parametrize("build", BROKEN.values(), ids=BROKEN.keys())
def test_messages_name_no_server_folder(
    tmp_path: Path, workdir: Path, build: Callable[[Path], list[Path]]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bilder").mkdir()
    files = build(folder)
    with pytest.raises(UploadError) as error:
        load_upload(files, workdir)
    message = str(error.value)
    for path in (tmp_path, workdir, folder, "/tmp", "upload-", "anki-package-"):
        assert str(path) not in message
    assert any(f.name in message for f in files)  # named as the teacher knows it
    assert_left_nothing(workdir)
