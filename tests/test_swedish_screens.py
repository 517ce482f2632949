"""Every screen in Swedish, and no English on it outside the card words.

The handlers are pure: each screen is rendered by calling them as the app wires them, for a
learner, a teacher and a student whose page is Swedish, and every text a person reads (the
feedback, progress, summary, charts, reports, messages, toasts, tables, the deck menu, the
labels of the page itself) is searched for English words (tests/english.py). The browser's
view of the same is tests/test_browser_swedish.py.
"""

from __future__ import annotations

import re
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
import pandas as pd
import pytest

import asr
import game
from tests.english import ENGLISH, allowed_words, english_in, swedish_texts, words
from tests.test_ui_handlers import Heard, part, zipped
from ui import AppOptions, Context, Model, classes, decks, teacher
from ui import play as handlers
from ui.context import load_decks
from ui.text import STRINGS

DECKS_DIR = Path(__file__).resolve().parent.parent / "assets" / "decks"
BUILT_IN = load_decks(DECKS_DIR)
SV = {"lang": "sv"}
DECK = "Djur (animals)"
SHOWN = ("progress", "feedback", "summary", "points_plot", "accuracy_plot")  # what a learner sees
# The words a learner is learning, and what people name: never English, whatever they spell.
CARD_WORDS = allowed_words(
    *(card.display for deck in BUILT_IN.values() for card in deck.cards),
    *(word for deck in BUILT_IN.values() for card in deck.cards for word, _ in card.alternatives),
    "hund katt äpple kisse Testdjur Åsa Maja",  # the uploaded deck's words, students' names
    "Twemoji Twitter Inc CC BY PNG",  # the names in the built-in decks' credits
)


@pytest.fixture
def ctx(tmp_path) -> Context:
    work = tmp_path / "sv"
    options = AppOptions(
        secret="s" * 32,
        work_dir=work / "work",
        allow_saving_decks=True,
        decks_dir=work / "saved",
        db_url=f"sqlite:///{work / 'classes.db'}",
    )
    context = Context.create(BUILT_IN, Model(ready=Heard("hund"), name="tiny"), options)
    yield context
    context.classes.close()


def seen(value: object) -> list[str]:
    """The texts a person reads in a handler's output (a component's update, a chart, a table,
    a toast), leaving out the state kept for the game."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, gr.Error):
        return [value.message, value.title or ""]
    if isinstance(value, pd.DataFrame):
        return [*map(str, value.columns), *(str(v) for v in value.to_numpy().ravel())]
    if isinstance(value, gr.BarPlot | gr.LinePlot):
        frame = pd.DataFrame(value.value["data"], columns=value.value["columns"])
        return [str(value.title), str(value.x), str(value.y), *seen(frame)]
    if isinstance(value, dict) and value.get("__type__") == "update":
        found = [str(value[k]) for k in ("label", "placeholder", "info") if value.get(k)]
        if value.get("choices") is not None:  # a menu shows its labels, not its values
            labels = [c[0] if isinstance(c, tuple | list) else c for c in value["choices"]]
            return found + [str(label) for label in labels]
        return found + ([value["value"]] if isinstance(value.get("value"), str) else [])
    if isinstance(value, list | tuple):
        return [text for item in value for text in seen(item)]
    return []


def screen_texts(screen: Any) -> list[str]:
    return [text for name in SHOWN for text in seen(part(screen, name))]


def english(texts: list[str], also: set[str] = frozenset()) -> dict[str, list[str]]:
    """The texts holding English, with their English words."""
    found = {text: english_in(text, CARD_WORDS | set(also)) for text in texts}
    return {text: hits for text, hits in found.items() if hits}


def test_the_english_finder_finds_english_and_leaves_swedish_and_card_words():
    assert english_in("Try again (1 try left).") == ["try", "again", "try", "left"]
    assert english_in("<div title='The picture you answered'>Rätt</div>") == [
        "the", "picture", "you", "answered"]  # fmt: skip
    assert english(["Rätt: *en hund*! +10 poäng.", "Kort 2 av 8 · 10 poäng · PIN 1234"]) == {}
    assert english(["Drop File Here"]) == {"Drop File Here": ["drop", "file", "here"]}
    assert english(["simmar och säger kvack — en a _ _ _", "a deck"]) == {"a deck": ["a", "deck"]}
    assert english(["Djur (animals)"]) != {}  # a deck's key is not its Swedish name


def test_every_swedish_text_of_the_app_has_no_english_word():
    bad = {where: english_in(text) for where, text in swedish_texts().items()}
    assert {where: hits for where, hits in bad.items() if hits} == {}
    assert not {w for w in words("hund katt poäng ledtråd omgång") if w in ENGLISH}


def test_a_swedish_entry_left_in_english_is_found(monkeypatch):
    monkeypatch.setitem(STRINGS, "prompt", ("What is this in Swedish?", "What is this?"))
    assert english_in(swedish_texts()["ui.text prompt"]) == ["what", "is", "this"]


def play_a_round(ctx: Context) -> list[str]:
    """A learner's whole round in Swedish: the start, hints, a wrong, a near and a right answer,
    a spoken one, a skip, manual next, the summary, practising, a reset and a reload."""
    texts = []

    def keep(screen: Any) -> Any:
        texts.extend(screen_texts(screen))
        return screen

    screen = keep(decks.on_load(ctx, {}, DECK, {}, {}, SV))
    texts.extend(seen(part(screen, "deck_key")))  # the deck menu
    texts.append(decks.credits(ctx, DECK, {}, SV))
    # a round of one card: "en kat" is near "katt", "en elefant" another word
    stored = part(keep(handlers.begin(ctx, {}, DECK, {}, SV, only=["katt"])), "stored")
    for _ in range(3):
        stored = part(keep(handlers.hint(ctx, stored, DECK, {}, None, True, SV)), "stored")
    for typed in ("en elefant", "en kat", "en katt"):  # wrong, near, right
        stored = part(keep(handlers.answer_text(ctx, typed, stored, DECK, {}, None, True, SV)),
                      "stored")  # fmt: skip
    stored = part(keep(handlers.begin(ctx, stored, DECK, {}, SV)), "stored")
    stored = part(keep(handlers.answer_audio(ctx, "a.wav", stored, DECK, {}, None, True, SV)),
                  "stored")  # fmt: skip
    stored = part(keep(handlers.answer_audio(ctx, None, stored, DECK, {}, None, True, SV)),
                  "stored")  # fmt: skip
    screen = keep(handlers.skip(ctx, stored, DECK, {}, None, False, SV))  # manual next
    pending = part(screen, "pending")
    keep(handlers.answer_text(ctx, "en hund", part(screen, "stored"), DECK, {}, pending, False,
                              SV))  # fmt: skip
    stored = part(keep(handlers.next_card(ctx, part(screen, "stored"), DECK, {}, SV)), "stored")
    keep(decks.on_load(ctx, stored, DECK, {}, {}, SV))  # a reload: welcome back
    while not part(screen := handlers.skip(ctx, stored, DECK, {}, None, True, SV), "summary"):
        stored = part(screen, "stored")
    keep(screen)
    keep(handlers.practise(ctx, part(screen, "stored"), DECK, {}, SV))
    keep(handlers.reset(ctx, DECK, {}, SV))
    return texts


def test_a_round_in_swedish_has_no_english(ctx):
    texts = play_a_round(ctx)
    for swedish in ("Vad är det här", "Inte riktigt", "Nästan", "Jag hörde", "Inget spelades in",
                    "Tryck på", "Välkommen tillbaka", "Omgången är slut", "Poäng per ord",
                    "Du övar", "nollställda", "Bilder: Twemoji"):  # fmt: skip
        assert any(swedish in text for text in texts), swedish
    assert english(texts) == {}


def upload_texts(ctx: Context, make_deck, tmp_path: Path) -> list[str]:
    """The deck tab in Swedish: a good deck, one with warnings, one that cannot be played, and
    saving it for everyone."""
    texts = []
    good = zipped(make_deck(), tmp_path / "good.zip")
    report, uploaded, menu, _ = decks.upload(ctx, [good], "", {}, SV)
    texts += [report, *seen(menu)]
    warned = make_deck(["hund.png,hund,en,,en hund säger voff,", "ko.png,ko,en,,,"])
    texts.append(decks.upload(ctx, [zipped(warned, tmp_path / "warned.zip")], "Varnad", {}, SV)[0])
    broken = make_deck(["hund.png,hund,en,,,", "saknas.png,katt,ett,,,", "ko.png,,en,,,"],
                       pictures={"hund.png": None, "ko.png": None})  # fmt: skip
    texts.append(decks.upload(ctx, [zipped(broken, tmp_path / "broken.zip")], "", {}, SV)[0])
    texts.append(decks.upload(ctx, [good], "x" * 300, {}, SV)[0])  # a name too long
    texts.append(decks.save_for_everyone(ctx, "Testdjur (uploaded)", uploaded, SV))
    return texts


# A problem or warning the deck checker (game/deck.py, game/upload.py) found, listed in a report:
# "  - items.csv, line 3: the answer is empty" (a problem), "- items.csv, line 2: ..." (a warning).
CHECKER_LINE = re.compile(r"^ *- .*$", re.MULTILINE)


def test_the_deck_tab_in_swedish_has_no_english_but_the_checkers(ctx, make_deck, tmp_path):
    texts = upload_texts(ctx, make_deck, tmp_path)
    for swedish in ("redo att spela", "Varningar", "går inte att spela", "Kortleken i broken.zip "
                    "har 2 fel", "Kortlekens namn är för långt", "Sparad"):  # fmt: skip
        assert any(swedish in text for text in texts), swedish
    assert english([CHECKER_LINE.sub("", text) for text in texts]) == {}


def test_the_deck_checkers_findings_in_swedish(ctx, make_deck, tmp_path):
    lines = [m for text in upload_texts(ctx, make_deck, tmp_path)
             for m in CHECKER_LINE.findall(text)]  # fmt: skip
    assert len(lines) == 3 and english(lines) == {}


def refused(call, *args, **kwargs) -> gr.Error:
    with pytest.raises(gr.Error) as raised:
        call(*args, **kwargs)
    return raised.value


def test_every_toast_in_swedish_has_no_english(ctx, make_deck, tmp_path):
    """The errors a learner or teacher meets as a toast: its message and its title."""
    _, uploaded, _, _ = decks.upload(ctx, [zipped(make_deck(), tmp_path / "t.zip")], "", {})
    gone = {"Borta (uploaded)": game.Deck("Borta", ())}  # a deck the shelf does not have
    no_saving = replace(ctx, options=replace(ctx.options, allow_saving_decks=False))
    stored = part(handlers.begin(ctx, {}, DECK, {}, SV), "stored")
    toasts = [
        refused(handlers.answer_text, ctx, "", stored, DECK, {}, None, True, SV),
        refused(handlers.answer_text, ctx, "x" * 300, stored, DECK, {}, None, True, SV),
        refused(handlers.listen, ctx, stored, DECK, {}, None, None, SV),
        refused(handlers.skip, ctx, stored, "Borta (uploaded)", gone, None, True, SV),
        refused(decks.upload, ctx, [], "", {}, SV),
        refused(decks.save_for_everyone, ctx, DECK, {}, SV),
        refused(decks.save_for_everyone, no_saving, "Testdjur (uploaded)", uploaded, SV),
        refused(teacher.create_class, ctx, "7B", ["Finns inte"], {}, SV),
        refused(teacher.create_class, ctx, "", [DECK], {}, SV),
        refused(teacher.class_results, ctx, "ZZZZZZ", "fel-nyckel-123", SV),
        refused(teacher.new_pin, ctx, "ZZZZZZ", "fel-nyckel-123", None, SV),
        refused(teacher.delete_class, ctx, "ZZZZZZ", "fel-nyckel-123", False, SV),
        refused(classes.join_class, ctx, "ZZZZZZ", "Åsa", prefs=SV),
    ]
    decks.save_for_everyone(ctx, "Testdjur (uploaded)", uploaded, SV)  # then again: taken
    toasts.append(refused(decks.save_for_everyone, ctx, "Testdjur (uploaded)", uploaded, SV))
    assert {toast.title for toast in toasts} == {"Fel"}
    assert english(seen(toasts)) == {}


def _failed() -> Future:
    failed: Future = Future()
    failed.set_exception(asr.ModelLoadError("LocalEntryNotFoundError: no such model"))
    return failed


@pytest.mark.parametrize(
    "model",
    [Model(), Model(future=_failed()), Model(future=Future(), name="kb-whisper-small")],
    ids=["none", "failed", "loading"],
)
def test_the_missing_model_notice_and_the_operators_status_in_swedish(ctx, model):
    ctx = replace(ctx, model=model)
    screen = decks.on_load(ctx, {}, DECK, {}, {}, SV)
    said = handlers.answer_audio(ctx, "a.wav", part(screen, "stored"), DECK, {}, None, True, SV)
    texts = [*screen_texts(screen), *screen_texts(said), model.status("sv")]
    assert any("Taligenkänningen" in text for text in texts)
    # the reason a model failed is the operator's (a library's words), quoted as it is
    names = allowed_words("LocalEntryNotFoundError no such model kb-whisper-small")
    assert english(texts, names) == {}


def class_texts(ctx: Context) -> list[str]:
    """A class in Swedish: made, joined by two students (one rejoining), its dashboard, a new
    PIN, ended (a student told they are no longer in it) and deleted."""
    browser = SimpleNamespace(
        headers={"host": "skolan.example"},
        client=None,
        url=SimpleNamespace(scheme="https", netloc="skolan.example"),
    )
    made, class_ = teacher.create_class(ctx, "7B", [DECK], {}, SV, browser)
    code, key = class_["code"], class_["key"]
    texts = [made]
    joined = classes.join_class(ctx, code, "Åsa", None, {}, DECK, {}, None, SV)
    seat = part(joined, "seat")
    menu = seen(part(joined, "deck_key"))
    texts += [part(joined, "joined"), *menu, part(joined, "class_line")]
    answered = handlers.answer_text(ctx, "en hund", part(joined, "stored"), DECK, {}, None,
                                    True, SV, student=part(joined, "student"))  # fmt: skip
    texts += screen_texts(answered)
    texts += [t for v in classes.rejoin(ctx, seat, SV)[1:4:2] for t in seen(v)]
    maja = classes.join_class(ctx, code, "Maja", None, {}, DECK, {}, None, SV)
    texts += seen(part(maja, "joined"))
    texts += seen(teacher.class_results(ctx, code, key, SV).values())
    texts += seen(teacher.open_new_class(ctx, class_, SV).dashboard.values())  # not the key
    texts.append(teacher.new_pin(ctx, code, key, "Maja", SV))
    texts.append(teacher.end_class(ctx, code, key, SV))
    texts += seen(teacher.class_results(ctx, code, key, SV).values())
    texts.append(classes.rejoin(ctx, seat, SV)[1])  # no longer in the class
    texts += seen(teacher.delete_class(ctx, code, key, True, SV).values())
    return texts


def test_a_class_in_swedish_has_no_english(ctx):
    texts = class_texts(ctx)
    for swedish in ("Klassen 7B är klar", "du är med i 7B", "PIN-kod", "kortlekar: Djur",
                    "Ny PIN-kod för Maja", "är avslutad", "inte längre med", "är raderad",
                    "bästa svit"):  # fmt: skip
        assert any(swedish in text for text in texts), swedish
    assert english(texts) == {}


def test_every_text_the_page_is_built_with_is_translated(ctx):
    """The labels, placeholders, buttons and texts of the page itself go through `gr.I18n` (the
    browser shows them in its language); the deck menus' build-time choices are the decks' keys,
    labelled in the page's language on every load (tests/test_browser_swedish.py)."""
    from gradio.i18n import I18nData

    from ui import build_demo

    demo = build_demo(BUILT_IN, Model(), ctx.options)
    plain, unknown = {}, set()
    for block in demo.blocks.values():
        texts = [getattr(block, k, None) for k in ("label", "placeholder", "info", "submit_btn")]
        if isinstance(block, gr.Button | gr.Markdown | gr.HTML):
            texts.append(block.value)
        texts += [c[0] for c in getattr(block, "choices", None) or [] if c[1] not in BUILT_IN]
        for text in texts:
            if isinstance(text, I18nData) or str(text).startswith("__i18n__"):
                unknown |= {k for k in re.findall(r'"key": "(\w+)"', str(text))} - set(STRINGS)
            elif isinstance(text, str) and english_in(text):
                plain[f"{type(block).__name__} {block.elem_id or ''}"] = text
    assert plain == {} and unknown == set()
