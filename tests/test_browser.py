"""The app in a real browser: headless Chromium through Playwright, with a fake microphone.

Chromium's fake capture device loops a WAV of espeak-ng saying "hund", and the speech model is a
real `asr` transcriber on a tiny offline Whisper that always hears "hund", so a recording goes the
whole way: MediaRecorder, Gradio's upload, `stop_recording`, the model, the judge, the feedback.

Needs Debian's `chromium` (`apt-get install chromium`) and `pip install playwright`; never
`playwright install`. Without either, the tests skip.

`SAGDET_SCREENSHOT=assets python -m tests.test_browser` saves the README's screenshots (desktop
and phone): the default decks, a typed near miss and its feedback (install Debian's
`fonts-noto-color-emoji` first, or the buttons' emoji show as boxes).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import soundfile

import app
import asr
import game
from tests.conftest import png_bytes, voiced
from tests.whisper_tiny import cached_model

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1100, "height": 1000}
TIMEOUT_MS = 30_000  # a cold page on a 2-core CI machine; a verdict takes well under a second
RECORD_SECONDS = 2.0
SPEECH_STARTS = 0.5  # the silence before the word in the fake microphone's file
WORD_SECONDS: dict[str, float] = {}  # how long espeak-ng says each word (write_answer_wav)
PROGRESS = re.compile(r"Card \d+ of \d+")


def chromium_args(wav: Path) -> list[str]:
    """A headless Chromium whose microphone is `wav` (looped), allowed without a prompt."""
    return [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tiny_model(whisper_root: Path) -> app.Model:
    """The app's model, ready: a real transcriber on a tiny Whisper that hears "hund"."""
    path = cached_model(whisper_root, hears="hund")
    transcriber = asr.load_transcriber(path, backend="transformers", device="cpu")
    return app.Model(ready=transcriber, name="tiny")


@contextmanager
def serve(
    decks: dict[str, game.Deck], model: app.Model, work_dir: Path, db_url: str | None = None
) -> Iterator[str]:
    """The app launched in-process as `main()` launches it (`app.launch`); yields its URL."""
    options = app.AppOptions(secret="x" * 32, work_dir=work_dir, db_url=db_url)
    demo = app.build_demo(decks, model, options)
    _, url, _ = app.launch(
        demo,
        prevent_thread_lock=True,
        server_name="127.0.0.1",
        server_port=free_port(),
        quiet=True,
        ssr_mode=False,
    )
    try:
        yield url
    finally:
        app.close(demo)


def picture_deck(name: str, folder: Path, words: dict[str, str]) -> game.Deck:
    """A deck of en-words, each a plain picture in its own colour (`words`: word → colour)."""
    cards = []
    for word, colour in words.items():
        image = folder / f"{word}.png"
        image.write_bytes(png_bytes(color=colour))
        cards.append(game.Card(word, "en", image=image))
    return game.Deck(name, tuple(cards))


def write_answer_wav(path: Path, word: str = "hund") -> Path:
    """`word` said by espeak-ng (a speech-like tone without it), 0.5 s of silence either side.

    The silence keeps the word whole however the looping file lines up with the recording.
    """
    espeak = shutil.which("espeak-ng")
    if espeak:
        spoken = subprocess.run(
            [espeak, "-v", "sv", "--stdout", word], check=True, capture_output=True
        ).stdout
        samples, rate = soundfile.read(io.BytesIO(spoken), dtype="float32")
    else:
        samples, rate = voiced(0.7), 16_000
    pad = np.zeros(int(rate * SPEECH_STARTS), np.float32)
    WORD_SECONDS[word] = len(samples) / rate
    soundfile.write(path, np.concatenate([pad, samples, pad]), rate, subtype="PCM_16")
    return path


@contextmanager
def chromium(wav: Path) -> Iterator[object]:
    """Playwright's Chromium on Debian's binary, with `wav` as its microphone."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=chromium_args(wav)
        )
        try:
            yield browser
        finally:
            browser.close()


def open_game(browser, url: str, viewport: dict[str, int]):
    """A new player (own context, so own browser storage) with the first picture shown."""
    context = browser.new_context(permissions=["microphone"], viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    page.locator("#picture img").wait_for()
    return page


def progress(page) -> str:
    return page.get_by_text(PROGRESS).inner_text()


# ---------------------------------------------------------------------------------------------
# Tests


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    pytest.importorskip(
        "playwright.sync_api", reason="playwright is missing: pip install playwright"
    )
    wav = write_answer_wav(tmp_path_factory.mktemp("mic") / "hund.wav")
    with chromium(wav) as browser:
        yield browser


@pytest.fixture(scope="module")
def server(tmp_path_factory, whisper_root, browser):
    image = tmp_path_factory.mktemp("pics") / "dog.png"
    image.write_bytes(png_bytes(color="orange"))
    deck = game.Deck("Test", (game.Card("hund", "en", image=image),))
    work = tmp_path_factory.mktemp("work")
    with serve({deck.name: deck}, tiny_model(whisper_root), work) as url:
        yield url


@pytest.fixture
def new_page(browser, server) -> Iterator[Callable]:
    contexts = []

    def make(viewport: dict[str, int]):
        page = open_game(browser, server, viewport)
        contexts.append(page.context)
        return page

    yield make
    for context in contexts:
        context.close()


def test_a_hands_free_answer_needs_no_stop(new_page):
    """One tap on Record; the answer ends when the learner stops talking (the default mode)."""
    from playwright.sync_api import expect

    page = new_page(PHONE)
    before = progress(page)
    started = time.monotonic()
    page.get_by_role("button", name="Record", exact=True).click()  # the only tap
    feedback = page.locator(".feedback")
    expect(feedback).to_contain_text("Right", timeout=TIMEOUT_MS)
    expect(feedback).to_contain_text("I heard")
    waited = time.monotonic() - started
    expect(page.get_by_text(PROGRESS)).not_to_have_text(before)
    # The fake microphone says the word after SPEECH_STARTS s: what is left is the wait from
    # the end of speech to the verdict (pieces of 0.5 s, the VAD's hang-over, the model).
    log.warning("hands-free: %.2f s from the tap to the verdict, the word ends at %.2f s",
                waited, SPEECH_STARTS + WORD_SECONDS["hund"])  # fmt: skip
    assert waited < SPEECH_STARTS + WORD_SECONDS["hund"] + 6.0


def test_a_hands_free_answer_followed_by_digital_silence_is_judged(browser, server, tmp_path):
    """A microphone that gives exact zeros after the word (strong noise suppression): the
    browser may stop sending pieces, and the answer must still end, by time."""
    from playwright.sync_api import expect

    wav = write_answer_wav(tmp_path / "hund.wav")
    samples, rate = soundfile.read(wav, dtype="int16")
    soundfile.write(wav, np.concatenate([samples, np.zeros(rate * 12, np.int16)]), rate)
    silent = browser.browser_type.launch(
        executable_path=str(CHROMIUM), headless=True, args=chromium_args(wav)
    )
    try:
        page = open_game(silent, server, PHONE)
        started = time.monotonic()
        page.get_by_role("button", name="Record", exact=True).click()
        expect(page.locator(".feedback")).to_contain_text("I heard", timeout=TIMEOUT_MS)
        waited = time.monotonic() - started
    finally:
        silent.close()
    log.warning("hands-free into digital silence: %.2f s from the tap to the verdict", waited)
    assert waited < SPEECH_STARTS + WORD_SECONDS["hund"] + 8.0


def test_a_spoken_answer_pressing_record_and_stop(new_page):
    from playwright.sync_api import expect

    page = new_page(PHONE)
    page.get_by_role("button", name="Settings ▼").click()
    page.get_by_label("Press to record").check()
    before = progress(page)
    mic = page.locator("#mic")
    mic.get_by_role("button", name="Record", exact=True).click()
    page.wait_for_timeout(RECORD_SECONDS * 1000)
    mic.get_by_role("button", name="Stop", exact=True).click()  # stop sends the answer

    feedback = page.locator(".feedback")
    expect(feedback).to_contain_text("Right")
    expect(feedback).to_contain_text("I heard")
    expect(page.get_by_text(PROGRESS)).not_to_have_text(before)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


class Counting:
    """A recogniser that counts the recordings it is given (and hears them with `inner`)."""

    def __init__(self, inner) -> None:
        self.inner, self.calls = inner, 0

    def transcribe(self, audio, sample_rate=None):
        self.calls += 1
        return self.inner.transcribe(audio, sample_rate)


def test_one_take_pressing_record_and_stop_is_one_judged_answer(browser, whisper_root, tmp_path):
    """Stop fires `stop_recording`, and the recording also arrives as an `upload`: both are
    wired to the answer, and one take must still be judged once."""
    from playwright.sync_api import expect

    counting = Counting(tiny_model(whisper_root).ready)
    deck = picture_deck("Två", tmp_path, {"hund": "orange", "katt": "blue"})
    with serve({deck.name: deck}, app.Model(ready=counting, name="tiny"), tmp_path / "w") as url:
        page = open_game(browser, url, PHONE)
        try:
            page.get_by_role("button", name="Settings ▼").click()
            page.get_by_label("Press to record").check()
            mic = page.locator("#mic")
            for take in (1, 2):
                mic.get_by_role("button", name="Record", exact=True).click()
                page.wait_for_timeout(RECORD_SECONDS * 1000)
                mic.get_by_role("button", name="Stop", exact=True).click()
                expect(page.locator(".feedback").last).to_contain_text("I heard")
                page.wait_for_timeout(2500)  # a second judgement of the take comes by now
                assert counting.calls == take
                # The microphone is ready again: no audio editor, no "processing" overlay, and
                # the verdict in the first screenful.
                expect(mic.get_by_role("button", name="Record", exact=True)).to_be_visible()
                assert mic.get_by_role("button", name="Trim audio to selection").count() == 0
                assert page.get_by_text("processing", exact=False).count() == 0
                box = page.locator(".feedback").last.bounding_box()
                assert box and box["y"] + box["height"] <= PHONE["height"], box
        finally:
            page.context.close()


def test_a_typed_answer(new_page):
    from playwright.sync_api import expect

    page = new_page(DESKTOP)
    before = progress(page)
    box = page.get_by_label("No microphone? Type it")
    box.fill("en hund")
    box.press("Enter")

    feedback = page.locator(".feedback")
    expect(feedback).to_contain_text("Right")
    expect(feedback).to_contain_text("You typed")
    expect(page.get_by_text(PROGRESS)).not_to_have_text(before)


def test_a_reload_keeps_the_round_in_the_browser(new_page):
    from playwright.sync_api import expect

    page = new_page(DESKTOP)
    page.get_by_role("button", name="💡 Hint").click()
    expect(page.locator(".feedback")).to_contain_text("h _ _ _")
    page.wait_for_timeout(500)  # the browser state is written after the step
    page.reload()
    page.locator("#picture img").wait_for()
    expect(page.locator(".feedback")).to_contain_text("Welcome back")


# ---------------------------------------------------------------------------------------------
# The README screenshot


def near_miss(card: game.Card) -> str:
    """What a learner might type: the dots lost from å/ä/ö, else the last letter."""
    undotted = card.answer.translate(str.maketrans("åäöÅÄÖ", "aaoAAO"))
    word = undotted if undotted != card.answer else card.answer[:-1]
    return f"{card.article} {word}".strip()


def shown_card(page, deck: game.Deck) -> game.Card | None:
    """The card whose picture the page shows, found by the picture's bytes, not its URL."""
    body = page.request.get(page.locator("#picture img").get_attribute("src")).body()
    digest = hashlib.sha256(body).hexdigest()
    for card in deck.cards:
        if card.image and hashlib.sha256(card.image.read_bytes()).hexdigest() == digest:
            return card
    return None


def save_png(data: bytes, path: Path, max_bytes: int = 400_000) -> None:
    """Save a screenshot as small as Pillow makes it; 256 colours if that is still too big."""
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGB")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)
    if path.stat().st_size > max_bytes:
        image.quantize(256, dither=Image.Dither.NONE).save(path, optimize=True)


def save_screenshots(folder: Path, seed: int = 1) -> None:
    """The game in use, at desktop and phone size: the default decks, a near miss typed, its
    feedback (screenshot-desktop.png, screenshot-phone.png in `folder`)."""
    decks = app.load_decks(app.DEFAULT_DECKS)
    with tempfile.TemporaryDirectory(prefix="sag-det-shot-") as tmp:
        tmp_dir = Path(tmp)
        model = tiny_model(tmp_dir / "whisper")
        wav = write_answer_wav(tmp_dir / "hund.wav")
        with serve(decks, model, tmp_dir / "work") as url, chromium(wav) as browser:
            for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                random.seed(seed)  # the app draws rounds from `random`: the same picture
                page = open_game(browser, url, viewport)
                card = _near_miss_typed(page, decks)
                if name == "desktop":  # down to the buttons: the play screen without the footer
                    buttons = page.get_by_role("button", name="Skip").bounding_box()
                    height = buttons["y"] + buttons["height"] + 12
                    clip = {"x": 0, "y": 0, "width": viewport["width"], "height": height}
                    shot = page.screenshot(full_page=True, clip=clip)
                else:  # the first screenful, as a learner holds the phone
                    shot = page.screenshot()
                path = folder / f"screenshot-{name}.png"
                save_png(shot, path)
                log.info("saved %s (%d bytes): %s", path, path.stat().st_size, card)
                page.context.close()


def _near_miss_typed(page, decks: dict[str, game.Deck]) -> str:
    from playwright.sync_api import expect

    deck = decks[page.get_by_label("Deck").input_value()]
    card = shown_card(page, deck)
    box = page.get_by_label("No microphone? Type it")
    box.fill(near_miss(card) if card else "en hunnd")
    box.press("Enter")
    expect(page.locator(".feedback .verdict")).to_be_visible()
    page.locator("body").hover(position={"x": 5, "y": 5})  # no hover highlight
    page.wait_for_timeout(500)  # the feedback's fade-in
    return card.display if card else ""


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    target = os.environ.get("SAGDET_SCREENSHOT")
    if not target:
        sys.exit("Set SAGDET_SCREENSHOT=folder, e.g. assets")
    save_screenshots(Path(target))
