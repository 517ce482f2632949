"""Listen says the built-in decks' words as a Swedish lexicon does (gruut-lang-sv's, the
reference), and the notation folds that make "the same" mean the same sounds."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from game import load_deck
from game.deck import find_decks
from game.lexicon import Lexicon, restore_retroflexes
from game.phonemes import CONSONANTS, VOWELS, IpaError, Pronunciation, fold, parse, to_espeak
from game.voice import spoken_ipa

DECKS = find_decks("assets/decks")

# Words where the reference lexicon (gruut-lang-sv 2.0.1) has no form or a wrong one, with the
# form Listen is held to and why. Everything else is held to the lexicon itself.
EXCEPTIONS: dict[str, tuple[str, str]] = {
    "mobil": ("m ʊ b 'iː l", "not in the lexicon (it has mobiltelefon, m ʊ b 'iː l t ɛ ...)"),
}


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    found = Lexicon.installed()
    if found is None:
        pytest.fail("gruut-lang-sv is not installed: pip install -r requirements-dev.txt")
    return found


needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


@needs_espeak
def test_every_builtin_card_sounds_as_the_lexicon_says(lexicon):
    assert len(DECKS) == 6
    extra = {word: [form] for word, (form, _) in EXCEPTIONS.items()}
    differ = []
    for folder in DECKS:
        for card in load_deck(folder).cards:
            spoken = spoken_ipa(card)
            assert spoken, card.display
            comparison = lexicon.compare(card.display, spoken, extra)
            if not comparison.same:
                differ.append(str(comparison))
    assert not differ, f"{len(differ)} cards differ:\n" + "\n".join(differ)


def test_exceptions_are_words_of_the_builtin_decks():
    words = {w for f in DECKS for c in load_deck(f).cards for w in c.display.split()}
    assert set(EXCEPTIONS) <= words


@pytest.mark.parametrize(
    ("espeak", "lexicon_form"),
    [
        ("ɛn dˈɵsx", "ɛ n d ɵ ɧ"),  # espeak-ng writes the sj-sound sx
        ("ɛn nˈykːəlpˌiːɡa", "ɛ n ²n 'ʏ k ɛ l p iː ɡ a"),  # kː, ə and short y
        ("ɛn mˈʉs", "ɛ n m ʉː s"),  # espeak-ng's one ʉ is long
        ("ˈɛt bˈærj", "ɛ t b a r j"),  # the lexicon writes [æ] as a
        ("ɛn bjˈœːɳ", "ɛ n b j øː ɳ"),  # and [œː] as øː
        ("tˈandbɔʂtˌɛ", "²t 'a n d b ɔ ʂ ʈ ɛ"),  # a dental after a retroflex is one
        ("ɛn tˈoːr.ta", "ɛ n ²t 'oː ʈ a"),  # the flap before t is espeak-ng's ʈ
    ],
)
def test_notations_fold_onto_each_other(espeak, lexicon_form):
    assert fold(espeak) == fold(lexicon_form)


@pytest.mark.parametrize(
    ("espeak", "lexicon_form"),
    [
        ("ɛn dˈɵʃ", "ɛ n d ɵ ɧ"),  # sh is not the sj-sound
        ("ɛn tˈoːta", "ɛ n t oː ʈ a"),  # the r lost and a dental t
        ("ɛn ɕˈuːta", "ɧ uː ʈ a"),  # tj-sound for sj-sound
        ("ˈɛt bərj", "ɛ t b a r j"),  # a schwa in berg
        ("vˈɪktɪkt", "v ɪ k t ɪ t"),  # viktigt with its g
        ("ɛn kˈaka", "²k 'ɑː k a"),  # short a for long ɑː
        ("ɛn bjˈœrn", "b j øː ɳ"),  # r + n for ɳ
    ],
)
def test_folds_keep_what_a_learner_would_hear_wrong(espeak, lexicon_form):
    assert fold(espeak) != fold(lexicon_form)


def test_retroflexes_come_back_where_the_letters_say_r():
    assert restore_retroflexes("²t 'oː t a", ["t}²t å}'oː r|t}t a}a"]) == "²t 'oː ʈ a"
    borste = "b}b o}ɔ r|s}ɕ t}t e}ɛ"
    assert restore_retroflexes("b ɔ ɕ t ɛ", [borste]) == "b ɔ ʂ ʈ ɛ"
    assert restore_retroflexes("b j øː n", ["b}b j}j ö|r}øː n}n"]) == "b j øː ɳ"
    assert restore_retroflexes("m uː r uː t", ["m}m o}uː r}r o}uː t}t"]) == "m uː r uː t"
    assert restore_retroflexes("k ʊ t", ["k}k o}ɔ r|t}t"]) == "k ʊ t"  # another reading: as is


def test_lexicon_composes_compounds_it_lacks(lexicon):
    snow = lexicon.reference("snögubbe")
    assert snow.how == "composed: snö + gubbe"
    assert fold(snow.forms[0]) == "snøːgɵbɛ"
    assert lexicon.reference("tårta").forms == ("²t 'oː ʈ a",)
    assert lexicon.reference("qwxz").forms == ()


def espeak_ipa(mnemonics: str) -> str:
    done = subprocess.run(
        ["espeak-ng", "-v", "sv", "-q", "--ipa", f"[[{mnemonics}]]"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@needs_espeak
@pytest.mark.parametrize("sound", [*VOWELS, *CONSONANTS])
def test_every_sound_reaches_espeak_as_itself(sound):
    """espeak-ng reads each sound's mnemonic (one it does not know silences the rest of the
    input) and says that sound, between others."""
    written = f"ma{sound}a" if sound in CONSONANTS else f"m{sound}m"
    said = espeak_ipa(to_espeak(written))
    assert fold(said) == fold(written), (sound, to_espeak(written), said)


@pytest.mark.parametrize(
    ("ipa", "mnemonics"),
    [
        ("²tʰoːʈa", "'to:r.ta"),  # ʰ left to the voice; ʈ as the flap and t
        ("²tˈoːʈa", "t'o:r.ta"),  # the lexicon's way: ² at the start, ˈ at the stressed vowel
        ("²tandbɔʂʈɛ", "'tandbOs.tE"),  # ʈ after ʂ: plain t, the tongue is already back
        ("dɵɧ", "'d8sx"),
        ("ˈjakːa", "'jak:a"),
        ("ɛn ²kɑː.ka", "'En 'kA:ka"),
    ],
)
def test_ipa_becomes_espeak_mnemonics(ipa, mnemonics):
    assert to_espeak(ipa) == mnemonics


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("[dɵʒ]", "'ʒ' (latin small letter ezh) at 3 is not a Swedish sound"),
        ("[ːa]", "the length mark ː at 1 follows no sound"),
        ("[aːː]", "two length marks"),
        ("[]", "holds no sound"),
        ("[ˈ]", "holds no sound"),
        ("[[d'8sx]]", "write IPA between one pair of brackets"),
        ("[dɵɧ", "write IPA between one pair of brackets"),
        ("dɵɧ]", "IPA starts with ["),
        ("123", "has no letters"),
    ],
)
def test_unreadable_pronunciations_say_why(cell, message):
    with pytest.raises(IpaError, match=re.escape(message)):
        parse(cell)


def test_pronunciations_read_from_a_cell():
    assert parse("") is None
    assert parse("  sjorta ") == Pronunciation(text="sjorta")
    assert parse("[ ²ɧuː ʈa ]") == Pronunciation(phonemes="²ɧuː ʈa")
    assert parse("[²ɧuːʈa]").written == "[²ɧuːʈa]"
