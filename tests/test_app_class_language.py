"""Class mode speaks the reader's language: a Swedish browser (or the Swedish setting) gets the
teacher's class, dashboard, controls and errors, and the student's messages, in Swedish; every
error `classroom` raises at a person has its Swedish in ui/text.py by the same key."""

from __future__ import annotations

import html
import re
import string
from datetime import timedelta

import pytest

import app
from classroom import errors
from game import Card, Deck
from tests.conftest import class_app, pictured_deck
from ui.text import STRINGS, say

SWEDISH = {"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"}


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_error_a_person_meets_is_said_in_swedish_with_the_same_figures() -> None:
    for key, english in errors.SAID.items():
        if key == "db_down":  # the app says it for its reader instead (class_db_down*)
            continue
        assert key in STRINGS, key
        en, sv = STRINGS[key]
        assert en == english  # one English: classroom's own
        assert fields(sv) == fields(english), key
        assert sv != en, key


@pytest.mark.parametrize(
    "error",
    [errors.ClassNotFound("ZZZZZZ"), errors.ClassExpired("K7QX3M"), errors.NameTaken("Anna"),
     errors.WrongPin("Anna"), errors.WrongTeacherKey(),
     errors.TooManyTries("pins", timedelta(minutes=3)),
     errors.InvalidName(key="name_chars", allowed="- ' . _", shown="< >"),
     errors.InvalidClass(key="class_decks_count", most=20)],
)  # fmt: skip
def test_an_error_reads_the_same_from_the_app_in_english(error) -> None:
    from ui.classes import told

    # escaped for the page, which shows an error's message as HTML
    assert html.unescape(told("en", error)) == str(error)
    assert html.unescape(told("sv", error)) == say(error.key, "sv", **error.params) != str(error)


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    deck = pictured_deck(tmp_path_factory.mktemp("pics"), [("hund", "en")])
    db = tmp_path_factory.mktemp("db") / "classes.db"
    demo, served = class_app(deck, db, tmp_path_factory.mktemp("work"))
    yield served
    app.close(demo)


def swedish(url, address: str = "10.9.0.1"):
    from gradio_client import Client

    return Client(url, verbose=False, headers={**SWEDISH, "X-Forwarded-For": address})


def test_a_teacher_with_a_swedish_browser_runs_a_class_in_swedish(url) -> None:
    from gradio_client.exceptions import AppError

    teacher = swedish(url)
    made = teacher.predict("7B", ["Djur"], api_name="/create_class")
    assert "Klassen 7B är klar" in made and "Resultaten visas nedan" in made
    code = re.search(r"Klasskod: \*\*(\w+)\*\*", made).group(1)
    key = re.search(r"Lärarnyckel: `([^`]+)`", made).group(1)
    swedish(url, "10.9.0.2").predict(code, "Åsa", api_name="/join_class")
    shown = teacher.predict(code, key, api_name="/class_results")
    head, students, words, board, _, grid, _ = shown
    assert "7B" in head and "1 elever" in head and "Alla svar är sparade (0)" in head
    assert "Öppen till" in head
    assert students["headers"] == ["elev", "omgångar", "svar", "rätt", "poäng", "bästa svit"]
    assert words["headers"] == ["ord", "svar", "missade", "rätt"]
    assert board["headers"] == ["plats", "elev", "poäng", "bästa svit"]
    assert grid["headers"] == ["elev"] and grid["data"][0] == ["Åsa"]
    assert "Ny PIN-kod för Åsa" in teacher.predict(code, key, "Åsa", api_name="/new_pin")
    with pytest.raises(AppError, match="Välj en elev först"):
        teacher.predict(code, key, None, api_name="/new_pin")
    with pytest.raises(AppError, match="Ingen elev i klassen heter ”Bo”"):
        teacher.predict(code, key, "Bo", api_name="/new_pin")
    with pytest.raises(AppError, match="Den lärarnyckeln öppnar inte"):
        teacher.predict(code, "fel-nyckel-123", api_name="/class_results")
    with pytest.raises(AppError, match="Det finns ingen kortlek som heter Mat"):
        teacher.predict("7C", ["Mat"], api_name="/create_class")
    with pytest.raises(AppError, match="Skriv klassens namn"):
        teacher.predict("", ["Djur"], api_name="/create_class")
    assert "är avslutad" in teacher.predict(code, key, api_name="/end_class")
    head, *_ = teacher.predict(code, key, api_name="/class_results")
    assert "Klassen är avslutad" in head
    with pytest.raises(AppError, match="Kryssa i rutan först"):
        teacher.predict(code, key, False, api_name="/delete_class")
    said, *_ = teacher.predict(code, key, True, api_name="/delete_class")
    assert f"Klassen {code} är raderad, med sina 1 elever" in said


def test_a_student_with_a_swedish_browser_is_told_everything_in_swedish(url) -> None:
    from gradio_client.exceptions import AppError

    made = swedish(url, "10.9.1.1").predict("8A", ["Djur"], api_name="/create_class")
    code = re.search(r"Klasskod: \*\*(\w+)\*\*", made).group(1)
    joined = swedish(url, "10.9.1.2").predict(code, "Maja", api_name="/join_class")
    assert "Maja, du är med i 8A" in joined[0] and "Din PIN-kod är" in joined[0]
    assert any("8A** · Maja · PIN-kod **" in str(v) for v in joined)
    with pytest.raises(AppError, match="Ett namn får bara ha bokstäver"):
        swedish(url, "10.9.1.3").predict(code, "<b>Bo</b>", api_name="/join_class")
    with pytest.raises(AppError, match="Det är inte PIN-koden för ”Maja”"):
        swedish(url, "10.9.1.4").predict(code, "Maja", "0000" if "0000" not in joined[0] else
                                         "1111", api_name="/join_class")  # fmt: skip
    guesser = swedish(url, "10.9.1.5")
    for n in range(20):
        with pytest.raises(AppError, match="Det finns ingen klass med den koden"):
            guesser.predict(f"ZZZZ{n:02d}", "Maja", api_name="/join_class")
    with pytest.raises(AppError, match=r"För många klasskoder som inte finns.*Vänta 10 min"):
        guesser.predict(code, "Maja", api_name="/join_class")
    # the Swedish setting counts as much as the browser's language
    from gradio_client import Client

    english_browser = Client(url, verbose=False, headers={"Accept-Language": "en"})
    with pytest.raises(AppError, match="Det finns ingen klass med den koden"):
        english_browser.predict("ZZZZZZ", "Anna", None, None, None, {"lang": "sv"},
                                api_name="/join_class")  # fmt: skip


def test_a_student_who_is_no_longer_in_a_class_is_told_in_their_language(tmp_path) -> None:
    from types import SimpleNamespace

    from ui import classes
    from ui.context import AppOptions, Context, Model

    deck = Deck("Djur", (Card("hund", "en"),))
    ctx = Context.create({deck.name: deck}, Model(),
                         AppOptions(secret="s" * 32, work_dir=tmp_path / "w",
                                    db_url=f"sqlite:///{tmp_path / 'c.db'}"))  # fmt: skip
    try:
        room = ctx.classes.room()
        made = room.create_class("9C", ["Djur"])
        anna = room.join_class(made.code, "Anna")
        seat = {"code": made.code, "name": "Anna", "token": anna.token, "pin": anna.pin}
        request = SimpleNamespace(headers={"accept-language": "sv"}, client=None)
        student, _, _, line, code, name = classes.rejoin(ctx, seat, None, None, request)
        assert student.name == "Anna" and f"PIN-kod **{anna.pin}**" in line
        assert (code, name) == (made.code, "Anna")  # a press on "Join" gets its decks back
        room.end_class(made.code, made.teacher_key)
        student, said, seat_after, line, *_ = classes.rejoin(ctx, seat, None, None, request)
        assert student is None and seat_after == {} and line == ""
        assert said == f"Du är inte längre med i klassen {made.code}: " + say("class_ended", "sv")
    finally:
        ctx.classes.close()


def test_a_teacher_picks_decks_by_their_names_in_the_teachers_language(tmp_path) -> None:
    from ui import teacher
    from ui.context import AppOptions, Context, Model

    animals = Deck("Djur (animals)", (Card("hund", "en"),), name_sv="Djur", name_en="Animals")
    ctx = Context.create({animals.name: animals}, Model(),
                         AppOptions(secret="s" * 32, work_dir=tmp_path / "w"))  # fmt: skip
    uploaded = {"Mina ord (uploaded)": Deck("Mina ord", (Card("katt", "en"),), name_en="My words")}
    for lang, label, mine in (("sv", "Djur", "Mina ord (uppladdad)"),
                              ("en", "Animals", "My words (uploaded)")):  # fmt: skip
        menu = teacher.deck_choices(ctx, uploaded, {"lang": lang})
        assert menu["choices"] == [(label, "Djur (animals)"), (mine, "Mina ord (uploaded)")]


def test_a_student_joining_gets_the_deck_menu_in_their_language(tmp_path, make_deck) -> None:
    """The menu a join sends (the class's decks among the student's own) is labelled in the
    student's language, from the setting or from the browser, and keeps the decks' keys."""
    from types import SimpleNamespace

    from tests.test_ui_handlers import zipped
    from ui import classes, decks, teacher
    from ui.context import AppOptions, Context, Model

    animals = Deck("Djur (animals)", (Card("hund", "en"),), name_sv="Djur", name_en="Animals")
    ctx = Context.create({animals.name: animals}, Model(),
                         AppOptions(secret="s" * 32, work_dir=tmp_path / "w",
                                    db_url=f"sqlite:///{tmp_path / 'c.db'}"))  # fmt: skip
    own = make_deck(toml='name = "Testdjur"\nname_en = "Test animals"\nlanguage = "sv"\n')
    _, uploaded, _, _ = decks.upload(ctx, [zipped(own, tmp_path / "own.zip")], "", {})
    try:
        made = teacher.create_class(ctx, "7B", ["Djur (animals)", "Testdjur (uploaded)"],
                                    uploaded)[1]  # fmt: skip
        code = made["code"]
        swedish_browser = SimpleNamespace(headers={"accept-language": "sv-SE"}, client=None)
        for name, prefs, request, labels in (
            ("Anna", {"lang": "sv"}, None, ["Djur", "Testdjur (uppladdad)"]),
            ("Omar", {"lang": ""}, swedish_browser, ["Djur", "Testdjur (uppladdad)"]),
            ("Bo", {"lang": "en"}, swedish_browser, ["Animals", "Test animals (uploaded)"]),
        ):
            joined = classes.join_class(ctx, code, name, None, {}, "Djur (animals)", {}, None,
                                        prefs, None, request)  # fmt: skip
            menu = joined.deck_key
            assert menu["choices"] == list(zip(labels, ["Djur (animals)", "Testdjur (uploaded)"],
                                               strict=True))  # fmt: skip
            assert menu["value"] == "Djur (animals)"
        head = teacher.class_results(ctx, code, made["key"], {"lang": "sv"}).dash_head
        assert "kortlekar: Djur, Testdjur (uppladdad)" in head  # the teacher's too
    finally:
        ctx.classes.close()
