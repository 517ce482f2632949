"""A Swedish browser walks every tab of the page and reads no English outside the card words
(Chromium through Playwright; tests/english.py finds the English).

Everything a person can read is collected as the page shows it: the visible text, what tags say
of themselves (a placeholder, a tooltip, a picture's description, a button's label for a screen
reader) and the charts' texts, on the play screen before and after an answer, with a hint, at
the round's summary, in the settings and the operator's status, on the deck tab with a good and
a bad deck, with a toast, and on the class tab for a student and for a teacher with a class's
results. The same screens through the handlers: tests/test_swedish_screens.py.
"""

from __future__ import annotations

import re

import pytest

import app
from tests.english import allowed_words, english_in
from tests.test_app import zipped_deck
from tests.test_browser import (  # noqa: F401  (browser: a fixture)
    DESKTOP,
    TIMEOUT_MS,
    browser,
    serve,
    tiny_model,
)
from tests.test_swedish_screens import CARD_WORDS, CHECKER_LINE

# What a person reads on the page: its text, and what its visible tags say of themselves.
READ_JS = """() => {
  const shown = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const out = [document.body.innerText];
  for (const el of document.querySelectorAll("[placeholder], [aria-label], [title], img[alt]")) {
    if (!shown(el)) continue;
    for (const name of ["placeholder", "aria-label", "title", "alt"]) {
      const said = el.getAttribute(name);
      if (said) out.push(said);
    }
  }
  for (const el of document.querySelectorAll("svg text")) out.push(el.textContent);
  return out;
}"""
SWEDISH_CLASS = "7B"


@pytest.fixture(scope="module")
def server(tmp_path_factory, whisper_root, browser):  # noqa: F811
    work = tmp_path_factory.mktemp("work")
    with serve(app.load_decks(app.DEFAULT_DECKS), tiny_model(whisper_root), work,
               db_url=f"sqlite:///{work / 'classes.db'}") as url:  # fmt: skip
        yield url


def english_lines(texts: list[str], also: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """Each line read that holds English, with its English words (the deck checker's findings,
    English by design, are left to tests/test_swedish_screens.py's xfail)."""
    found = {}
    for text in texts:
        for line in CHECKER_LINE.sub("", text).splitlines():
            if hits := english_in(line, CARD_WORDS | also):
                found[line] = hits
    return found


def test_a_swedish_browser_reads_no_english_on_any_tab(browser, server, make_deck, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    context = browser.new_context(permissions=["microphone"], viewport=DESKTOP, locale="sv-SE")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    read: list[str] = []

    def keep() -> None:
        page.wait_for_timeout(300)  # what an event changed is drawn
        read.extend(page.evaluate(READ_JS))

    def type_answer(text: str) -> None:
        box = page.get_by_label("Ingen mikrofon? Skriv ordet")
        box.fill(text)
        box.press("Enter")

    try:
        page.goto(server)
        page.locator("#picture img").wait_for()
        expect(page.locator("#feedback")).to_contain_text("Vad är det här på svenska?")
        keep()
        page.get_by_role("button", name="Inställningar ▼").click()
        page.get_by_text("För den som driver sidan").click()
        expect(page.get_by_text("Taligenkänningen är redo")).to_be_visible()
        keep()
        page.get_by_role("button", name="💡 Ledtråd").click()
        expect(page.locator("#feedback .feedback")).to_contain_text("—")  # the deck's hint
        keep()
        type_answer("en elefantsko")
        expect(page.locator("#feedback .feedback")).to_contain_text("Du skrev")
        keep()
        progress = page.locator(".round-progress")
        while not page.locator(".summary").is_visible():
            before = progress.inner_text()
            page.get_by_role("button", name="⏭ Hoppa över").click()
            expect(page.locator(".summary").or_(progress.filter(
                has_not_text=before))).to_be_visible()  # fmt: skip
        expect(page.locator(".summary")).to_contain_text("Omgången är slut")
        page.locator("svg text").first.wait_for()  # the charts are drawn
        keep()

        page.get_by_role("tab", name="Klass").click()
        page.get_by_text("För lärare: en klass och resultaten").click()
        page.get_by_label("Kortlekar klassen spelar").click()  # the decks a class can play
        expect(page.get_by_role("option", name="Djur", exact=True)).to_be_visible()
        keep()
        page.keyboard.press("Escape")

        page.get_by_role("tab", name="Kortlekar").click()
        page.get_by_role("button", name="Kontrollera och spela").click()  # no file: a toast
        expect(page.locator(".toast-body")).to_contain_text("Välj en kortlek att ladda upp")
        expect(page.locator(".toast-title")).to_have_text("Fel")  # Gradio's title is "Error"
        keep()
        page.locator(".toast-body button").first.click()
        files = page.locator("#deck-files input[type=file]")
        broken = make_deck(["hund.png,hund,en,,,", "saknas.png,katt,ett,,,"],
                           pictures={"hund.png": None})  # fmt: skip
        files.set_input_files(str(zipped_deck(broken, tmp_path / "trasig.zip")))
        page.get_by_role("button", name="Kontrollera och spela").click()
        expect(page.locator("#deck-report")).to_contain_text("går inte att spela")
        keep()
        page.locator("#deck-files").get_by_role("button", name="Rensa").click()
        files.set_input_files(str(zipped_deck(make_deck(), tmp_path / "djur.zip")))
        page.get_by_role("button", name="Kontrollera och spela").click()
        expect(page.locator("#deck-report")).to_contain_text("redo att spela")
        expect(page.locator("#deck-menu input")).to_have_value("Testdjur (uppladdad)")
        keep()

        page.get_by_role("tab", name="Klass").click()
        keep()
        page.get_by_label("Klassens namn").fill(SWEDISH_CLASS)
        page.get_by_label("Kortlekar klassen spelar").click()
        page.get_by_role("option", name="Testdjur (uppladdad)").click()
        page.get_by_role("option", name="Djur", exact=True).click()
        page.get_by_role("button", name="Skapa klassen").click()
        expect(page.get_by_text("0 elever", exact=False)).to_be_visible()
        page.get_by_text("Hantera klassen: ny PIN-kod, avsluta, radera").click()
        keep()
        made = page.locator("body").inner_text()
        code = re.search(r"Klasskod: (\w+)", made).group(1)
        key = re.search(r"Lärarnyckel: (\S+)", made).group(1)
        page.get_by_label("Klasskod").first.fill(code)
        page.get_by_label("Ditt namn").fill("Åsa")
        page.get_by_role("button", name="Gå med i klassen").click()
        expect(page.locator("#class-line")).to_contain_text("Åsa · PIN-kod")
        keep()
        page.get_by_role("tab", name="Klass").click()
        expect(page.get_by_text("1 elever", exact=False)).to_be_visible(timeout=15_000)
        keep()
    finally:
        context.close()
    texts = "\n".join(read)
    for swedish in (
        "Ledtråd",
        "Omgången är slut",
        "Poäng per ord",
        "Bilder: Twemoji",
        "Kortleken i trasig.zip har 1 fel",
        "Klassen 7B är klar",
        "bästa svit",
    ):
        assert swedish in texts, swedish
    assert english_lines(read, allowed_words(code, key, "Säg det Gradio")) == {}
