"""Importing Anki packages: packages are built here with sqlite3, zipfile and Pillow."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
import tomllib
import unicodedata
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import zstandard
from PIL import Image

from game import anki
from game.anki import AnkiImport, AnkiImportError, import_anki
from game.safezip import ZipLimits

MID = 1_600_000_000_000
FIELDS = ("Bild", "Svenska", "Engelska")
FIRST_NOTE_ID = 1000
HEADER = "image,answer,article,accept,hint,audio,pronunciation"
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 32


@dataclass(frozen=True)
class Note:
    fields: tuple[str, ...]
    mid: int = MID
    did: int = 1


def picture(fmt: str = "PNG", color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), color).save(out, fmt)
    return out.getvalue()


def model(name: str, fields: tuple[str, ...]) -> dict:
    return {"name": name, "flds": [{"name": f, "ord": i} for i, f in enumerate(fields)]}


def collection(
    notes: list[Note | list[str]],
    *,
    models: dict[int, dict] | None = None,
    decks: dict[int, str] | None = None,
    with_cards: bool = True,
) -> bytes:
    """A minimal Anki collection (tables col, notes, cards) as SQLite file bytes."""
    models = models if models is not None else {MID: model("Bild och ord", FIELDS)}
    decks = decks if decks is not None else {1: "Djur"}
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE col (id INTEGER PRIMARY KEY, models TEXT, decks TEXT)")
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, mid INTEGER, flds TEXT)")
    if with_cards:
        db.execute("CREATE TABLE cards (id INTEGER PRIMARY KEY, nid INTEGER, did INTEGER, ord INT)")
    db.execute(
        "INSERT INTO col VALUES (1, ?, ?)",
        (
            json.dumps({str(k): v for k, v in models.items()}),
            json.dumps({str(k): {"id": k, "name": v} for k, v in decks.items()}),
        ),
    )
    for i, note in enumerate(notes):
        note = note if isinstance(note, Note) else Note(tuple(note))
        nid = FIRST_NOTE_ID + i
        db.execute("INSERT INTO notes VALUES (?, ?, ?)", (nid, note.mid, "\x1f".join(note.fields)))
        if with_cards:
            db.execute("INSERT INTO cards VALUES (?, ?, ?, 0)", (nid + 5000, nid, note.did))
    db.commit()
    data = db.serialize()
    db.close()
    return data


def write_zip(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def make_apkg(
    path: Path,
    notes: list[Note | list[str]],
    media: dict[str, bytes] | None = None,
    *,
    collection_member: str = "collection.anki2",
    **collection_options,
) -> Path:
    """A package with the notes, and media stored as members "0", "1", ... like Anki does."""
    media = media or {}
    members: dict[str, bytes | str] = {
        collection_member: collection(notes, **collection_options),
        "media": json.dumps({str(i): name for i, name in enumerate(media)}),
    }
    members.update({str(i): data for i, data in enumerate(media.values())})
    return write_zip(path, members)


def read_rows(deck_dir: Path) -> list[dict[str, str]]:
    with open(deck_dir / "items.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def row(
    image: str, answer: str, article: str = "", audio: str = "", pronunciation: str = ""
) -> dict[str, str]:
    return {
        "image": image,
        "answer": answer,
        "article": article,
        "accept": "",
        "hint": "",
        "audio": audio,
        "pronunciation": pronunciation,
    }


def test_import_writes_cards_media_and_deck_file(tmp_path: Path) -> None:
    notes = [
        ['<img src="katt.png">', "  en   katt ", "cat"],
        [
            "<div><img class='big' src='%C3%A4pple.png'></div>",
            "<b>Ett</b>&nbsp;<i>a\u0308pple</i> <br>",
            "apple [sound:a&amp;pple.mp3]",
        ],
        ['<img src="k&amp;k.png">', "r&ouml;d &amp; vit", ""],
        ["", "glass", '<img src="glass.jpg">'],
    ]
    media = {
        "katt.png": picture(),
        "a\u0308pple.png": picture(color=(0, 200, 0)),  # stored decomposed (NFD), as macOS does
        "a&pple.mp3": MP3,
        "k&k.png": picture(color=(0, 0, 200)),
        "glass.jpg": picture("JPEG"),
        "unused.png": picture(color=(9, 9, 9)),
    }
    out = tmp_path / "deck"
    result = import_anki(make_apkg(tmp_path / "djur.apkg", notes, media), out)

    assert result == AnkiImport(deck_dir=out, cards=4, skipped=(), fields=FIELDS)
    assert (out / "items.csv").read_text(encoding="utf-8").splitlines()[0] == HEADER
    assert read_rows(out) == [
        row("katt.png", "katt", "en"),
        row("äpple.png", "äpple", "ett", audio="a&pple.mp3"),
        row("k&k.png", "röd & vit"),
        row("glass.jpg", "glass"),
    ]
    assert unicodedata.is_normalized("NFC", read_rows(out)[1]["answer"])
    written = {"katt.png", "äpple.png", "a&pple.mp3", "k&k.png", "glass.jpg"}
    assert set(os.listdir(out)) == written | {"deck.toml", "items.csv"}  # unused.png left out
    assert (out / "äpple.png").read_bytes() == media["a\u0308pple.png"]
    assert (out / "a&pple.mp3").read_bytes() == MP3
    meta = tomllib.loads((out / "deck.toml").read_text(encoding="utf-8"))
    assert meta["name"] == "Djur"
    assert meta["language"] == "sv"
    assert "Anki" in meta["description"]


@pytest.mark.parametrize(
    ("answer_field", "answers"),
    [
        ("Engelska", ["cat", "dog"]),
        ("engelska", ["cat", "dog"]),
        ("SVENSKA", ["katt", "hund"]),
        (2, ["cat", "dog"]),
        (1, ["katt", "hund"]),
        (None, ["katt", "hund"]),
    ],
)
def test_answer_field_by_name_or_index(
    tmp_path: Path, answer_field: str | int | None, answers: list[str]
) -> None:
    notes = [['<img src="k.png">', "katt", "cat"], ['<img src="h.png">', "hund", "dog"]]
    apkg = make_apkg(tmp_path / "a.apkg", notes, {"k.png": picture(), "h.png": picture()})
    result = import_anki(apkg, tmp_path / "deck", answer_field=answer_field)
    assert [r["answer"] for r in read_rows(result.deck_dir)] == answers


@pytest.mark.parametrize("answer_field", ["Tyska", 3, -1])
def test_unknown_answer_field_lists_the_fields(tmp_path: Path, answer_field: str | int) -> None:
    apkg = make_apkg(
        tmp_path / "a.apkg", [['<img src="k.png">', "katt", "cat"]], {"k.png": picture()}
    )
    with pytest.raises(AnkiImportError, match=r"'Bild'.*'Svenska'.*'Engelska'"):
        import_anki(apkg, tmp_path / "deck", answer_field=answer_field)
    assert not (tmp_path / "deck").exists()


def test_new_format_package_asks_for_a_legacy_export(tmp_path: Path) -> None:
    # The dummy collection.anki2 is importable on purpose: only checking anki21b first stops it.
    dummy = collection([['<img src="k.png">', "Please update to the latest Anki version", ""]])
    apkg = write_zip(
        tmp_path / "ny.apkg",
        {
            "collection.anki21b": zstandard.ZstdCompressor().compress(b"SQLite format 3\x00" * 64),
            "collection.anki2": dummy,
            "media": json.dumps({"0": "k.png"}),
            "0": picture(),
        },
    )
    with pytest.raises(AnkiImportError, match="Support older Anki versions") as error:
        import_anki(apkg, tmp_path / "deck")
    assert "Export" in str(error.value)
    assert not (tmp_path / "deck").exists()


def test_anki21_collection_wins_over_anki2(tmp_path: Path) -> None:
    apkg = write_zip(
        tmp_path / "samling.colpkg",
        {
            "collection.anki2": collection([['<img src="k.png">', "gammal", ""]]),
            "collection.anki21": collection([['<img src="k.png">', "ny", ""]]),
            "media": json.dumps({"0": "k.png"}),
            "0": picture(),
        },
    )
    result = import_anki(apkg, tmp_path / "deck")
    assert [r["answer"] for r in read_rows(result.deck_dir)] == ["ny"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"this is not a zip", "not a zip"), (b"", "not a zip"), (None, "does not exist")],
)
def test_file_that_is_not_a_package(tmp_path: Path, content: bytes | None, message: str) -> None:
    apkg = tmp_path / "fel.apkg"
    if content is not None:
        apkg.write_bytes(content)
    with pytest.raises(AnkiImportError, match=message):
        import_anki(apkg, tmp_path / "deck")


def test_zip_without_a_collection(tmp_path: Path) -> None:
    apkg = write_zip(tmp_path / "x.apkg", {"media": "{}", "readme.txt": "hej"})
    with pytest.raises(AnkiImportError, match=r"no collection\.anki2"):
        import_anki(apkg, tmp_path / "deck")


GOOD = ['<img src="good.png">', "en kråka", ""]


@pytest.mark.parametrize(
    ("bad", "media", "reason"),
    [
        (["", "hund", "dog"], {}, "no picture"),
        (['<img src="saknas.png">', "hund", ""], {}, "'saknas.png' is not in the package"),
        (
            ['<img src="hund.png">', "hund", ""],
            {"hund.png": b"plain text"},
            "not a readable picture",
        ),
        (['<img src="hund.png">', "hund", ""], {"hund.png": picture("BMP")}, "is a BMP file"),
        (['<img src="hund.png">', "&nbsp;<br>", "[sound:h.mp3]"], {"hund.png": picture()}, "empty"),
        (['<img src="hund.png">', "ett KRÅKA", ""], {"hund.png": picture()}, "same answer"),
        (['<img src="hund.png">', "KRA\u030aKA", ""], {"hund.png": picture()}, "same answer"),
        (['<img src="hund.png">', "x" * 81, ""], {"hund.png": picture()}, "over 80 characters"),
        (Note(('<img src="hund.png">', "hund"), mid=42), {"hund.png": picture()}, "note type"),
    ],
    ids=[
        "no-picture",
        "missing-media",
        "not-a-picture",
        "bmp-named-png",
        "empty-answer",
        "duplicate-case",
        "duplicate-nfd",
        "too-long",
        "unknown-note-type",
    ],
)
def test_notes_left_out_with_a_reason(
    tmp_path: Path, bad: Note | list[str], media: dict[str, bytes], reason: str
) -> None:
    apkg = make_apkg(tmp_path / "a.apkg", [GOOD, bad], {"good.png": picture(), **media})
    result = import_anki(apkg, tmp_path / "deck")
    assert result.cards == 1
    assert read_rows(result.deck_dir) == [row("good.png", "kråka", "en")]
    assert len(result.skipped) == 1
    assert result.skipped[0].note == 2  # its place among the notes, not Anki's id
    assert reason in result.skipped[0].reason
    assert str(result.skipped[0]).startswith("note 2")
    assert set(os.listdir(result.deck_dir)) == {"deck.toml", "items.csv", "good.png"}


def test_no_usable_note_is_an_error(tmp_path: Path) -> None:
    apkg = make_apkg(tmp_path / "a.apkg", [["", "hund", "dog"], ["", "katt", "cat"]])
    with pytest.raises(AnkiImportError, match="no picture"):
        import_anki(apkg, tmp_path / "deck")
    assert not (tmp_path / "deck").exists()


@pytest.mark.parametrize(
    ("source", "fmt", "written", "written_format"),
    [
        ("bild.png", "PNG", "bild.png", "PNG"),
        ("foto.png", "JPEG", "foto.jpg", "JPEG"),
        ("foto.JPEG", "JPEG", "foto.JPEG", "JPEG"),
        ("bild.dat", "WEBP", "bild.webp", "WEBP"),
        ("anim.gif", "GIF", "anim.png", "PNG"),
    ],
)
def test_picture_format_is_judged_by_its_bytes(
    tmp_path: Path, source: str, fmt: str, written: str, written_format: str
) -> None:
    apkg = make_apkg(
        tmp_path / "a.apkg", [[f'<img src="{source}">', "bild"]], {source: picture(fmt)}
    )
    result = import_anki(apkg, tmp_path / "deck")
    assert read_rows(result.deck_dir)[0]["image"] == written
    with Image.open(result.deck_dir / written) as img:
        assert img.format == written_format


@pytest.mark.parametrize(
    ("sound", "media"),
    [("saknas.mp3", {}), ("fel.mp3", {"fel.mp3": b"not a recording"})],
)
def test_card_keeps_no_audio_when_the_sound_is_unusable(
    tmp_path: Path, sound: str, media: dict[str, bytes]
) -> None:
    notes = [['<img src="k.png">', "katt", f"[sound:{sound}]"]]
    apkg = make_apkg(tmp_path / "a.apkg", notes, {"k.png": picture(), **media})
    result = import_anki(apkg, tmp_path / "deck")
    assert read_rows(result.deck_dir) == [row("k.png", "katt")]
    assert set(os.listdir(result.deck_dir)) == {"deck.toml", "items.csv", "k.png"}
    assert result.skipped == ()
    assert [(n.note, n.text) for n in result.no_audio] == [(1, "katt")]
    assert f"sound {sound!r}" in result.no_audio[0].reason


def test_hostile_media_names_land_inside_the_deck(tmp_path: Path) -> None:
    names = ["../evil.png", "/abs.png", "..\\win.png", "x/evil.png", "nul\x00.png", "items.csv"]
    notes = [
        [f'<img src="{n.replace(chr(0), "%00")}">', f"ord {i}", ""] for i, n in enumerate(names)
    ]
    notes.append(['<img src="ok.png">', "ljud", "[sound:deck.toml]"])
    media = {n: picture(color=(i, 0, 0)) for i, n in enumerate(names)}
    members = {
        "collection.anki2": collection(notes),
        "media": json.dumps(
            {**{str(i): n for i, n in enumerate(names)}, "6": "ok.png", "7": "deck.toml"}
        ),
        **{str(i): data for i, data in enumerate(media.values())},
        "6": picture(),
        "7": MP3,
    }
    apkg = write_zip(tmp_path / "a.apkg", members)
    out = tmp_path / "deck"
    result = import_anki(apkg, out)

    images = [r["image"] for r in read_rows(out)]
    assert images == [
        "evil.png",
        "abs.png",
        "win.png",
        "evil-2.png",
        "nul_.png",
        "items.png",
        "ok.png",
    ]
    assert read_rows(out)[-1]["audio"] == "deck-2.toml"
    assert result.cards == 7
    assert {p.parent for p in out.rglob("*")} == {out}
    assert sorted(os.listdir(tmp_path)) == ["a.apkg", "deck"]
    assert not Path("/abs.png").exists()
    assert tomllib.loads((out / "deck.toml").read_text(encoding="utf-8"))["language"] == "sv"
    assert (out / "items.png").read_bytes() == media["items.csv"]


def symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"../../slip": b"x"}, r"a\.apkg holds a path that leaves its folder \('\.\./\.\./slip'\)"),
        ({"/abs": b"x"}, r"a\.apkg holds an absolute path"),
        ({symlink("2"): "/etc/passwd"}, r"a\.apkg holds a link \('2'\)"),
        ({"0": b"twin"}, r"a\.apkg holds two files named '0'"),
        ({"0.png": b"\x00" * 2_000_000}, r"a\.apkg looks like a zip bomb \(0\.png shrank \d+:1\)"),
    ],
    ids=["zip-slip", "absolute", "symlink", "duplicate", "ratio"],
)
def test_unsafe_package_is_refused_before_anything_is_unpacked(
    tmp_path: Path,
    zip_opens: Callable[[], list[str]],
    extra: dict[str | zipfile.ZipInfo, bytes | str],
    message: str,
) -> None:
    """The same checks as a zipped deck folder (game.safezip), from the central directory."""
    apkg = make_apkg(tmp_path / "a.apkg", [GOOD], {"good.png": picture()})
    with warnings.catch_warnings(), zipfile.ZipFile(apkg, "a") as zf:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name: that is the test
        for name, data in extra.items():
            zf.writestr(name, data, zipfile.ZIP_DEFLATED)
    opened = zip_opens()
    with pytest.raises(AnkiImportError, match=message):
        import_anki(apkg, tmp_path / "deck")
    assert opened == []
    assert sorted(os.listdir(tmp_path)) == ["a.apkg"]


def test_bytes_are_counted_while_unpacking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A member whose header understates its size is still stopped as it is written."""
    notes = [GOOD, ['<img src="liar.png">', "lögn", ""]]
    apkg = make_apkg(tmp_path / "a.apkg", notes, {"good.png": picture(), "liar.png": picture()})
    real_open = zipfile.ZipFile.open
    lied: list[str] = []

    def lying_open(self: zipfile.ZipFile, member: zipfile.ZipInfo | str, *args, **kwargs):
        name = member.filename if isinstance(member, zipfile.ZipInfo) else member
        if name == "1":  # liar.png: declared tiny, yields far more
            lied.append(name)
            return io.BytesIO(b"\x00" * 300_000)
        return real_open(self, member, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", lying_open)
    limits = ZipLimits(max_member_bytes=200_000)
    with pytest.raises(AnkiImportError, match=r"a\.apkg is too large: 1 is over"):
        import_anki(apkg, tmp_path / "deck", limits=limits)
    assert lied == ["1"]
    assert sorted(os.listdir(tmp_path)) == ["a.apkg"]  # the unpacked part is gone too


def test_collection_over_the_member_limit_is_refused(tmp_path: Path) -> None:
    apkg = make_apkg(tmp_path / "a.apkg", [GOOD], {"good.png": picture()})
    limits = ZipLimits(max_member_bytes=1000)  # an SQLite file is several KB
    with pytest.raises(AnkiImportError, match=r"collection\.anki2 is over"):
        import_anki(apkg, tmp_path / "deck", limits=limits)


def test_package_over_the_total_limit_is_refused(tmp_path: Path) -> None:
    apkg = make_apkg(tmp_path / "a.apkg", [GOOD], {"good.png": picture()})
    with zipfile.ZipFile(apkg) as zf:
        collection_size = zf.getinfo("collection.anki2").file_size
    limits = ZipLimits(max_total_bytes=collection_size + 10)
    with pytest.raises(AnkiImportError, match="unpacks to over"):
        import_anki(apkg, tmp_path / "deck", limits=limits)
    assert not (tmp_path / "deck").exists()


def test_too_many_members_are_refused(tmp_path: Path) -> None:
    media = {f"{i}.png": picture() for i in range(5)}
    apkg = make_apkg(tmp_path / "a.apkg", [GOOD], media)
    with pytest.raises(AnkiImportError, match="holds 7 files; at most 6 fit"):
        import_anki(apkg, tmp_path / "deck", limits=ZipLimits(max_members=6))


def test_shared_picture_is_unpacked_and_written_once(tmp_path: Path) -> None:
    notes = [['<img src="k.png">', "katt"], ['<img src="k.png">', "kisse"]]
    apkg = make_apkg(tmp_path / "a.apkg", notes, {"k.png": picture()})
    with zipfile.ZipFile(apkg) as zf:
        unpacked = sum(info.file_size for info in zf.infolist())
    limits = ZipLimits(max_total_bytes=unpacked)  # no room to unpack k.png twice
    result = import_anki(apkg, tmp_path / "deck", limits=limits)
    assert [r["image"] for r in read_rows(result.deck_dir)] == ["k.png", "k.png"]
    assert set(os.listdir(result.deck_dir)) == {"deck.toml", "items.csv", "k.png"}


def test_endless_collection_query_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE col (models TEXT, decks TEXT)")
    db.execute("INSERT INTO col VALUES (?, '{}')", (json.dumps({str(MID): model("M", FIELDS)}),))
    db.execute(  # a crafted collection: "notes" is a view that never ends
        "CREATE VIEW notes AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
        "SELECT i AS id, 1 AS mid, '' AS flds FROM n"
    )
    apkg = write_zip(tmp_path / "a.apkg", {"collection.anki2": db.serialize(), "media": "{}"})
    monkeypatch.setattr(anki, "SQL_SECONDS", 0.2)
    with pytest.raises(AnkiImportError, match="not an Anki collection"):
        import_anki(apkg, tmp_path / "deck")


@pytest.mark.parametrize("occupied", ["file-inside", "is-a-file"])
def test_out_dir_must_be_new_or_empty(tmp_path: Path, occupied: str) -> None:
    apkg = make_apkg(tmp_path / "a.apkg", [GOOD], {"good.png": picture()})
    out = tmp_path / "deck"
    if occupied == "file-inside":
        out.mkdir()
        (out / "notes.txt").write_text("keep me")
    else:
        out.write_text("keep me")
    with pytest.raises(AnkiImportError, match="not an empty folder"):
        import_anki(apkg, out)
    kept = out / "notes.txt" if occupied == "file-inside" else out
    assert kept.read_text() == "keep me"
    if occupied == "file-inside":
        assert os.listdir(out) == ["notes.txt"]


def test_empty_existing_out_dir_is_used(tmp_path: Path) -> None:
    (tmp_path / "deck").mkdir()
    result = import_anki(
        make_apkg(tmp_path / "a.apkg", [GOOD], {"good.png": picture()}), tmp_path / "deck"
    )
    assert result.cards == 1


@pytest.mark.parametrize(
    ("name", "decks", "dids", "with_cards", "expected"),
    [
        ("Mina ord", {1: "Djur"}, [1, 1], True, "Mina ord"),
        (None, {1: "Default", 2: "Svenska::Djur"}, [2, 2, 1], True, "Svenska / Djur"),
        (None, {1: "Default"}, [1, 1], True, "mina-ord"),
        (None, {1: "Djur"}, [1, 1], False, "mina-ord"),
        ('Ord "1" \\ ny\nrad\ttab\x7f', {1: "Djur"}, [1], True, 'Ord "1" \\ ny\nrad\ttab\x7f'),
    ],
)
def test_deck_name(
    tmp_path: Path,
    name: str | None,
    decks: dict[int, str],
    dids: list[int],
    with_cards: bool,
    expected: str,
) -> None:
    notes = [Note((f'<img src="{i}.png">', f"ord {i}"), did=did) for i, did in enumerate(dids)]
    media = {f"{i}.png": picture() for i in range(len(dids))}
    apkg = make_apkg(tmp_path / "mina-ord.apkg", notes, media, decks=decks, with_cards=with_cards)
    result = import_anki(apkg, tmp_path / "deck", name=name)
    meta = tomllib.loads((result.deck_dir / "deck.toml").read_text(encoding="utf-8"))
    assert meta["name"] == expected


def test_imported_deck_loads(tmp_path: Path) -> None:
    from game.deck import load_deck

    notes = [
        ['<img src="katt.png">', "en katt", "[sound:katt.mp3]"],
        ['<img src="äpple.jpg">', "ett äpple", ""],
        ['<img src="glass.webp">', "glass", ""],
    ]
    media = {
        "katt.png": picture(),
        "katt.mp3": MP3,
        "äpple.jpg": picture("JPEG"),
        "glass.webp": picture("WEBP"),
    }
    result = import_anki(make_apkg(tmp_path / "a.apkg", notes, media), tmp_path / "deck")
    deck = load_deck(result.deck_dir)
    assert deck.name == "Djur"
    assert [(c.article, c.answer) for c in deck.cards] == [
        ("en", "katt"),
        ("ett", "äpple"),
        ("", "glass"),
    ]
    assert deck.cards[0].audio is not None
