"""Class mode's rules without a server: codes, names, keys, where the database goes, the figures."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from classroom import BadDatabaseSetting, Classroom, InvalidClass, InvalidName, StudentResult
from classroom.identity import (
    CODE_ALPHABET,
    check_salted,
    check_token,
    new_code,
    normalize_code,
    salted_hash,
    token_hash,
)
from classroom.location import default_database_url
from classroom.results import _cell, leaderboard


@pytest.fixture
def room(tmp_path: Path) -> Iterator[Classroom]:
    with Classroom(f"sqlite:///{tmp_path / 'classes.db'}", retry_delays=()) as opened:
        yield opened


def test_join_codes_are_short_and_unambiguous() -> None:
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(len(c) == 6 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("0O1IL") & set(CODE_ALPHABET)
    assert normalize_code(" da3-dep\t") == "DA3DEP"


def test_secrets_are_checked_against_hashes_only() -> None:
    stored = salted_hash("deployer-secret")
    assert "deployer-secret" not in stored and stored != salted_hash("deployer-secret")
    assert check_salted("deployer-secret", stored)
    assert not check_salted("deployer-secreT", stored)
    assert not check_salted("deployer-secret", "damaged")
    assert check_token("abc", token_hash("abc")) and not check_token("", token_hash(""))


def test_the_teacher_key_is_shown_once_and_never_stored(room: Classroom, tmp_path: Path) -> None:
    made = room.create_class("7B", ["Djur"])
    deployer = room.create_class("7C", ["Djur"], teacher_key="the-deployers-own-key")
    assert deployer.teacher_key == "the-deployers-own-key"
    assert room.class_results(deployer.code, "the-deployers-own-key").name == "7C"
    room.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("classes.db*"))
    assert made.teacher_key.encode() not in stored and b"the-deployers-own-key" not in stored


@pytest.mark.parametrize(
    "name, decks, key, error, message",
    [
        ("7B", [], None, InvalidClass, "1 to 20 decks"),
        ("7B", [f"d{n}" for n in range(21)], None, InvalidClass, "1 to 20 decks"),
        ("7B", [""], None, InvalidClass, "needs a name"),
        ("7B", ["Djur\x00"], None, InvalidClass, "needs a name"),
        ("7B", ["Djur"], "short", InvalidClass, "at least 8"),
        ("", ["Djur"], None, InvalidName, "type a class name"),
        ("<i>7B</i>", ["Djur"], None, InvalidName, r"\(not < >\)"),
        ("x" * 81, ["Djur"], None, InvalidName, "at most 80"),
    ],
)
def test_a_class_that_cannot_be_made_says_why(
    room: Classroom, name: str, decks: list[str], key: str | None, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        room.create_class(name, decks, teacher_key=key)


def test_a_class_keeps_its_decks_in_order_once_each(room: Classroom) -> None:
    made = room.create_class(" Klass 7B (HT26) ", ["Djur (animals)", "Mat", "Djur (animals)"])
    assert (made.name, made.decks) == ("Klass 7B (HT26)", ("Djur (animals)", "Mat"))
    assert made.link_query == f"?class={made.code}"
    assert room.join_class(made.code, "Anna").decks == ("Djur (animals)", "Mat")


@pytest.mark.parametrize(
    "setting, env, data, expected",
    [
        ("postgresql+psycopg://u:pw@db/sag", {}, True, "postgresql+psycopg://u:pw@db/sag"),
        (None, {"SAGDET_DB": "sqlite:////srv/x.db"}, True, "sqlite:////srv/x.db"),
        ("{tmp}/classes", {}, True, "sqlite:///{tmp}/classes/sag-det.db"),
        ("{tmp}/my.sqlite", {"SAGDET_DB": "/other"}, False, "sqlite:///{tmp}/my.sqlite"),
        (None, {}, True, "sqlite:///{data}/sag-det.db"),
        (None, {"SAGDET_DB": "  "}, False, "sqlite:///{home}/.cache/sag-det/classes.db"),
    ],
)
def test_where_the_database_goes(
    tmp_path: Path, setting: str | None, env: dict[str, str], data: bool, expected: str
) -> None:
    data_dir, home = tmp_path / "data", tmp_path / "home"
    if data:
        data_dir.mkdir()
    setting = setting.format(tmp=tmp_path) if setting else setting
    url = default_database_url(setting, env=env, data_dir=data_dir, home=home)
    assert url == expected.format(data=data_dir, home=home, tmp=tmp_path)


@pytest.mark.parametrize(
    "setting, why",
    [("notadialect://x", "no such database"), ("not a url://x", "not a URL"),
     ("postgres://u@h/d", "PostgreSQL is postgresql+psycopg://")],
)  # fmt: skip
def test_a_malformed_database_url_is_refused(setting: str, why: str) -> None:
    with pytest.raises(BadDatabaseSetting, match=re.escape(why)):
        default_database_url(setting, env={})
    with pytest.raises(BadDatabaseSetting, match=re.escape(why)):
        Classroom(setting)


def test_equal_points_and_streak_share_a_rank() -> None:
    def student(name: str, points: int, streak: int) -> StudentResult:
        return StudentResult(name, 1, 1, 1, 1.0, points, streak, datetime.now(UTC))

    board = leaderboard(
        (student("Bo", 20, 2), student("anna", 20, 2), student("Cy", 20, 1), student("Di", 5, 9))
    )
    assert [(r.rank, r.name) for r in board] == [(1, "anna"), (1, "Bo"), (3, "Cy"), (4, "Di")]


@pytest.mark.parametrize(
    "value, shown",
    [("=HYPERLINK(1)", "'=HYPERLINK(1)"), ("+46", "'+46"), ("@x", "'@x"), ("hund", "hund"), (3, 3)],
)
def test_csv_cells_never_run_as_formulas(value: object, shown: object) -> None:
    assert _cell(value) == shown


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("  Anna   Lind ", "Anna Lind"),
        ("Anna\nLind", "Anna Lind"),
        (unicodedata.normalize("NFD", "Åsa Öberg"), "Åsa Öberg"),
        ("O'Brien", "O'Brien"),
        ("José-María", "José-María"),
        ("a" * 40, "a" * 40),
    ],
)
def test_names_are_trimmed_and_composed(room: Classroom, typed: str, stored: str) -> None:
    made = room.create_class("7B", ["Djur"])
    assert room.join_class(made.code, typed).name == stored
    assert [s.name for s in room.class_results(made.code, made.teacher_key).students] == [stored]


def test_an_answer_never_lands_in_another_class(room: Classroom) -> None:
    """Even a forged student (class B's id, class A's student) cannot write into either class."""
    a = room.create_class("7A", ["Djur"])
    b = room.create_class("7B", ["Djur"])
    anna = room.join_class(a.code, "Anna")
    in_b = room.join_class(b.code, "Bo")
    forged = dataclasses.replace(anna, class_id=in_b.class_id, class_code=b.code)
    room.record_answer(forged, card_id="hund", answer="hund", verdict="correct")
    room.record_answer(in_b, card_id="ost", answer="ost", verdict="correct")
    room.flush()
    assert room.status(b.code).refused == 1 and room.status(b.code).recorded == 1
    assert room.status().ok  # a refused row is not an outage
    for made, answers in ((a, {"Anna": 0}), (b, {"Bo": 1})):
        got = room.class_results(made.code, made.teacher_key)
        assert {s.name: s.answers for s in got.students} == answers
