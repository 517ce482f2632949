"""Swedish text helpers behind judging, and the letter diff the learner sees."""

from __future__ import annotations

import unicodedata

import pytest

from game import Card, judge
from game.judge import DiffSpan, letter_diff, max_edits
from game.swedish import definite_forms, dots_only, normalize, plural_forms
from game.transcript import spoken_words


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
        ("bi", "ett", "biet"),
        ("frö", "ett", "fröet"),
        ("paraply", "ett", "paraplyet"),
        ("paraply", "ett", "paraplyt"),
        ("konto", "ett", "kontot"),
        ("dator", "en", "datorn"),
        ("traktor", "en", "traktorn"),
        ("tv", "en", "tvn"),  # written tv:n
        ("kam", "en", "kammen"),
        ("rum", "ett", "rummet"),
    ],
)
def test_definite_forms(word, article, expected):
    assert expected in definite_forms(word, article)


@pytest.mark.parametrize(
    ("word", "article", "not_a_form"),
    [
        ("bi", "ett", "bit"),  # a bit, another word
        ("gran", "en", "grannen"),  # the neighbour
        ("bar", "en", "barn"),  # a child: -ar takes -n only in words of two syllables
    ],
)
def test_definite_forms_are_not_other_words(word, article, not_a_form):
    assert not_a_form not in definite_forms(word, article)


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
        ("äpple", "ett", "äpplena"),
        ("bi", "ett", "bina"),
        ("fönster", "ett", "fönstren"),
        ("mus", "en", "möss"),
        ("bok", "en", "böckerna"),
        ("person", "en", "personer"),  # the table's "son" does not reach into compounds
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


@pytest.mark.parametrize(
    ("heard", "said"),
    [
        ("Hund. Tack för att du tittade!", ["hund"]),
        ("Textat av Svensktextning.nu", []),
        ("Undertexter från Amara.org-gemenskapen", []),
        ("[Musik] En hund (skratt) ♪", ["en", "hund"]),
        ("Tack, en hund.", ["en", "hund"]),  # "tack" alone is a filler, not a subtitle line
        ("Tack för att du tittade på hunden", ["på", "hunden"]),
    ],
)
def test_spoken_words_drop_invented_lines_and_sound_tags(heard, said):
    assert spoken_words(heard) == said


def test_spoken_words_keep_a_filler_that_is_the_answer():
    assert spoken_words("Tack!", keep=frozenset({"tack"})) == ["tack"]


@pytest.mark.parametrize(
    ("heard", "spoken", "written"),
    [
        ("hånd", "I heard *hånd*", "you wrote *hånd*"),
        ("katt", "Not quite: I heard *katt*", "Not quite: you wrote *katt*"),
        ("hunden", "you said the definite form", "you wrote the definite form"),
        ("katt hund", "I heard several words", "You wrote several words"),
        ("öh", "I didn't hear a word", "There is no word in that"),
    ],
)
def test_typed_answers_are_spoken_of_as_written(heard, spoken, written):
    card = Card("hund", "en")
    assert spoken in judge(card, heard).message
    assert written in judge(card, heard, typed=True).message
    assert judge(card, heard).verdict == judge(card, heard, typed=True).verdict
