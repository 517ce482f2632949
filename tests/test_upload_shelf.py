"""Uploaded decks on the server's disk: held while played, deleted when let go, capped in bytes.

A public server takes uploads for as long as it runs; the shelf (`ui.files.UploadShelf`) keeps
the decks within a byte cap, letting the one used longest ago go first, and a player whose deck
was let go anyway is told so, never shown a traceback.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import gradio as gr
import pytest

import game
from tests.conftest import png_bytes
from ui import AppOptions, Context, Model, decks
from ui import play as handlers
from ui.files import NeutralNames

UPLOADS = 100


class Heard:
    def transcribe(self, audio, sample_rate=None):
        raise AssertionError("these tests type their answers")


def context(tmp_path: Path, cap: int, **options: object) -> Context:
    image = tmp_path / "hund.png"
    image.write_bytes(png_bytes())
    deck = game.Deck("Djur", (game.Card("hund", "en", image=image),))
    settings = AppOptions(secret="s" * 32, work_dir=tmp_path / "work", uploads_disk_bytes=cap,
                          **options)  # type: ignore[arg-type]  # fmt: skip
    return Context.create({deck.name: deck}, Model(ready=Heard()), settings)


def zipped(folder: Path, target: Path) -> str:
    with zipfile.ZipFile(target, "w") as archive:
        for path in folder.rglob("*"):
            archive.write(path, path.relative_to(folder.parent))
    return str(target)


def on_disk(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def upload(ctx: Context, archive: str) -> tuple[str, dict]:
    """One teacher's upload, as the app's event runs it; the report and the tab's decks."""
    report, uploaded, menu, _ = decks.upload(ctx, [archive], "", {})
    assert report.startswith("### ✓"), report
    return menu["value"], uploaded


@pytest.fixture
def archive(make_deck, tmp_path) -> str:
    return zipped(make_deck(), tmp_path / "djur.zip")


def test_a_hundred_uploads_leave_at_most_the_cap_on_disk(tmp_path, archive):
    (tmp_path / "probe").mkdir()
    probe = context(tmp_path / "probe", cap=10**9)
    upload(probe, archive)
    one = on_disk(probe.upload_dir)
    cap = 5 * one + one // 2  # room for five decks
    ctx = context(tmp_path, cap)
    for n in range(UPLOADS):
        key, uploaded = upload(ctx, archive)
        assert on_disk(ctx.upload_dir) <= cap, f"after upload {n + 1}"
    assert len(list(ctx.upload_dir.iterdir())) == 5 == ctx.uploads.bytes // one
    screen = handlers.begin(ctx, {}, key, uploaded)  # the newest plays
    assert "Card 1 of 3" in screen.progress


def test_a_deck_being_played_is_kept_while_others_upload(tmp_path, archive, make_deck):
    ctx = context(tmp_path, cap=3 * on_disk(Path(archive).parent / "deck0") + 4096)
    key, tab = upload(ctx, archive)
    stored = handlers.begin(ctx, {}, key, tab).stored
    others = zipped(make_deck(), tmp_path / "others.zip")
    for _ in range(UPLOADS):
        upload(ctx, others)  # other teachers, one after another
        stored = handlers.next_card(ctx, stored, key, tab).stored  # this player plays on
    assert tab[key].path.is_dir() and ctx.uploads.token_of(tab[key]) is not None
    reply = handlers.answer_text(ctx, "en hund", stored, key, tab, None, True)
    assert "feedback" in reply.screen.feedback


def test_a_player_whose_deck_was_let_go_is_told_so(tmp_path, archive, make_deck):
    room = 3 * on_disk(Path(archive).parent / "deck0") + 4096
    ctx = context(tmp_path, room, allow_saving_decks=True, decks_dir=tmp_path / "saved")
    key, tab = upload(ctx, archive)
    remembered = decks.remember(ctx, key, tab, {})
    screen = handlers.begin(ctx, {}, key, tab)
    stored, picture = screen.stored, Path(screen.picture)
    folder = tab[key].path
    others = zipped(make_deck(), tmp_path / "others.zip")
    for _ in range(UPLOADS):  # the player has walked away meanwhile
        upload(ctx, others)
    assert not folder.exists() and not picture.exists()  # the deck and its served copies
    for step in (
        lambda: handlers.answer_text(ctx, "en hund", stored, key, tab, None, True),
        lambda: handlers.hint(ctx, stored, key, tab, None, True),
        lambda: handlers.next_card(ctx, stored, key, tab),
        lambda: handlers.begin(ctx, stored, key, tab, {"lang": "sv"}),
        lambda: decks.save_for_everyone(ctx, key, tab),
    ):
        with pytest.raises(gr.Error, match=r"Testdjur (is no longer on this server|finns inte)"):
            step()
    assert decks.credits(ctx, key, tab) == ""
    # A reload: said in the feedback, and the round goes on with a deck that is there.
    again = decks.on_load(ctx, stored, "Djur", tab, remembered, None)
    assert "no longer on this server" in again.screen.feedback and key not in again.uploaded


def test_a_deck_larger_than_all_the_room_is_refused_and_deleted(tmp_path, archive):
    ctx = context(tmp_path, cap=1000)
    report, uploaded, *_ = decks.upload(ctx, [archive], "", {})
    assert report.startswith("### ✗") and "MB of uploaded decks" in report
    assert uploaded == {} and on_disk(ctx.upload_dir) == 0


def test_a_served_copy_goes_only_when_no_deck_holds_its_picture(tmp_path):
    public = NeutralNames(tmp_path / "public")
    first, second = tmp_path / "a" / "deck", tmp_path / "b" / "deck"
    for folder in (first, second):
        folder.mkdir(parents=True)
        (folder / "hund.png").write_bytes(png_bytes())
    copy = Path(public.public(first / "hund.png"))
    assert public.public(second / "hund.png") == str(copy)  # one copy serves both
    public.forget(first.parent)
    assert copy.exists()
    public.forget(second.parent)
    assert not copy.exists() and public.known == {}
