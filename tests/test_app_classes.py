"""Class mode through the running app: a teacher, students joining by code, the dashboard.

Driven with gradio_client as a script would (every class action has an API name), on a real
SQLite file; the storage itself is tested on SQLite and Postgres in tests/test_classroom_db.py.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from pathlib import Path

import pytest

import app
from game import Card, Deck
from tests.conftest import class_app, pictured_deck

WORDS = [("hund", "en"), ("katt", "en"), ("häst", "en")]


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    deck = pictured_deck(tmp_path_factory.mktemp("pics"), WORDS)
    db = tmp_path_factory.mktemp("db") / "classes.db"
    demo, url = class_app(deck, db, tmp_path_factory.mktemp("work"))
    yield url, db
    app.close(demo)


def client(url):
    from gradio_client import Client

    return Client(url, verbose=False)


def new_class(url) -> tuple[str, str]:
    made = client(url).predict("7B", ["Djur"], api_name="/create_class")
    code = re.search(r"Join code: \*\*(\w+)\*\*", made).group(1)
    key = re.search(r"Teacher key: `([^`]+)`", made).group(1)
    assert f"?class={code}" in made
    return code, key


def seat_of(result) -> dict:
    return next(v for v in result if isinstance(v, dict) and "token" in v)


def up_now(result) -> str:
    state = next(v for v in result if isinstance(v, dict) and "round" in v)["round"]
    word = state["queue"][state["position"]]
    return f"{dict(WORDS)[word]} {word}"


def test_two_students_answer_at_once_and_the_dashboard_shows_both(running):
    from gradio_client.exceptions import AppError

    url, _ = running
    code, key = new_class(url)
    students = {"Anna": client(url), "Omar": client(url)}
    joined = {name: c.predict(code, name, api_name="/join_class") for name, c in
              students.items()}  # fmt: skip
    assert all("you are in 7B" in r[0] and "PIN" in r[0] for r in joined.values())
    errors = []

    def play(name):
        try:
            result = joined[name]
            for _ in range(len(WORDS)):
                result = students[name].predict(up_now(result), "Djur", True,
                                                api_name="/answer_text")  # fmt: skip
        except Exception as e:  # reported below: a thread's exception is otherwise lost
            errors.append(e)

    threads = [threading.Thread(target=play, args=(name,)) for name in students]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    head, table, words, board, *_ = client(url).predict(code, key, api_name="/class_results")
    assert "2 students" in head
    assert f"All answers are recorded ({2 * len(WORDS)})" in head  # said at all times
    rows = {row[0]: row for row in table["data"]}
    assert set(rows) == {"Anna", "Omar"}
    assert all(row[2] == len(WORDS) and row[3] == "100%" for row in rows.values())
    assert [row[1] for row in board["data"]] and {r[1] for r in board["data"]} == set(rows)
    assert all(row[2] == 0 for row in words["data"])  # nothing missed: every answer right
    with pytest.raises(AppError, match=r"(?i)key"):
        client(url).predict(code, "not-the-key", api_name="/class_results")


def test_the_csv_lists_every_answer(running):
    url, _ = running
    code, key = new_class(url)
    player = client(url)
    result = player.predict(code, "Lea", api_name="/join_class")
    player.predict("öh...", "Djur", True, api_name="/answer_text")  # no word: no answer
    player.predict("en elefant", "Djur", True, api_name="/answer_text")  # wrong
    player.predict(up_now(result), "Djur", True, api_name="/answer_text")  # right
    path = client(url).predict(code, key, api_name="/export_class")
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"))))
    assert [(r["student"], r["verdict"], r["heard"]) for r in rows] == [
        ("Lea", "wrong", "en elefant"), ("Lea", "correct", up_now(result)),
    ]  # fmt: skip
    assert rows[1]["tries"] == "2"


def test_a_rejoin_keeps_points_and_a_taken_name_is_refused(running):
    from gradio_client.exceptions import AppError

    url, _ = running
    code, _ = new_class(url)
    first = client(url)
    result = first.predict(code, "Nils", api_name="/join_class")
    first.predict(up_now(result), "Djur", True, api_name="/answer_text")
    seat = seat_of(result)
    again = client(url).predict(code, "Nils", "", "Djur", seat, api_name="/join_class")
    assert "Welcome back: 10 points so far" in again[0]
    with pytest.raises(AppError, match=r"(?i)taken|already"):
        client(url).predict(code, "Nils", api_name="/join_class")  # someone else, no seat
    pin = re.search(r"Your PIN is \*\*(\d+)\*\*", result[0]).group(1)
    elsewhere = client(url).predict(code, "nils", pin, api_name="/join_class")  # another device
    assert "Welcome back: 10 points so far" in elsewhere[0]


@pytest.mark.parametrize(
    ("code", "name", "message"),
    [("ZZZZZZ", "Anna", "(?i)no class"), (None, "", "(?i)name"),
     (None, "x" * 10_000, "(?i)name"), (None, "<b>Anna</b>", "(?i)name")],
)  # fmt: skip
def test_bad_joins_are_explained(running, code, name, message):
    from gradio_client.exceptions import AppError

    url, _ = running
    real, _ = new_class(url)
    with pytest.raises(AppError, match=message):
        client(url).predict(code or real, name, api_name="/join_class")


def test_the_solo_game_opens_no_database(tmp_path):
    db = tmp_path / "never.db"
    deck = Deck("D", (Card("hund", "en"),))
    options = app.AppOptions(secret="s" * 32, work_dir=tmp_path / "w", db_url=f"sqlite:///{db}")
    demo = app.build_demo({deck.name: deck}, app.Model(), options)
    _, url, _ = app.launch(demo, prevent_thread_lock=True, server_name="127.0.0.1", quiet=True,
                           ssr_mode=False)  # fmt: skip
    try:
        player = client(url)
        player.predict("D", api_name="/new_round")
        player.predict("en hund", "D", True, api_name="/answer_text")
    finally:
        app.close(demo)
    assert not db.exists()


def test_a_student_is_told_in_their_language(running):
    from gradio_client.exceptions import AppError

    url, _ = running
    code, _ = new_class(url)
    sv = {"lang": "sv"}
    with pytest.raises(AppError, match="Det finns ingen klass med den koden"):
        client(url).predict("ZZZZZZ", "Anna", None, None, None, sv, api_name="/join_class")
    joined = client(url).predict(code, "Maja", None, None, None, sv, api_name="/join_class")
    assert "Maja, du är med i 7B" in joined[0] and "Din PIN-kod är" in joined[0]
    with pytest.raises(AppError, match="Någon i klassen heter redan ”Maja”"):
        client(url).predict(code, "Maja", None, None, None, sv, api_name="/join_class")


def state_of(result) -> dict:
    return next(v for v in result if isinstance(v, dict) and "round" in v)


def test_a_forged_game_state_changes_nothing_the_teacher_sees(running):
    """Two students play the same way; one sends /start a state of their own making before
    every answer (a streak of 1000, a score of 99999, no tries or hints used). The class counts
    what the server judged and gave, so both rows, the leaderboard and the CSV agree."""
    url, _ = running
    code, key = new_class(url)
    honest, forger = client(url), client(url)
    results = {"Ärlig": honest.predict(code, "Ärlig", api_name="/join_class"),
               "Fuskare": forger.predict(code, "Fuskare", api_name="/join_class")}  # fmt: skip

    def forge(result) -> dict:
        state = state_of(result)
        state["round"] |= {"streak": 1000, "best_streak": 1000, "score": 99_999,
                           "turn": [0, 0, [], False, False]}  # fmt: skip
        state["round"]["results"] = [[r[0], "correct", 1000, 1, 0, [], True]
                                     for r in state["round"]["results"]]  # fmt: skip
        return forger.predict(state, "Djur", {}, {}, api_name="/start")

    for name, player in (("Ärlig", honest), ("Fuskare", forger)):
        result = results[name]
        steps = [("en elefant", None), (None, None), ("hint", None), (None, None), (None, None)]
        for said, _ in steps:
            if player is forger:
                result = forge(result)
            if said == "hint":
                result = player.predict("Djur", True, api_name="/hint")
                continue
            result = player.predict(said or up_now(result), "Djur", True, api_name="/answer_text")
        if player is forger:  # the forgery took: the learner's own game believes it
            assert state_of(result)["round"]["streak"] > 1000
    _, table, _, board, *_ = client(url).predict(code, key, api_name="/class_results")
    rows = {row[0]: row[1:] for row in table["data"]}
    # wrong then right: 8; a hint then right: 7 + 1 (streak 2); right: 10 + 2 (streak 3)
    assert rows["Ärlig"][1:] == [4, "75%", 28, 3]
    assert rows["Fuskare"][1:] == rows["Ärlig"][1:]
    assert {r[1]: (r[2], r[3]) for r in board["data"]} == {"Ärlig": (28, 3), "Fuskare": (28, 3)}
    path = client(url).predict(code, key, api_name="/export_class")
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"))))
    counted = {name: [(r["verdict"], r["tries"], r["points"], r["streak"]) for r in rows
                      if r["student"] == name] for name in ("Ärlig", "Fuskare")}  # fmt: skip
    assert counted["Ärlig"] == [
        ("wrong", "1", "0", "0"), ("correct", "2", "8", "1"), ("correct", "1", "8", "2"),
        ("correct", "1", "12", "3"),
    ]  # fmt: skip
    assert counted["Fuskare"] == counted["Ärlig"]


def test_guessing_teacher_keys_through_the_app_is_limited_per_address(running):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    url, _ = running
    code, key = new_class(url)
    guesser = Client(url, verbose=False, headers={"X-Forwarded-For": "203.0.113.77"})
    for n in range(10):
        with pytest.raises(AppError, match="teacher key does not open"):
            guesser.predict(code, f"guess-{n:04d}", api_name="/class_results")
    with pytest.raises(AppError, match="Too many wrong teacher keys"):
        guesser.predict(code, key, api_name="/class_results")  # even the right key, for now
    head, *_ = client(url).predict(code, key, api_name="/class_results")  # the teacher, elsewhere
    assert code in head


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [("127.0.0.1", "", "127.0.0.1"), ("127.0.0.1", "203.0.113.5", "203.0.113.5"),
     ("10.0.0.2", "1.2.3.4, 203.0.113.5", "203.0.113.5"),  # our proxy's own entry is last
     ("93.184.216.34", "203.0.113.5", "93.184.216.34")],  # not our proxy: the header is a claim
)  # fmt: skip
def test_the_address_limits_count_against(peer, forwarded, client):
    from types import SimpleNamespace

    from ui.classes import client_of

    headers = {"x-forwarded-for": forwarded} if forwarded else {}
    request = SimpleNamespace(client=SimpleNamespace(host=peer), headers=headers)
    assert client_of(request) == client
    assert client_of(None) == ""
