"""Swedish text helpers behind judging, and the letter diff the learner sees."""

from __future__ import annotations

import unicodedata

import pytest

from game import Card, judge
from game.judge import DiffSpan, letter_diff, max_edits
from game.swedish import definite_forms, dots_only, normalize, plural_forms


@pytest.mark.parametrize(
    ("word", "article", "expected"),
    [
        ("hund", "en", "hunden"),
        ("kaka", "en", "kakan"),
        ("sko", "en", "skon"),
        ("nyckel", "en", "nyckeln"),
        ("kamel", "en", "kamelen"),
        ("äpple", "ett", "äpplet"),
        ("hus", "ett", "huset"),
        ("fönster", "ett", "fönstret"),
        ("museum", "ett", "museet"),
        ("bord", "", "bordet"),
        ("bil", "", "bilen"),
    ],
)
def test_definite_forms(word, article, expected):
    assert expected in definite_forms(word, article)


def test_no_definite_form_for_phrases():
    assert definite_forms("god morgon", "") == set()


@pytest.mark.parametrize(
    ("word", "article", "expected"),
    [
        ("hund", "en", "hundar"),
        ("kaka", "en", "kakor"),
        ("katt", "en", "katter"),
        ("nyckel", "en", "nycklar"),
        ("äpple", "ett", "äpplen"),
        ("hus", "ett", "husen"),
        ("hund", "en", "hundarna"),
    ],
)
def test_plural_forms(word, article, expected):
    assert expected in plural_forms(word, article)
    assert word not in plural_forms(word, article)


@pytest.mark.parametrize(
    ("heard", "expected", "result"),
    [
        ("har", "hår", True),
        ("apple", "äpple", True),
        ("kö", "ko", True),
        ("ä", "ö", True),
        ("hand", "hund", False),  # a/u: not a question of dots
        ("hår", "hår", False),
        ("hårr", "hår", False),
    ],
)
def test_dots_only(heard, expected, result):
    assert dots_only(heard, expected) is result


def test_normalize_folds_case_forms_and_punctuation_but_keeps_dots():
    assert normalize(unicodedata.normalize("NFD", "  Ä-pple, Ö!? ")) == "ä pple ö"
    assert normalize("HÅR") == "hår"


@pytest.mark.parametrize(
    ("length", "allowed"), [(1, 0), (2, 0), (3, 1), (5, 1), (6, 2), (9, 2), (10, 3)]
)
def test_max_edits_grows_with_length(length, allowed):
    assert max_edits(length) == allowed


def test_letter_diff_spans():
    assert letter_diff("hånd", "hund") == (
        DiffSpan("equal", "h", "h"),
        DiffSpan("replace", "å", "u"),
        DiffSpan("equal", "nd", "nd"),
    )
    assert letter_diff("hun", "hund")[-1] == DiffSpan("insert", "", "d")
    assert letter_diff("hundd", "hund")[-1] == DiffSpan("delete", "d", "")


def test_judgement_carries_the_diff_of_the_near_miss():
    j = judge(Card("hund", "en"), "Det är en hånd.")
    assert j.matched == "hånd" and j.target == "hund"
    assert [s.kind for s in j.diff] == ["equal", "replace", "equal"]
    assert "*hånd*" in j.message and "*u*" in j.message
