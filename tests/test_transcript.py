"""The named steps from a Whisper transcript to the learner's words, and describing words."""

from __future__ import annotations

import pytest

from game import describing
from game.describing import is_describing
from game.transcript import is_credit, is_hesitation, spoken, spoken_words


@pytest.mark.parametrize(
    "word",
    ["eh", "ehh", "eeeh", "ehm", "öh", "öhh", "öööh", "äh", "ähm", "hm", "hmm", "hmmm", "mm",
     "mmm", "mhm", "uh", "uhh", "um", "umm", "uhm", "erm", "ah", "aah", "åh", "eee", "ööö"],
)  # fmt: skip
def test_hesitation_sounds_in_any_spelling(word: str) -> None:
    assert is_hesitation(word)


# Real words made of the same letters: never taken for a hesitation.
@pytest.mark.parametrize("word", ["om", "öm", "er", "är", "ö", "å", "öar", "hem", "ha", "mor"])
def test_words_that_look_like_hesitations_are_words(word: str) -> None:
    assert not is_hesitation(word)


@pytest.mark.parametrize(
    ("words", "credit"),
    [
        ("tack för att du tittade", True),
        ("tack så mycket för att ni har tittat på videon", True),
        ("textning bti studios", True),
        ("bti studios", True),
        ("btistudios", True),
        ("svensk textning nu", True),
        ("undertexter från amara org gemenskapen", True),
        ("thank you so much for watching", True),
        ("vi ses i nästa video", True),
        ("tack", False),
        ("tack för maten", False),
        ("en hund", False),
        ("tack för att du tittade på hunden", False),  # the dog is not a video
    ],
)
def test_credits_are_whole_phrases_with_spacing_variants(words: str, credit: bool) -> None:
    assert is_credit(words.split()) is credit


@pytest.mark.parametrize(
    ("heard", "said"),
    [
        ("En ko. Tack för att du tittade!", ["en", "ko"]),
        ("Tack för att du tittade! En ko.", ["en", "ko"]),
        ("En ko, textning BTI Studios", ["en", "ko"]),
        ("Tack för att du tittade på hunden", ["på", "hunden"]),
        ("[Musik] Eeh, en hund (skratt) ♪", ["en", "hund"]),
        ("*host* En hund.", ["en", "hund"]),
    ],
)
def test_spoken_words_strip_credits_tags_and_fillers(heard: str, said: list[str]) -> None:
    assert spoken_words(heard) == said


@pytest.mark.parametrize(
    ("heard", "answer", "said"),
    [
        ("3.", {"tre"}, ["tre"]),
        ("21", {"tjugoett"}, ["tjugoett"]),
        ("100", {"hundra"}, ["hundra"]),
        ("1", {"ett"}, ["ett"]),
        ("1 hund", {"hund"}, ["1", "hund"]),  # the article, written as a digit
        ("3 katter", {"katt"}, ["3", "katter"]),  # not the answer's number: left as written
    ],
)
def test_digits_are_read_as_the_answers_number_word(heard, answer, said) -> None:
    assert spoken_words(heard, frozenset(answer)) == said


def test_words_keep_where_they_stood_for_the_echo() -> None:
    said = spoken("Öh, det är en T-shirt. Tack för att du tittade!")
    assert said.texts == ["det", "är", "en", "t", "shirt"]
    assert said.surface(0, 5) == "det är en T-shirt"
    assert said.surface(3, 5) == "T-shirt"


DESCRIBING = """röd röda rött rödare prickig prickiga prickigt jättefin grå gråa grått vita söta
    stor stora stort större liten lilla små gammal gamla gammalt ledsen ledsna lurvig fluffig
    randiga mysig fantastisk vacker vackra jättestor supersöt jättegammal mörkröd ljusblå gråvit
    svartvit lila orange beige och väldigt mycket jätte""".split()
NAMING = """hund katt ko mus bil hus båt äpple sol fisk stol klocka vante mjölk måne nyckelpiga
    rödbeta storm kulle sallad hundar bilen katter igelkott sköldpadda tröja""".split()


@pytest.mark.parametrize("word", DESCRIBING)
def test_describing_words_are_recognised_in_any_form(word: str) -> None:
    assert is_describing(word)


@pytest.mark.parametrize("word", NAMING)
def test_nouns_are_not_describing_words(word: str) -> None:
    assert not is_describing(word)


def test_the_dictionary_is_installed_and_read() -> None:
    assert describing.find_dictionary() is not None
    assert {"prickig", "farlig", "snäll"} <= describing.lexicon().adjectives
    assert {"hund", "måne", "nyckelpiga"} <= describing.lexicon().nouns


def test_without_the_dictionary_shapes_and_roots_still_describe(monkeypatch) -> None:
    monkeypatch.setattr(describing, "find_dictionary", lambda: None)
    describing.lexicon.cache_clear()
    try:
        assert all(map(is_describing, ["prickig", "röda", "jättefin", "gråvit", "och"]))
        assert not any(map(is_describing, ["hund", "bil", "måne"]))
    finally:
        describing.lexicon.cache_clear()
