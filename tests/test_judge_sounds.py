"""The rules behind round three, one table each: the sound key, the recogniser's doubt, what no
answer is, and that none of it costs a learner a try or gives an answer away."""

from __future__ import annotations

import pytest
from test_judge_table import TABLE, WHISPER_TABLE

from game import MAX_TRIES, Card, Deck, GameState, Signs, answer, current_card, start_round
from game.hearing import NOT_SPEECH_PROB, UNLIKELY_SPEECH_PROB, UNSURE_LOGPROB, doubts_speech
from game.judge import Reason, Verdict, judge
from game.sounds import cognates, same_sound, sound_key


@pytest.mark.parametrize(
    ("heard", "expected", "same"),
    [
        ("bjørn", "björn", True),  # Norwegian and Danish ø is ö
        ("æpple", "äpple", True),  # æ is ä
        ("saks", "sax", True),  # x is ks
        ("blickst", "blixt", True),  # a long k before a consonant: ck or x
        ("flikka", "flicka", True),  # ck is the long k
        ("shoklad", "choklad", True),  # the sj-sound, spelled sh or ch
        ("sjed", "sked", True),  # sk before a front vowel
        ("skjorta", "sjorta", True),
        ("stjärna", "sjärna", True),
        ("tjol", "kjol", True),  # the tje-sound
        ("tjök", "kök", True),  # k before a front vowel
        ("jiraff", "giraff", True),  # g before a front vowel
        ("jul", "hjul", True),  # silent h, d, g, l before j
        ("jus", "ljus", True),
        ("jur", "djur", True),
        ("sykel", "cykel", True),  # c before y
        ("sebra", "zebra", True),
        ("hest", "häst", True),  # short e and short ä before two consonants
        ("läksa", "läxa", True),
        ("stasjon", "station", True),  # -tion, spelled the Norwegian way
        ("kat", "katt", False),  # vowel length: another sound
        ("glas", "glass", False),
        ("flika", "flicka", False),
        ("har", "hår", False),  # å is a letter of its own
        ("sjo", "sko", False),  # sk before o is s + k
        ("tjärn", "stjärna", False),
        ("elephant", "elefant", False),  # the English word, not a spelling
        ("helicopter", "helikopter", False),
        ("sjonde", "tionde", False),  # tion is the sj-sound only as an ending
        ("test", "häst", False),
    ],
)
def test_the_sound_key(heard: str, expected: str, same: bool) -> None:
    assert same_sound(heard, expected) is same, (sound_key(heard), sound_key(expected))


@pytest.mark.parametrize(
    ("heard", "swedish"),
    [
        ("kage", "kaka"),
        ("æble", "äpple"),
        ("kirke", "kyrka"),
        ("gade", "gata"),
        ("klokke", "klocka"),
    ],
)
def test_danish_and_norwegian_spellings_lead_back_to_swedish(heard: str, swedish: str) -> None:
    assert swedish in cognates(heard)


@pytest.mark.parametrize("word", ["hund", "cake", "hest", "tomato"])
def test_a_word_without_danish_marks_is_no_cognate(word: str) -> None:
    assert cognates(word) == ()


@pytest.mark.parametrize(
    ("prob", "logprob", "doubts"),
    [
        (None, None, False),
        (None, -3.0, False),
        (NOT_SPEECH_PROB, None, True),  # sure on its own
        (NOT_SPEECH_PROB - 0.01, None, False),
        (NOT_SPEECH_PROB - 0.01, UNSURE_LOGPROB - 0.01, True),  # Whisper's pair
        (NOT_SPEECH_PROB - 0.01, UNSURE_LOGPROB + 0.01, False),  # the text is sure
        (UNLIKELY_SPEECH_PROB - 0.01, -3.0, False),
        (0.94, -0.2, True),
        (0.07, -2.5, False),
    ],
)
def test_when_the_recogniser_doubts_speech(prob, logprob, doubts) -> None:
    assert doubts_speech(Signs(prob, logprob)) is doubts


ALL_ROWS = [
    *(p.values for p in TABLE),
    *(row[:5] for row in WHISPER_TABLE),
]


@pytest.mark.parametrize(("answer", "article", "accept", "heard", "verdict"), ALL_ROWS)
def test_no_figures_change_nothing(answer, article, accept, heard, verdict) -> None:
    card = Card(answer, article, accept)
    assert judge(card, heard, signs=Signs()) == judge(card, heard)


@pytest.mark.parametrize(("answer", "article", "accept", "heard", "verdict"), ALL_ROWS)
def test_a_sure_model_changes_only_what_would_cost_a_try(answer, article, accept, heard, verdict):
    card = Card(answer, article, accept)
    doubted = judge(card, heard, signs=Signs(0.9, -2.0)).verdict
    if verdict in (Verdict.CORRECT, Verdict.NO_SPEECH):
        assert doubted == verdict
    else:
        assert doubted == Verdict.NO_SPEECH


@pytest.mark.parametrize(
    ("answer", "heard", "reason"),
    [
        ("blixt", "Blickst.", Reason.SPELLING),
        ("björn", "Bjørn.", Reason.SPELLING),
        ("jordgubbe", "Jord.", Reason.COMPOUND),
        ("helikopter", "Eliktar.", Reason.SYLLABLES),
        ("kaka", "Kage.", Reason.COGNATE),
    ],
)
def test_typed_answers_learn_spelling_and_never_see_the_answer(answer, heard, reason) -> None:
    """A typed spelling is a spelling to learn (close, not right), and no close message or diff
    of these kinds spells out the answer before the card is over."""
    card = Card(answer, "en")
    j = judge(card, heard, typed=True)
    assert (j.verdict, j.reason) == (Verdict.CLOSE, reason), j.message
    assert f"*{answer}*" not in j.message and f"*en {answer}*" not in j.message
    assert not any(span.kind == "insert" for span in j.diff) or reason is Reason.SPELLING


@pytest.mark.parametrize(
    ("answer", "heard", "words"),
    [
        ("jordgubbe", "Jord.", ("only part", "whole word")),
        ("helikopter", "Eliktar.", ("one syllable too few", "every syllable")),
        ("potatis", "Potatisis.", ("one syllable too many",)),
        ("tre", "Tredje.", ("ordinal", "number itself")),
        ("kaka", "En kage.", ("Danish",)),
        ("blixt", "Blickst.", ("Right", "same sound")),
        ("hund", "Tjena!", ("didn't hear a word",)),
        ("hund", "NCRV.", ("cough", "no try")),
        ("hund", "Det är det.", ("no word for the picture", "no try")),
    ],
)
def test_each_new_kind_says_what_to_do(answer: str, heard: str, words: tuple[str, ...]) -> None:
    j = judge(Card(answer, "en" if answer != "tre" else ""), heard)
    for word in words:
        assert word in j.message, j.message
    assert j.text is not None and j.text.render("sv") != j.text.render("en")


# --- Through the session: what is not speech never costs a try -------------------------------
DECK = Deck("T", (Card("hund", "en"), Card("äpple", "ett"), Card("sköldpadda", "en")))
NOT_ANSWERS = [
    pytest.param("Säkert.", Signs(0.859, -2.153), id="silence, the model sure"),
    pytest.param("Säkert tillbaka till fränser.", Signs(0.829, -1.734), id="silence, a sentence"),
    pytest.param("Själv.", Signs(0.756, -1.858), id="breath"),
    pytest.param("Ska vi ta den?", Signs(0.717, -2.149), id="breath, Whisper's pair"),
    pytest.param("Två!", Signs(0.673, -2.151), id="cough"),
    pytest.param("Tjena!", Signs(0.558, -2.461), id="cough, a greeting"),
    pytest.param("Pfff!", Signs(0.515, -1.619), id="cough, consonants"),
    pytest.param("Tjena!", None, id="a greeting, no figures"),
    pytest.param("Thank you.", None, id="English politeness"),
    pytest.param("ご視聴ありがとうございました", None, id="Japanese outro"),
    pytest.param("Продолжение следует...", None, id="Russian outro"),
    pytest.param("Субтитры сделал DimaTorzok", None, id="Cyrillic credit with a name"),
    pytest.param("시청해주셔서 감사합니다.", None, id="Korean outro"),
    pytest.param("Untertitel der Amara.org-Community", None, id="German outro"),
    pytest.param("Tack för att du tittade!", None, id="Swedish outro"),
    pytest.param("E-E-E-E-E-E-E-E-", None, id="a loop of a letter"),
    pytest.param("Ska vi ta den? Ska vi ta den? Ska vi ta den?", None, id="a loop"),
    pytest.param("En h-", None, id="an article and a cut-off sound"),
    pytest.param("Det är det.", None, id="words that name nothing"),
]


@pytest.mark.parametrize(("heard", "signs"), NOT_ANSWERS)
def test_no_speech_costs_no_try_in_the_session(heard: str, signs: Signs | None) -> None:
    state = start_round(GameState(), DECK, seed=3, size=3)
    card = current_card(state, DECK)
    for _ in range(MAX_TRIES + 1):  # more often than there are tries: nothing is used up
        after, feedback = answer(state, DECK, heard, signs)
        assert after == state, feedback.message
        assert feedback.judgement.verdict is Verdict.NO_SPEECH
        assert feedback.tries_left == MAX_TRIES and not feedback.card_done
    assert current_card(after, DECK) == card
    _, feedback = answer(state, DECK, card.display, signs)
    assert feedback.judgement.verdict is Verdict.CORRECT and feedback.card_done
