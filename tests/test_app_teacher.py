"""A teacher's whole flow through the running app, as a script or the page drives it: a class on
a deck they uploaded (kept for the class, so another replica serves it too), the dashboard with
each student's words, a new PIN, ending and deleting the class; students see their PIN."""

from __future__ import annotations

import re
import sqlite3
import zipfile
from pathlib import Path

import pytest

import app
from tests.conftest import class_app, pictured_deck, png_bytes

WORDS = {"hund": "en", "katt": "en"}
UPLOAD = {"äpple": "ett", "ost": "en"}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    deck = pictured_deck(tmp_path_factory.mktemp("pics"), list(WORDS.items()))
    db = tmp_path_factory.mktemp("db") / "classes.db"
    first = class_app(deck, db, tmp_path_factory.mktemp("work1"))
    second = class_app(deck, db, tmp_path_factory.mktemp("work2"))  # another replica
    yield first[1], second[1], db, tmp_path_factory.mktemp("upload")
    for demo, _ in (first, second):
        app.close(demo)


def client(url):
    from gradio_client import Client

    return Client(url, verbose=False)


def upload_zip(folder: Path) -> Path:
    deck = folder / "mina-ord"
    deck.mkdir(exist_ok=True)
    (deck / "deck.toml").write_text('name = "Mina ord"\nlanguage = "sv"\nlicense = "CC0-1.0"\n')
    lines = ["image,answer,article"]
    for i, (word, article) in enumerate(UPLOAD.items()):
        (deck / f"{i}.png").write_bytes(png_bytes(color=["blue", "yellow"][i]))
        lines.append(f"{i}.png,{word},{article}")
    (deck / "items.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = folder / "mina-ord.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for path in deck.rglob("*"):
            archive.write(path, path.relative_to(folder))
    return target


def state_of(result) -> dict:
    return next(v for v in result if isinstance(v, dict) and "round" in v)


def up_now(result, words: dict[str, str]) -> str:
    state = state_of(result)["round"]
    word = state["queue"][state["position"]]
    return f"{words[word]} {word}"


def made_class(made: str) -> tuple[str, str]:
    code = re.search(r"Join code: \*\*(\w+)\*\*", made).group(1)
    key = re.search(r"Teacher key: `([^`]+)`", made).group(1)
    return code, key


def test_a_class_on_an_uploaded_deck_served_by_every_replica(served) -> None:
    from gradio_client import handle_file

    url, other_url, _, folder = served
    teacher = client(url)
    _, menu = teacher.predict([handle_file(str(upload_zip(folder)))], "", api_name="/upload_deck")
    assert menu["value"] == "Mina ord (uploaded)"
    made = teacher.predict("7B", ["Mina ord (uploaded)"], api_name="/create_class")
    code, key = made_class(made)
    assert "The results are open below" in made
    for where, name in ((url, "Anna"), (other_url, "Bo")):  # the other replica unpacks it
        student = client(where)
        result = student.predict(code, name, api_name="/join_class")
        assert state_of(result)["round"]["deck"] == "Mina ord"
        result = student.predict(up_now(result, UPLOAD), "Mina ord (uploaded)", True,
                                 api_name="/answer_text")  # fmt: skip
        assert "Right" in str(result)
    head, table, *_, grid, _ = teacher.predict(code, key, api_name="/class_results")
    assert "2 students" in head and "decks: Mina ord (uploaded)" in head
    assert {row[0]: row[2] for row in table["data"]} == {"Anna": 1, "Bo": 1}
    assert grid["headers"][0] == "student" and set(grid["headers"][1:]) <= {"ett äpple", "en ost"}
    assert all("1 / 1" in row for row in grid["data"])


def test_a_student_sees_their_pin_and_the_teacher_gives_a_new_one(served) -> None:
    from gradio_client.exceptions import AppError

    url, _, _, _ = served
    code, key = made_class(client(url).predict("7C", ["Djur"], api_name="/create_class"))
    anna = client(url).predict(code, "Anna", api_name="/join_class")
    pin = re.search(r"Your PIN is \*\*(\d{4})\*\*", anna[0]).group(1)
    assert any(f"7C** · Anna · PIN **{pin}**" in str(v) for v in anna)  # above every tab
    with pytest.raises(AppError, match="Choose a student"):
        client(url).predict(code, key, None, api_name="/new_pin")
    said = client(url).predict(code, key, "Anna", api_name="/new_pin")
    new = re.search(r"New PIN for Anna: \*\*(\d{4})\*\*", said).group(1)
    back = client(url).predict(code, "Anna", new, api_name="/join_class")  # another device
    assert "Welcome back" in back[0] and any(f"PIN **{new}**" in str(v) for v in back)
    with pytest.raises(AppError, match="key"):
        client(url).predict(code, "wrong-key-1234", "Anna", api_name="/new_pin")


def test_a_teacher_ends_then_deletes_a_class(served) -> None:
    from gradio_client.exceptions import AppError

    url, _, db, _ = served
    code, key = made_class(client(url).predict("7D", ["Djur"], api_name="/create_class"))
    student = client(url)
    result = student.predict(code, "Cy", api_name="/join_class")
    student.predict(up_now(result, WORDS), "Djur", True, api_name="/answer_text")
    said = client(url).predict(code, key, api_name="/end_class")
    assert f"Class {code} has ended" in said
    with pytest.raises(AppError, match="has ended"):
        client(url).predict(code, "Di", api_name="/join_class")
    head, table, *_ = client(url).predict(code, key, api_name="/class_results")
    assert "This class has ended" in head and table["data"][0][2] == 1  # the results stay
    with pytest.raises(AppError, match="Tick the box"):
        client(url).predict(code, key, False, api_name="/delete_class")
    said, *_ = client(url).predict(code, key, True, api_name="/delete_class")
    assert f"Class {code} is deleted, with its 1 students" in said
    with pytest.raises(AppError, match="no class with that code"):
        client(url).predict(code, key, api_name="/class_results")
    with sqlite3.connect(db) as conn:
        gone = conn.execute("SELECT count(*) FROM sagdet_class WHERE code = ?", (code,))
        assert gone.fetchone() == (0,)
        names = [r[0] for r in conn.execute("SELECT name FROM sagdet_student")]
    assert "Cy" not in names


def test_the_teacher_reads_what_is_stored_in_their_language() -> None:
    import inspect

    from classroom import Classroom
    from ui.text import say

    defaults = inspect.signature(Classroom).parameters
    days = (defaults["expiry_days"].default, defaults["keep_days"].default)
    assert days == (30, 90)
    english, swedish = say("class_privacy", "en"), say("class_privacy", "sv")
    assert "30 days after it is made" in english and "90 days after it ends" in english
    assert "30 dagar" in swedish and "90 dagar" in swedish
