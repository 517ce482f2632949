"""The learner's screen in a real browser, at phone and desktop size (Chromium, Playwright).

Each test fails on one thing a learner would notice: a verdict beside a picture it does not
belong to, a microphone below the fold on a phone, a Listen button that plays nothing, English
on a page the browser asked for in Swedish, play controls left under the round's summary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

import game
from tests.test_browser import (  # noqa: F401  (browser: a fixture)
    DESKTOP,
    PHONE,
    TIMEOUT_MS,
    browser,
    picture_deck,
    serve,
    tiny_model,
)

WORDS = {"hund": "orange", "katt": "blue"}


@pytest.fixture(scope="module")
def deck(tmp_path_factory) -> game.Deck:
    return picture_deck("Två djur", tmp_path_factory.mktemp("pics"), WORDS)


@pytest.fixture(scope="module")
def server(tmp_path_factory, whisper_root, browser, deck):  # noqa: F811
    with serve({deck.name: deck}, tiny_model(whisper_root), tmp_path_factory.mktemp("work")) as url:
        yield url


@pytest.fixture
def open_page(browser, server) -> Iterator[Callable]:  # noqa: F811
    contexts = []

    def make(viewport: dict[str, int], locale: str = "en-US"):
        context = browser.new_context(permissions=["microphone"], viewport=viewport,
                                      locale=locale)  # fmt: skip
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(server)
        page.locator("#picture img").wait_for()
        return page

    yield make
    for context in contexts:
        context.close()


def shown(page) -> str:
    """The neutral name (a digest of the picture's bytes) of the picture on screen."""
    src = page.locator("#picture img").get_attribute("src")
    return src.split("?")[0].rsplit("/", 1)[-1].split(".")[0]


def word_on_screen(page, deck: game.Deck) -> str:
    from ui.files import digest

    return next(c.answer for c in deck.cards if digest(c.image) == shown(page))


def type_answer(page, text: str, box_label: str = "No microphone? Type it") -> None:
    box = page.get_by_label(box_label)
    box.fill(text)
    box.press("Enter")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_verdict_stands_only_beside_its_own_picture(open_page, deck, viewport):
    from playwright.sync_api import expect

    page = open_page(viewport)
    first = shown(page)
    type_answer(page, "en elefant")  # wrong, tries left: the same picture stays
    feedback = page.locator("#feedback .feedback")
    expect(feedback).to_contain_text("Not quite")
    expect(page.get_by_label("No microphone? Type it")).to_have_value("")  # ready for the next
    assert feedback.get_attribute("data-picture") == first == shown(page)
    type_answer(page, f"en {word_on_screen(page, deck)}")  # right: the next picture comes up
    expect(feedback).to_contain_text("Right")
    page.wait_for_function(f"!document.querySelector('#picture img').src.includes('{first}')")
    assert feedback.get_attribute("data-picture") == first != shown(page)
    # the verdict comes with the picture it belongs to, not beside the new one alone
    expect(feedback.locator("img.answered")).to_be_visible()


def test_the_microphone_is_in_the_first_screenful_on_a_phone(open_page):
    from playwright.sync_api import expect

    page = open_page(PHONE)
    record = page.get_by_role("button", name="Record", exact=True)
    expect(page.locator("#picture img")).to_have_attribute("alt", "The picture to name in Swedish")
    for moment in ("at the start", "after feedback"):
        box = record.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], moment
        picture = page.locator("#picture img").bounding_box()
        assert picture and picture["y"] + picture["height"] <= PHONE["height"], moment
        type_answer(page, "en elefant")
        expect(page.locator("#feedback .feedback")).to_contain_text("Not quite")


def test_listen_plays_the_answered_word(open_page, deck):
    from playwright.sync_api import expect

    page = open_page(DESKTOP)
    listen = page.get_by_role("button", name="🔊 Listen")
    expect(listen).to_be_hidden()  # before an answer it would give the word away
    type_answer(page, f"en {word_on_screen(page, deck)}")
    expect(listen).to_be_visible()
    with page.expect_request(lambda r: r.url.split("?")[0].endswith(".wav")) as request:
        listen.click()
    assert request.value.response().ok


def test_a_swedish_browser_gets_a_swedish_page(open_page, deck):
    from playwright.sync_api import expect

    page = open_page(PHONE, locale="sv-SE")
    expect(page.get_by_role("button", name="💡 Ledtråd")).to_be_visible()
    expect(page.locator("#picture img")).to_have_attribute("alt", "Bilden att säga på svenska")
    for english in ("💡 Hint", "⏭ Skip", "No microphone? Type it", "Settings"):
        expect(page.get_by_text(english, exact=True)).to_have_count(0)
    type_answer(page, f"en {word_on_screen(page, deck)}", "Ingen mikrofon? Skriv ordet")
    expect(page.locator("#feedback .feedback")).to_contain_text("Rätt")
    expect(page.locator(".round-progress")).to_contain_text("Kort 2 av 2")
    page.get_by_text("För den som driver sidan").click()  # the operator's status
    expect(page.get_by_text("Taligenkänningen är redo")).to_be_visible()


def test_the_language_switch_changes_labels_and_feedback(open_page, deck):
    from playwright.sync_api import expect

    page = open_page(DESKTOP)
    page.get_by_role("button", name="Settings ▼").click()
    page.get_by_label("Svenska").check()
    expect(page.get_by_role("button", name="💡 Ledtråd")).to_be_visible()
    type_answer(page, "en elefant", "Ingen mikrofon? Skriv ordet")
    expect(page.locator("#feedback .feedback")).to_contain_text("Inte riktigt")


def test_the_summary_replaces_the_play_area(open_page, deck):
    from playwright.sync_api import expect

    page = open_page(DESKTOP)
    for n in range(len(deck.cards)):
        type_answer(page, f"en {word_on_screen(page, deck)}")
        if n < len(deck.cards) - 1:
            expect(page.locator(".round-progress")).to_contain_text(f"Card {n + 2} of")
    expect(page.locator(".summary")).to_contain_text("Round over: 100% right")
    expect(page.locator("#feedback .feedback")).to_contain_text("Right")  # the last verdict
    for control in ("#picture", "#mic", "#listen-audio"):
        expect(page.locator(control)).to_be_hidden()
    expect(page.get_by_label("No microphone? Type it")).to_be_hidden()
    for name in ("💡 Hint", "⏭ Skip", "Practise missed words"):
        expect(page.get_by_role("button", name=name)).to_be_hidden()
    expect(page.get_by_role("button", name="Play again")).to_be_visible()


def test_the_chosen_language_is_kept_after_a_reload(open_page):
    from playwright.sync_api import expect

    page = open_page(PHONE)
    page.get_by_role("button", name="Settings ▼").click()
    page.get_by_label("Svenska").check()
    expect(page.get_by_role("button", name="💡 Ledtråd")).to_be_visible()
    page.wait_for_timeout(500)  # the choice is written to the browser's storage after the event
    page.reload()
    page.locator("#picture img").wait_for()
    expect(page.get_by_role("button", name="💡 Ledtråd")).to_be_visible()
    expect(page.locator("#feedback .feedback")).to_contain_text("Välkommen tillbaka")


def test_a_reload_during_an_uploaded_decks_round_goes_on_without_an_error(open_page, make_deck,
                                                                          tmp_path):  # fmt: skip
    from playwright.sync_api import expect

    from tests.test_app import zipped_deck

    page = open_page(DESKTOP)
    page.get_by_role("tab", name="Decks").click()
    page.locator("#deck-files input[type=file]").set_input_files(
        str(zipped_deck(make_deck(), tmp_path / "deck.zip"))
    )
    page.get_by_role("button", name="Check and play").click()
    expect(page.locator("#deck-report")).to_contain_text("✓")
    page.get_by_role("tab", name="Play").click()
    type_answer(page, "en fel")
    expect(page.locator(".feedback")).to_contain_text("You typed")
    page.wait_for_timeout(500)  # the browser state is written after the step
    page.reload()
    page.locator("#picture img").wait_for()
    expect(page.locator(".feedback")).to_contain_text("Welcome back")
    expect(page.locator("#deck-menu input")).to_have_value("Testdjur (uploaded)")
    type_answer(page, "en katt")
    expect(page.locator(".feedback").last).to_contain_text("You typed")
    page.wait_for_timeout(500)
    assert page.locator(".toast-body").count() == 0  # no "not in the list of choices"
    assert page.get_by_text("Error", exact=True).count() == 0
