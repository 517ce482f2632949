"""Reloads of every kind in a real browser (Chromium through Playwright): each ends on a working
screen (a picture, an answer judged, no error), with a plain sentence where something was lost.

A reload during a round of a deck everyone has and of an uploaded deck: tests/test_browser.py
and tests/test_browser_screen.py. Here: a class's deck, a restart of the server (the round of a
deck everyone has goes on; an uploaded deck is gone), an uploaded deck the server let go or whose
folder was removed mid-round, and a browser whose storage was edited before the reload.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import app
import game
from tests.conftest import png_bytes
from tests.test_app import zipped_deck
from tests.test_browser import (  # noqa: F401  (browser: a fixture)
    DESKTOP,
    PHONE,
    TIMEOUT_MS,
    browser,
    free_port,
    picture_deck,
)
from ui.files import digest

WORDS = {"hund": "orange", "katt": "blue"}
UPLOADED = "Testdjur (uploaded)"
GONE = "Your uploaded deck Testdjur is no longer on this server"


@contextmanager
def served(port: int, work_dir: Path, deck: game.Deck, **options) -> Iterator[str]:
    """The app on `port`, as `app.launch` serves it; a second one on the same port and secret is
    the same server restarted (its memory and work folder are new, the browsers' storage not)."""
    settings = app.AppOptions(secret="x" * 32, work_dir=work_dir, **options)
    demo = app.build_demo({deck.name: deck}, app.Model(), settings)
    _, url, _ = app.launch(demo, prevent_thread_lock=True, server_name="127.0.0.1",
                           server_port=port, quiet=True, ssr_mode=False)  # fmt: skip
    try:
        yield url
    finally:
        app.close(demo)


def new_page(browser, url: str, viewport: dict[str, int] = DESKTOP):  # noqa: F811
    """A new player's page (a browser's own storage), its first picture shown; a join link
    opens the class tab instead."""
    page = browser.new_context(viewport=viewport).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    if "?class=" in url:
        page.get_by_label("Your name").wait_for()
    else:
        page.locator("#picture img").wait_for()
    return page


def words_of(folder: Path) -> dict[str, str]:
    """The answer of each picture in a deck folder (its items.csv: image,answer,article first),
    by the name the picture is served under (from its content)."""
    answers = {}
    for line in (folder / "items.csv").read_text().splitlines()[1:]:
        image, answer, article = line.split(",")[:3]
        answers[digest(folder / image)] = f"{article} {answer}"
    return answers


def word_on_screen(page, answers: dict[str, str]) -> str:
    src = page.locator("#picture img").get_attribute("src") or ""
    return next(answer for name, answer in answers.items() if name in src)


def type_answer(page, text: str) -> None:
    box = page.get_by_label("No microphone? Type it")
    box.fill(text)
    box.press("Enter")


def reload(page) -> None:
    page.wait_for_timeout(500)  # the browser's storage is written after the step
    page.reload()
    page.locator("#picture img").wait_for()


def plays_on(page) -> None:
    """The screen works: an answer is judged, and nothing says "Error"."""
    from playwright.sync_api import expect

    type_answer(page, "en elefant")
    expect(page.locator("#feedback").last).to_contain_text("You typed")
    page.wait_for_timeout(500)
    assert page.locator(".toast-body").count() == 0
    assert page.get_by_text("Error", exact=True).count() == 0


def upload(page, folder: Path, target: Path) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Decks").click()
    page.locator("#deck-files input[type=file]").set_input_files(str(zipped_deck(folder, target)))
    page.get_by_role("button", name="Check and play").click()
    expect(page.locator("#deck-report")).to_contain_text("✓")
    page.get_by_role("tab", name="Play").click()


def test_a_student_reloading_goes_on_with_the_class_deck(browser, tmp_path, make_deck):  # noqa: F811
    """A student reloads during a round of their class's own deck (one the teacher uploaded),
    then again after the server restarted, which lost it: "Join the class" gets it back."""
    from playwright.sync_api import expect

    pictures = {"hund.png": "red", "apple.png": "blue", "katt.png": "green"}  # each its own
    own = make_deck(pictures={name: png_bytes(color=c) for name, c in pictures.items()})
    answers = words_of(own)
    deck, port = picture_deck("Två", tmp_path, WORDS), free_port()
    db = f"sqlite:///{tmp_path / 'classes.db'}"
    with served(port, tmp_path / "work", deck, db_url=db) as url:
        teacher = new_page(browser, url)
        upload(teacher, own, tmp_path / "djur.zip")
        teacher.get_by_role("tab", name="Class").click()
        teacher.get_by_role("button", name=re.compile("For teachers")).click()
        teacher.get_by_label("Class name").fill("7B")
        teacher.get_by_label("Decks the class plays").click()
        teacher.get_by_role("option", name=UPLOADED).click()
        teacher.get_by_role("button", name="Create the class").click()
        expect(teacher.get_by_text("0 students", exact=False)).to_be_visible()
        code = re.search(r"Join code: (\w+)", teacher.locator("body").inner_text()).group(1)

        student = new_page(browser, f"{url}?class={code}", PHONE)
        student.get_by_label("Your name").fill("Anna")
        student.get_by_role("button", name="Join the class").click()
        expect(student.locator("#deck-menu input")).to_have_value(UPLOADED)
        expect(student.locator(".round-progress")).to_contain_text("Card 1 of 3")
        type_answer(student, word_on_screen(student, answers))
        expect(student.locator("#feedback")).to_contain_text("Right")
        reload(student)
        expect(student.locator("#feedback")).to_contain_text("Welcome back")
        expect(student.locator("#class-line")).to_contain_text(re.compile(r"Anna · PIN \d{4}"))
        expect(student.locator("#deck-menu input")).to_have_value(UPLOADED)
        expect(student.locator(".round-progress")).to_contain_text("Card 2 of 3")
        assert word_on_screen(student, answers)  # the class deck's picture
        plays_on(student)
        # The class sees the answer given before the reload.
        teacher.get_by_role("tab", name="Class").click()
        expect(teacher.get_by_text("1 students", exact=False)).to_be_visible(timeout=15_000)
    with served(port, tmp_path / "restarted", deck, db_url=db):
        reload(student)  # in the class already: the join link in the address leaves the play tab
        expect(student.locator("#feedback")).to_contain_text(
            "Your class's deck Testdjur is no longer on this server: press “Join the class”"
        )
        expect(student.locator("#class-line")).to_contain_text("Anna · PIN")
        plays_on(student)
        student.get_by_role("tab", name="Class").click()
        expect(student.get_by_label("Your name")).to_have_value("Anna")  # filled in
        student.get_by_role("button", name="Join the class").click()
        expect(student.locator("#deck-menu input")).to_have_value(UPLOADED)
        assert word_on_screen(student, answers)
        plays_on(student)


def test_after_a_restart_a_round_goes_on_or_its_lost_deck_is_said(browser, tmp_path, make_deck):  # noqa: F811
    from playwright.sync_api import expect

    deck, port = picture_deck("Två", tmp_path, WORDS), free_port()
    with served(port, tmp_path / "before", deck) as url:
        everyone = new_page(browser, url)
        everyone.get_by_role("button", name="⏭ Skip").click()
        expect(everyone.locator(".round-progress")).to_contain_text("Card 2 of 2")
        uploader = new_page(browser, url)
        upload(uploader, make_deck(), tmp_path / "djur.zip")
        expect(uploader.locator("#deck-menu input")).to_have_value(UPLOADED)
        uploader.get_by_role("button", name="⏭ Skip").click()
        expect(uploader.locator(".round-progress")).to_contain_text("Card 2 of 3")
        uploader.wait_for_timeout(500)
    with served(port, tmp_path / "after", deck):  # the same server, restarted
        reload(everyone)
        expect(everyone.locator("#feedback")).to_contain_text("Welcome back")
        expect(everyone.locator(".round-progress")).to_contain_text("Card 2 of 2")
        plays_on(everyone)
        reload(uploader)
        expect(uploader.locator("#feedback")).to_contain_text(GONE)
        expect(uploader.locator("#deck-menu input")).to_have_value("Två")
        plays_on(uploader)


def test_an_upload_let_go_or_removed_mid_round_is_said(browser, tmp_path, make_deck):  # noqa: F811
    """The server keeps room for one small deck: a second upload makes it let go of the first;
    then the second's folder is removed from disk while its player plays."""
    from playwright.sync_api import expect

    deck, work = picture_deck("Två", tmp_path, WORDS), tmp_path / "work"
    first, second = make_deck(), make_deck(["ko.png,ko,en,,,", "gris.png,gris,en,,,"])
    room = sum(p.stat().st_size for p in first.rglob("*")) * 3 // 2
    with served(free_port(), work, deck, uploads_disk_bytes=room) as url:
        early = new_page(browser, url)
        upload(early, first, tmp_path / "first.zip")
        early.get_by_role("button", name="⏭ Skip").click()
        expect(early.locator(".round-progress")).to_contain_text("Card 2 of 3")
        late = new_page(browser, url)
        upload(late, second, tmp_path / "second.zip")  # the server lets the first go
        type_answer(early, "en elefant")
        expect(early.locator(".toast-body")).to_contain_text(GONE)  # the step says so
        reload(early)
        expect(early.locator("#feedback")).to_contain_text(GONE)
        plays_on(early)

        folder = next((work / "uploads").glob("upload-*/deck"))  # the one left: the second
        shutil.rmtree(folder.parent)
        type_answer(late, "en elefant")
        expect(late.locator(".toast-body")).to_contain_text(GONE)
        reload(late)
        expect(late.locator("#feedback")).to_contain_text(GONE)
        plays_on(late)


FORGED = {
    # storage key: the stored value of another key, or what is not the app's at all
    "uploads-are-the-progress": {"sag-det-uploads": "sag-det-progress"},
    "uploads-are-the-settings": {"sag-det-uploads": "sag-det-settings"},
    "settings-and-seat-are-the-progress": {"sag-det-settings": "sag-det-progress",
                                           "sag-det-class": "sag-det-progress"},
    "not-encrypted": {"sag-det-uploads": None, "sag-det-settings": None},
}  # fmt: skip


@pytest.mark.parametrize("forged", FORGED.values(), ids=FORGED)
def test_a_reload_with_forged_storage_ends_on_a_working_screen(browser, tmp_path, make_deck,  # noqa: F811
                                                                forged):  # fmt: skip
    """The browser holds the key its storage is encrypted with: a player can put anything
    there. Here a value is moved under another key (valid, but not what the app wrote there),
    or replaced by text that is not encrypted at all, before the page is reloaded."""
    from playwright.sync_api import expect

    deck = picture_deck("Två", tmp_path, WORDS)
    with served(free_port(), tmp_path / "work", deck) as url:
        page = new_page(browser, url)
        upload(page, make_deck(), tmp_path / "djur.zip")
        page.get_by_role("button", name="⏭ Skip").click()
        expect(page.locator(".round-progress")).to_contain_text("Card 2 of 3")
        page.wait_for_timeout(500)
        page.evaluate("""(forged) => {
          const kept = Object.fromEntries(Object.keys(forged).map((k) => [k, forged[k] &&
            localStorage.getItem(forged[k])]));
          for (const [key, value] of Object.entries(kept))
            localStorage.setItem(key, value ?? "not:encrypted");
        }""", forged)  # fmt: skip
        reload(page)
        feedback = page.locator("#feedback")
        if "sag-det-uploads" in forged:  # the round's deck cannot be found: said
            expect(feedback).to_contain_text("The deck Testdjur of your round is no longer")
            expect(page.locator("#deck-menu input")).to_have_value("Två")
        else:  # the uploads are the app's: the round goes on
            expect(feedback).to_contain_text("Welcome back")
            expect(page.locator("#deck-menu input")).to_have_value(UPLOADED)
        plays_on(page)
