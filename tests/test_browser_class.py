"""A class in a real browser: the teacher makes it, two students join by the link and answer,
and the teacher's dashboard shows both (Chromium through Playwright)."""

from __future__ import annotations

import re
import time

import pytest

from tests.test_browser import (  # noqa: F401  (browser: a fixture)
    DESKTOP,
    PHONE,
    TIMEOUT_MS,
    browser,
    picture_deck,
    serve,
)
from ui.files import digest

WORDS = {"hund": "orange", "katt": "blue"}


@pytest.fixture(scope="module")
def served(tmp_path_factory, browser):  # noqa: F811
    deck = picture_deck("Klassens djur", tmp_path_factory.mktemp("pics"), WORDS)
    import app

    db = tmp_path_factory.mktemp("db") / "classes.db"
    with serve({deck.name: deck}, app.Model(), tmp_path_factory.mktemp("work"),
               db_url=f"sqlite:///{db}") as url:  # fmt: skip
        yield url, deck


def page_at(browser, url: str, viewport: dict[str, int]):  # noqa: F811
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    return page


def class_word(page, deck) -> str:
    """The word of the class deck's picture on screen, once it has replaced the picture shown
    before joining (the round of the class's deck may come a moment after the join's reply)."""
    answers = {digest(card.image): card.answer for card in deck.cards}
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        src = page.locator("#picture img").get_attribute("src") or ""
        word = next((answer for name, answer in answers.items() if name in src), None)
        if word is not None or time.monotonic() > deadline:
            assert word is not None, f"no picture of the class's deck: {src}"
            return word
        page.wait_for_timeout(200)


def test_a_teacher_runs_a_class_and_sees_both_students(browser, served):  # noqa: F811
    from playwright.sync_api import expect

    url, deck = served
    teacher = page_at(browser, url, DESKTOP)
    teacher.get_by_role("tab", name="Class").click()
    teacher.get_by_role("button", name=re.compile("For teachers")).click()
    teacher.get_by_label("Class name").fill("Svenska 1")
    teacher.get_by_label("Decks the class plays").click()
    teacher.get_by_role("option", name="Klassens djur").click()
    teacher.get_by_role("button", name="Create the class").click()
    made = teacher.get_by_text(re.compile("Join code:")).locator("xpath=ancestor::div[1]")
    expect(made).to_contain_text("Teacher key")
    text = made.inner_text()
    code = re.search(r"Join code: (\w+)", text).group(1)
    key = re.search(r"Teacher key: (\S+)", text).group(1)

    for name in ("Anna", "Omar"):
        student = page_at(browser, f"{url}?class={code}", PHONE)
        expect(student.get_by_label("Class code")).to_have_value(code)  # the link filled it in
        student.get_by_label("Your name").fill(name)
        student.get_by_role("button", name="Join the class").click()
        student.locator("#picture img").wait_for()
        expect(student.locator("#class-line")).to_contain_text(re.compile(rf"{name} · PIN \d{{4}}"))
        word = class_word(student, deck)
        box = student.get_by_label("No microphone? Type it")
        box.fill(f"en {word}")
        box.press("Enter")
        expect(student.locator("#feedback .feedback")).to_contain_text("Right")
        student.context.close()

    # the dashboard opened with the class, and refreshes itself: nothing to copy by hand
    expect(teacher.get_by_label("Class code").nth(1)).to_have_value(code)
    expect(teacher.get_by_label("Teacher key")).to_have_value(key)
    expect(teacher.get_by_text("2 students", exact=False)).to_be_visible()
    table = teacher.get_by_role("grid", name="Students")
    for name in ("Anna", "Omar"):
        expect(table.get_by_role("row", name=re.compile(f"^{name} 1 1 100% 10"))).to_be_visible()
    teacher.context.close()
