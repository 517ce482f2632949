"""The app's handlers called as plain functions, without a server; and the app's shape."""

from __future__ import annotations

import ast
import typing
from concurrent.futures import Future
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

import asr
import game
from tests.conftest import API_SCREEN, png_bytes
from ui import AppOptions, Context, Model, classes, decks, handsfree, teacher
from ui import play as handlers
from ui.files import digest
from ui.layout import Layout, build_layout
from ui.screen import Reply, Screen, show
from ui.text import say
from ui.wiring import wire

ROOT = Path(__file__).resolve().parent.parent
# The screen's outputs in the order an API client receives them (the README reads a reply so).
SCREEN = ["stored", "browser", "picture", "progress", "feedback", "listen_btn", "next_btn",
          "summary_box", "summary", "points_plot", "accuracy_plot", "pending", "play_box",
          "answer_box", "answered", "practise_btn", "controls"]  # fmt: skip
# The dashboard's outputs in the order an API client of "class_results" receives them.
DASHBOARD = ["dash_head", "dash_students", "dash_words", "dash_board", "dash_timer", "dash_grid",
             "dash_pupil"]  # fmt: skip
REPLIES = [Screen, handlers.TypedAnswer, decks.PageLoad, classes.Joined, handsfree.Shown,
           teacher.Dashboard, teacher.Opened, teacher.Deleted]  # fmt: skip
PUBLIC = {"start", "deck_menu", "answer_text", "answer_audio", "hint", "skip", "listen",
          "change_deck", "new_round", "practise_missed", "next", "reset_progress", "upload_deck",
          "save_deck", "join_class", "create_class", "class_results", "export_class", "new_pin",
          "end_class", "delete_class"}  # fmt: skip


class Heard:
    """A recogniser that hears one word, whatever is said (and counts its calls)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.calls = 0

    def transcribe(self, audio, sample_rate=None) -> asr.Transcript:
        self.calls += 1
        return asr.Transcript(self.text, 0.1, 0.1, False)


def two_cards(tmp_path: Path, recogniser: object, **options: object) -> Context:
    """The app's context on a deck "Djur" of hund and katt, with `recogniser` as the model."""
    cards = []
    for word, colour in (("hund", "orange"), ("katt", "blue")):
        image = tmp_path / f"{word}.png"
        image.write_bytes(png_bytes(color=colour))
        cards.append(game.Card(word, "en", image=image))
    deck = game.Deck("Djur", tuple(cards))
    settings = AppOptions(secret="s" * 32, work_dir=tmp_path / "work", **options)  # type: ignore[arg-type]
    return Context.create({deck.name: deck}, Model(ready=recogniser), settings)


@pytest.fixture
def ctx(tmp_path) -> Context:
    return two_cards(tmp_path, Heard("hund"))


def part(reply: Reply, name: str) -> Any:
    """A field of a handler's reply by its name, or of a reply it holds (the play screen, the
    dashboard)."""
    if name in {f.name for f in fields(reply)}:
        return getattr(reply, name)
    held = [value for f in fields(reply) if isinstance(value := getattr(reply, f.name), Reply)]
    found = [value for value in held if name in value.names()]
    assert len(found) == 1, f"{name} is not one field of {type(reply).__name__}"
    return part(found[0], name)


def up_now(ctx: Context, screen: Screen) -> game.Card:
    deck = ctx.library.first()
    state = game.from_dict(screen.stored)
    return game.current_card(state, deck)


def test_the_screen_is_one_field_per_output_in_the_apis_order():
    assert Screen.names() == [f.name for f in fields(Screen)] == SCREEN


def test_the_dashboard_is_one_field_per_output_in_the_apis_order():
    assert teacher.Dashboard.names() == [f.name for f in fields(teacher.Dashboard)] == DASHBOARD
    assert teacher.Deleted.names() == ["manage_said", "dash_key", "delete_sure", *DASHBOARD]
    assert teacher.Opened.names() == ["dash_code", "dash_key", *DASHBOARD]


@pytest.mark.parametrize("reply", REPLIES, ids=lambda r: r.__name__)
def test_every_field_of_a_reply_names_a_component_of_the_layout(reply):
    names = reply.names()
    assert len(names) == len(set(names))
    assert set(names) <= set(Layout.__dataclass_fields__)


@dataclass(frozen=True)
class Key(Reply):
    dash_code: str
    dash_key: str


@dataclass(frozen=True)
class Held(Reply):
    """A reply that holds two others: one that may be left as it is, one always sent."""

    pin_said: str
    screen: Screen | None
    key: Key


def test_a_reply_held_in_a_reply_fills_its_own_components_in_its_place(ctx):
    screen = handlers.begin(ctx, {}, "Djur", {})
    key = Key("7B", "secret")
    assert Held.names() == ["pin_said", *SCREEN, "dash_code", "dash_key"]
    assert Held("said", screen, key).values() == ("said", *screen.values(), "7B", "secret")
    left = ("said", *(gr.skip() for _ in SCREEN), "7B", "secret")  # None: the screen as it was
    assert Held("said", None, key).values() == left


def built(ctx: Context) -> tuple[gr.Blocks, Layout]:
    """The app's page and events, as `ui.build_demo` makes them, with its layout."""
    with gr.Blocks() as demo:
        ui = build_layout(ctx)
        wire(demo, ctx, ui)
    return demo, ui


def test_each_event_fills_the_components_its_reply_names(ctx):
    demo, ui = built(ctx)
    name_of = {component._id: f.name for f in fields(Layout)
               if isinstance(component := getattr(ui, f.name), gr.blocks.Block)}  # fmt: skip
    whole = (set(SCREEN), set(DASHBOARD))
    checked = set()
    for event in demo.fns.values():
        outputs = [name_of.get(block._id) for block in event.outputs]
        reply = typing.get_type_hints(event.fn).get("return") if event.fn else None
        if isinstance(reply, type) and issubclass(reply, Reply):
            assert outputs == reply.names(), event.api_name
            checked.add(reply)
        else:  # the screen and the dashboard go out only as a reply that names their parts
            assert not any(parts <= set(outputs) for parts in whole), event.api_name
    assert checked == set(REPLIES)


def test_an_api_client_gets_the_screens_outputs_that_gradio_sends(ctx):
    demo, ui = built(ctx)
    assert [name for name in SCREEN if not getattr(ui, name).skip_api] == list(API_SCREEN)
    returns = demo.get_api_info()["named_endpoints"]["/new_round"]["returns"]
    assert len(returns) == len(API_SCREEN)


def test_only_the_actions_are_in_the_api(ctx):
    demo, _ = built(ctx)
    visibility = {event.api_name: event.api_visibility for event in demo.fns.values()}
    assert {name for name, seen in visibility.items() if seen == "public"} == PUBLIC
    assert {seen for name, seen in visibility.items() if name not in PUBLIC} == {"private"}
    assert set(demo.get_api_info()["named_endpoints"]) == {f"/{name}" for name in PUBLIC}


def test_a_round_played_through_the_handlers(ctx):
    screen = handlers.begin(ctx, {}, "Djur", {})
    first = up_now(ctx, screen)
    assert "What is this in Swedish?" in screen.feedback
    reply = handlers.answer_text(ctx, f"en {first.answer}", screen.stored, "Djur", {}, None, True)
    feedback = reply.screen.feedback
    assert "Right" in feedback and f"data-picture='{digest(first.image)}'" in feedback
    assert "img class='answered'" in feedback  # auto-next: the verdict comes with its picture
    assert reply.screen.answered == first.id and reply.typed == ""  # the box is cleared


def test_manual_next_keeps_the_answered_picture_and_needs_no_thumbnail(ctx):
    screen = handlers.begin(ctx, {}, "Djur", {})
    first = up_now(ctx, screen)
    screen = handlers.skip(ctx, screen.stored, "Djur", {}, None, False)
    assert screen.pending == first.id
    assert "answered" not in screen.feedback  # beside its own picture already
    assert screen.picture.endswith(f"{digest(first.image)}.png")


def test_a_spoken_answer_in_swedish(ctx):
    screen = handlers.begin(ctx, {}, "Djur", {}, {"lang": "sv"})
    assert "Vad är det här på svenska?" in screen.feedback
    said = handlers.answer_audio(ctx, "answer.wav", screen.stored, "Djur", {}, None,
                                 True, {"lang": "sv"})  # fmt: skip
    card = up_now(ctx, screen)
    expected = "Rätt" if card.answer == "hund" else "Inte riktigt"
    assert expected in said.feedback and "Jag hörde" in said.feedback


def test_without_a_model_the_microphone_is_hidden_and_one_sentence_said(ctx):
    failed: Future = Future()
    failed.set_exception(asr.ModelLoadError("LocalEntryNotFoundError: no such model"))
    ctx.model = Model(future=failed, name="x")
    screen = handlers.begin(ctx, {}, "Djur", {})
    assert screen.answer_box["visible"] is False
    said = handlers.answer_audio(ctx, "a.wav", screen.stored, "Djur", {}, None, True)
    feedback = said.feedback
    assert "Speech recognition is not available right now" in feedback
    assert "LocalEntryNotFoundError" not in feedback


def test_listen_is_offered_only_once_the_word_may_be_heard(ctx):
    screen = handlers.begin(ctx, {}, "Djur", {})
    assert screen.listen_btn["visible"] is False
    screen = handlers.hint(ctx, screen.stored, "Djur", {}, None, True)
    assert screen.listen_btn["visible"] is bool(game.voice.espeak())


def test_the_summary_replaces_the_play_area(ctx):
    screen = handlers.begin(ctx, {}, "Djur", {})
    for _ in range(2):
        screen = handlers.skip(ctx, screen.stored, "Djur", {}, None, True)
    assert screen.summary_box["visible"] is True
    for name in ("play_box", "controls", "answer_box", "listen_btn"):
        assert getattr(screen, name)["visible"] is False, name
    assert screen.picture is None
    assert screen.practise_btn["visible"] is True  # two words skipped: to practise
    chart = screen.points_plot
    results = game.from_dict(screen.stored).round.results
    played = [ctx.library.first().card(r.card_id).answer for r in results]
    assert chart.sort == played and len(played) == 2  # in the order played, not alphabetical
    assert set(chart.color_map) == {"right", "almost", "missed", "skipped"}


def test_show_is_the_screen_of_a_view(ctx):
    deck = ctx.library.first()
    state = game.start_round(game.GameState(), deck, seed=1)
    from ui.screen import View

    screen = show(ctx, View(state, deck))
    given = dict(zip(SCREEN, screen.values(), strict=True))  # what Gradio gets, in order
    assert given == {name: getattr(screen, name) for name in SCREEN}


def functions(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, node.end_lineno - node.lineno + 1


@pytest.mark.parametrize(
    "path", [ROOT / "app.py", *sorted((ROOT / "ui").glob("*.py"))], ids=lambda p: p.name
)
def test_no_function_of_the_app_is_longer_than_a_screen(path):
    long = {name: lines for name, lines in functions(path) if lines > 60}
    assert long == {}


@pytest.mark.parametrize(
    ("error", "swedish"),
    [
        (asr.AudioTooLong(40.0, 15.0), "Inspelningen är 40.0 s lång; ett svar får vara högst 15 s"),
        (asr.EngineUnavailable("The speech engine is down."), "Taligenkänningen svarar inte"),
        (asr.AudioError("The file x.wav is a picture, not a recording."), "gick inte att använda"),
    ],
)
def test_a_recordings_fault_is_said_in_the_learners_language(error, swedish):
    assert handlers.asr_message(error, "en") == str(error)  # English: asr's exact words
    assert swedish in handlers.asr_message(error, "sv")


def zipped(folder: Path, target: Path) -> str:
    """A deck folder as a teacher uploads it: zipped with its folder."""
    import zipfile

    with zipfile.ZipFile(target, "w") as archive:
        for path in folder.rglob("*"):
            archive.write(path, path.relative_to(folder.parent))
    return str(target)


def test_a_reload_goes_on_with_an_uploaded_deck_or_says_it_is_gone(ctx, make_deck, tmp_path):
    from ui import decks

    report, uploaded, menu, _ = decks.upload(ctx, [zipped(make_deck(), tmp_path / "m.zip")], "", {})
    key = menu["value"]
    assert report.startswith("### ✓") and key == "Testdjur (uploaded)"
    mine = decks.remember(ctx, key, uploaded, {})
    screen = handlers.begin(ctx, {}, key, uploaded)
    screen = handlers.skip(ctx, screen.stored, key, uploaded, None, True)
    stored = screen.stored
    # The reload: the tab's state is gone, the browser's storage is not.
    again = decks.on_load(ctx, stored, "Djur", {}, mine, None)
    assert again.deck_key["value"] == key and key in again.uploaded
    assert key in values(again.deck_key)  # the value among the choices it comes with
    assert "Welcome back" in again.screen.feedback
    assert game.from_dict(again.screen.stored).round.position == 1  # the round goes on
    # A restarted server has lost the upload: said, not silently swapped for another deck.
    restarted = Context.create({d.name: d for d in [ctx.library.first()]}, ctx.model, ctx.options)
    gone = decks.on_load(restarted, stored, "Djur", {}, mine, None)
    assert gone.deck_key["value"] in values(gone.deck_key)
    assert "no longer on this server" in gone.screen.feedback
    assert "Testdjur" in gone.screen.feedback


def test_a_reload_goes_on_with_the_round_of_a_deck_that_is_not_the_menus_first(tmp_path):
    from ui import decks

    first = two_cards(tmp_path, Heard("hund")).library.first()
    second = game.Deck("Zoo", tuple(game.Card(c.answer, c.article, image=c.image)
                                    for c in first.cards))  # fmt: skip
    ctx = Context.create({d.name: d for d in (first, second)}, Model(ready=Heard("hund")),
                         AppOptions(secret="s" * 32, work_dir=tmp_path / "work"))  # fmt: skip
    screen = handlers.begin(ctx, {}, "Zoo", {})
    stored = handlers.skip(ctx, screen.stored, "Zoo", {}, None, True).stored
    # The reload: the menu starts on its first deck, the browser's storage holds the round.
    again = decks.on_load(ctx, stored, "Djur", {}, {}, None)
    assert again.deck_key["value"] == "Zoo" and "Welcome back" in again.screen.feedback
    round_ = game.from_dict(again.screen.stored).round
    assert round_.deck == "Zoo" and round_.position == 1  # the round goes on


def test_a_teacher_uploading_in_swedish_reads_swedish(ctx, make_deck, tmp_path):
    import gradio as gr

    from ui import decks

    sv = {"lang": "sv"}
    with pytest.raises(gr.Error, match="Välj en kortlek att ladda upp"):
        decks.upload(ctx, [], "", {}, sv)
    report, *_ = decks.upload(ctx, [zipped(make_deck(), tmp_path / "djur.zip")], "", {}, sv)
    assert "Testdjur: 3 kort, redo att spela" in report


@pytest.mark.parametrize(
    ("everyone", "uploads", "menu"),
    [
        pytest.param(["Djur"], [], ["Djur"], id="one-deck"),
        pytest.param(["mat", "Djur", "Åka"], [], ["Djur", "mat", "Åka"], id="letter-case"),
        pytest.param(
            ["Djur", "Mat"],
            ["Zoo (uploaded)", "Affär (uploaded)"],
            ["Djur", "Mat", "Affär (uploaded)", "Zoo (uploaded)"],
            id="everyones-then-uploads",
        ),
    ],
)
def test_the_deck_menu(tmp_path, everyone, uploads, menu):
    from ui import decks

    cards = two_cards(tmp_path, Heard("hund")).library.first().cards
    library = {name: game.Deck(name, cards) for name in everyone}
    ctx = Context.create(library, Model(), AppOptions(secret="s" * 32, work_dir=tmp_path / "w"))
    uploaded = {key: ctx.library.first() for key in uploads}
    assert ctx.menu(uploaded) == menu
    assert decks.deck_menu(ctx, menu[-1], uploaded) == {
        "__type__": "update", "choices": [(key, key) for key in menu], "value": menu[-1]
    }  # fmt: skip


def test_every_place_the_deck_menu_is_built_offers_the_same_decks(make_deck, tmp_path):
    from ui import classes, decks, teacher

    ctx = two_cards(tmp_path, Heard("hund"), db_url=f"sqlite:///{tmp_path / 'classes.db'}")
    _, uploaded, after_upload, _ = decks.upload(ctx, [zipped(make_deck(), tmp_path / "z.zip")],
                                                "", {})  # fmt: skip
    code = teacher.create_class(ctx, "7B", ["Djur"])[1]["code"]
    try:
        after_join = classes.join_class(ctx, code, "Anna", None, {}, "Djur", uploaded).deck_key
    finally:
        ctx.classes.close()
    menu = ["Djur", "Testdjur (uploaded)"]
    assert values(after_upload) == values(after_join) == ctx.menu(uploaded) == menu
    assert (after_upload["value"], after_join["value"]) == ("Testdjur (uploaded)", "Djur")


def values(menu: dict) -> list[str]:
    """The keys a deck menu update offers (its choices are (label, key) pairs)."""
    return [key for _, key in menu["choices"]]


def _failed() -> Future:
    future: Future = Future()
    future.set_exception(asr.ModelLoadError("no such model"))
    return future


@pytest.mark.parametrize(
    ("model", "lang", "notice"),
    [(Model(), "en", "Speech recognition is not available right now"),
     (Model(future=_failed()), "en", "Speech recognition is not available right now"),
     (Model(future=_failed()), "sv", "Taligenkänningen fungerar inte just nu"),
     (Model(future=Future()), "en", "Speech recognition is starting"),
     (Model(ready=Heard("hund")), "en", None)],
)  # fmt: skip
def test_every_page_load_says_when_there_is_no_speech_model(tmp_path, model, lang, notice):
    from ui import decks

    ctx = two_cards(tmp_path, Heard("hund"))
    ctx = Context.create({ctx.library.first().name: ctx.library.first()}, model, ctx.options)
    for browser in ({}, handlers.begin(ctx, {}, "Djur", {}).stored):  # new, a reload
        feedback = decks.on_load(ctx, browser, "Djur", {}, {}, {"lang": lang}).screen.feedback
        if notice is None:
            assert "Speech recognition" not in feedback
        else:
            assert notice in feedback


@pytest.mark.parametrize(
    ("lang", "axes"),
    [("en", ("word", "points", "card", "right (%)")), ("sv", ("ord", "poäng", "kort", "rätt (%)"))],
)
def test_the_round_charts_speak_the_learners_language(ctx, lang, axes):
    from ui.screen import accuracy_chart, points_chart

    deck = ctx.library.first()
    state = game.from_dict(handlers.begin(ctx, {}, "Djur", {}).stored)
    while (card := game.current_card(state, deck)) is not None:
        state, _ = game.answer(state, deck, card.display)
    summary = game.summary(state)
    points, accuracy = points_chart(summary, deck, lang), accuracy_chart(summary, lang)
    assert (points.x, points.y, accuracy.x, accuracy.y) == axes
    assert list(points.value["columns"])[:2] == list(axes[:2])


@pytest.mark.parametrize(
    ("model", "sv"),
    [(Model(ready=Heard("hund"), name="tiny"), "Taligenkänningen är redo (tiny)."),
     (Model(), "⌨️ Ingen talmodell: skriv dina svar."),
     (Model(future=Future(), name="tiny"), "⏳ Talmodellen (tiny) laddas…"),
     (Model(future=_failed()), "⚠️ Talmodellen kunde inte laddas: no such model Skriv dina svar.")],
)  # fmt: skip
def test_the_operators_status_in_swedish(model, sv):
    assert sv in model.status("sv") and model.status("en") != model.status("sv")


def test_a_refusal_is_titled_in_the_learners_language():
    from ui.text import refusal

    error = refusal("choose_deck", "sv")
    assert error.title == "Fel" and error.message == say("choose_deck", "sv")


class Knowing:
    """A recogniser that hears `text` and says how sure it is that there was no speech."""

    def __init__(self, text: str, no_speech_prob: float | None) -> None:
        self.text, self.no_speech_prob = text, no_speech_prob

    def transcribe(self, audio, sample_rate=None) -> asr.Transcript:
        return asr.Transcript(self.text, 0.1, 0.1, False, no_speech_prob=self.no_speech_prob,
                              avg_logprob=-0.4)  # fmt: skip


@pytest.mark.parametrize(
    ("heard", "no_speech_prob", "tries"),
    [
        ("Tack för att du tittade.", 0.9, 0),  # the model says: a cough, not speech
        ("häst", 0.9, 0),
        ("häst", 0.1, 1),
        ("häst", None, 1),
    ],
)
def test_what_the_model_knows_about_no_speech_reaches_the_game(tmp_path, heard, no_speech_prob,
                                                               tries):  # fmt: skip
    ctx = two_cards(tmp_path, Knowing(heard, no_speech_prob))
    start = handlers.begin(ctx, {}, "Djur", {})  # hund and katt: "häst" is wrong for both
    screen = handlers.answer_audio(ctx, "answer.wav", start.stored, "Djur", {}, None,
                                   True)  # fmt: skip
    turn = game.from_dict(screen.stored).round.turn
    assert turn.tries == tries
