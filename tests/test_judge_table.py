"""What a careful Swedish teacher would say to each transcript, as one table.

The transcripts are what Whisper returns for a learner saying ONE word: capitalised, with a full
stop or a question mark, sometimes a subtitle dash, filler words, a split compound, a short phrase
around the word, or a word with å/ä/ö lost. Each row is one rule of the judging spec; the focused
tests below the table check the rest of a `Judgement` (messages, diff, purity).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

import pytest

from game.cards import Card
from game.judge import Judgement, Reason, Verdict, judge

CORRECT = Verdict.CORRECT
CLOSE = Verdict.CLOSE
WRONG = Verdict.WRONG
NO_SPEECH = Verdict.NO_SPEECH


def nfd(text: str) -> str:
    """The decomposed form a Mac keyboard or some ASR post-processing produces ("a" + ring)."""
    return unicodedata.normalize("NFD", text)


def folded(message: str) -> str:
    """A message in one form to search in: composed and case-folded."""
    return unicodedata.normalize("NFC", message).casefold()


# Columns: answer, article, accept, heard, expected verdict.
TABLE = [
    # --- Case, punctuation and spaces never decide -------------------------------------------
    pytest.param("hund", "en", (), "Hund.", CORRECT, id="capitalised with full stop Hund."),
    pytest.param("hund", "en", (), "hund", CORRECT, id="bare lower case hund"),
    pytest.param("hund", "en", (), "HUND!", CORRECT, id="shouted HUND!"),
    pytest.param("hund", "en", (), "- Hund", CORRECT, id="subtitle dash - Hund"),
    pytest.param("hund", "en", (), "  Hund...  ", CORRECT, id="padded with ellipsis"),
    pytest.param("hund", "en", (), '"Hund."', CORRECT, id="in quotes"),
    pytest.param("hund", "en", (), "En\u00a0hund.", CORRECT, id="no-break space en hund"),
    pytest.param("hus", "ett", (), "Ett  hus\n", CORRECT, id="double space and newline ett hus"),
    pytest.param("äpple", "ett", (), "Äpple?", CORRECT, id="rising question Äpple?"),
    pytest.param("äpple", "ett", (), "ÄPPLE.", CORRECT, id="upper case ÄPPLE"),
    # --- Unicode forms never decide (NFD "a" + ring is still å, not a, not two letters) -------
    pytest.param("äpple", "ett", (), nfd("Äpple."), CORRECT, id="nfd heard äpple"),
    pytest.param("hår", "ett", (), nfd("Hår."), CORRECT, id="nfd heard hår"),
    pytest.param("björn", "en", (), nfd("En björn."), CORRECT, id="nfd heard en björn"),
    pytest.param(nfd("päron"), "ett", (), "Päron.", CORRECT, id="nfd answer nfc heard päron"),
    pytest.param("sköldpadda", "en", (), nfd("Sköldpaddan!"), CORRECT, id="nfd sköldpaddan"),
    # --- Filler words never decide -------------------------------------------------------------
    pytest.param("hund", "en", (), "Öh, hund.", CORRECT, id="filler öh before hund"),
    pytest.param("hund", "en", (), "Hmm... en hund?", CORRECT, id="filler hmm en hund"),
    pytest.param("äpple", "ett", (), "Eh, äpple, typ.", CORRECT, id="fillers eh and typ"),
    pytest.param("hus", "ett", (), "Alltså, ett hus.", CORRECT, id="filler alltså ett hus"),
    pytest.param("häst", "en", (), "Ja, en häst.", CORRECT, id="filler ja en häst"),
    pytest.param("kaka", "en", (), "Äh, mm, kaka. Tack!", CORRECT, id="fillers äh mm tack"),
    pytest.param("sol", "en", (), "Ehm... solen.", CORRECT, id="filler ehm solen"),
    # --- The article is optional; the recogniser may write it as the digit 1 -----------------
    pytest.param("hund", "en", (), "En hund.", CORRECT, id="article en hund"),
    pytest.param("äpple", "ett", (), "Ett äpple.", CORRECT, id="article ett äpple"),
    pytest.param("ägg", "ett", (), "Ett ägg!", CORRECT, id="article ett ägg"),
    pytest.param("säng", "en", (), "Säng.", CORRECT, id="no article säng"),
    pytest.param("ö", "en", (), "En ö.", CORRECT, id="one letter word en ö"),
    pytest.param("hund", "en", (), "1 hund.", CORRECT, id="digit 1 hund"),
    pytest.param("äpple", "ett", (), "1 äpple.", CORRECT, id="digit 1 äpple"),
    # --- A wrong article is close --------------------------------------------------------------
    pytest.param("hund", "en", (), "Ett hund.", CLOSE, id="wrong article ett hund"),
    pytest.param("äpple", "ett", (), "En äpple.", CLOSE, id="wrong article en äpple"),
    pytest.param("hus", "ett", (), "En hus.", CLOSE, id="wrong article en hus"),
    pytest.param("säng", "en", (), "Ett säng.", CLOSE, id="wrong article ett säng"),
    pytest.param("ägg", "ett", (), "En ägg.", CLOSE, id="wrong article en ägg"),
    pytest.param("nyckel", "en", (), "Ett nyckel.", CLOSE, id="wrong article ett nyckel"),
    pytest.param("äpple", "ett", (), "Det är en äpple.", CLOSE, id="wrong article in a phrase"),
    # --- The definite singular is correct ------------------------------------------------------
    pytest.param("hund", "en", (), "Hunden.", CORRECT, id="definite hunden"),
    pytest.param("äpple", "ett", (), "Äpplet!", CORRECT, id="definite äpplet"),
    pytest.param("nyckel", "en", (), "Nyckeln.", CORRECT, id="definite nyckeln"),
    pytest.param("kaka", "en", (), "Kakan.", CORRECT, id="definite kakan"),
    pytest.param("hus", "ett", (), "Huset.", CORRECT, id="definite huset"),
    pytest.param("fågel", "en", (), "Fågeln.", CORRECT, id="definite fågeln"),
    pytest.param("bil", "en", (), "Bilen.", CORRECT, id="definite bilen"),
    pytest.param("sko", "en", (), "Skon.", CORRECT, id="definite skon"),
    pytest.param("bord", "ett", (), "Bordet.", CORRECT, id="definite bordet"),
    pytest.param("båt", "en", (), "Båten.", CORRECT, id="definite båten"),
    pytest.param("päron", "ett", (), "Päronet.", CORRECT, id="definite päronet"),
    pytest.param("får", "ett", (), "Fåret.", CORRECT, id="definite fåret"),
    pytest.param("ko", "en", (), "Kon.", CORRECT, id="definite kon of a two letter word"),
    pytest.param("ö", "en", (), "Ön.", CORRECT, id="definite ön of a one letter word"),
    # --- Accepted alternatives are correct, and their definite form ----------------------------
    pytest.param("katt", "en", ("kisse",), "Kisse!", CORRECT, id="accepted kisse"),
    pytest.param("katt", "en", ("kisse",), "Kissen.", CORRECT, id="accepted kisse definite"),
    pytest.param("flygplan", "ett", ("plan",), "Ett plan.", CORRECT, id="accepted ett plan"),
    pytest.param("flygplan", "ett", ("plan",), "Planet.", CORRECT, id="accepted plan definite"),
    pytest.param("nalle", "en", ("teddybjörn",), "Teddybjörn.", CORRECT, id="accepted teddybjörn"),
    pytest.param(
        "mobil", "en", ("mobiltelefon",), "Mobiltelefonen.", CORRECT, id="accepted mobiltelefonen"
    ),
    pytest.param("katt", "en", (), "Kisse!", WRONG, id="kisse without accept is another word"),
    # --- A compound split by the recogniser is rejoined ----------------------------------------
    pytest.param("sköldpadda", "en", (), "Sköld padda.", CORRECT, id="split sköld padda"),
    pytest.param("sköldpadda", "en", (), "Sköld-padda.", CORRECT, id="hyphenated sköld-padda"),
    pytest.param("sköldpadda", "en", (), "En sköld padda.", CORRECT, id="split en sköld padda"),
    pytest.param("jordgubbe", "en", (), "Jord gubbe.", CORRECT, id="split jord gubbe"),
    pytest.param("jordgubbe", "en", (), "Jord gubben!", CORRECT, id="split definite jord gubben"),
    pytest.param("flygplan", "ett", (), "Flyg plan.", CORRECT, id="split flyg plan"),
    pytest.param("sköldpadda", "en", (), "Sköld pada.", CLOSE, id="split with a near miss"),
    # --- A short phrase around the word, or the word repeated, is tolerated --------------------
    pytest.param("hund", "en", (), "Det är en hund.", CORRECT, id="phrase det är en hund"),
    pytest.param("hund", "en", (), "Jag tror det är en hund.", CORRECT, id="phrase jag tror"),
    pytest.param("hund", "en", (), "En hund, tror jag.", CORRECT, id="phrase tror jag after"),
    pytest.param("hund", "en", (), "Det är hunden.", CORRECT, id="phrase with definite"),
    pytest.param("äpple", "ett", (), "Det är ett äpple.", CORRECT, id="phrase det är ett äpple"),
    pytest.param("båt", "en", (), "Jag ser en båt.", CORRECT, id="phrase jag ser en båt"),
    pytest.param(
        "hus", "ett", (), "Öh, det är ett hus, tror jag.", CORRECT, id="phrase with filler"
    ),
    pytest.param("hund", "en", (), "Hund, hund.", CORRECT, id="repeated hund hund"),
    pytest.param("hund", "en", (), "En hund, en hund.", CORRECT, id="repeated en hund"),
    # --- å, ä and ö are letters of their own: confusing them is close, never correct ----------
    pytest.param("hår", "ett", (), "Har.", CLOSE, id="dots har for hår"),
    pytest.param("äpple", "ett", (), "Apple.", CLOSE, id="dots apple for äpple"),
    pytest.param("äpple", "ett", (), "Åpple.", CLOSE, id="dots åpple for äpple"),
    pytest.param("båt", "en", (), "Bat.", CLOSE, id="dots bat for båt"),
    pytest.param("båt", "en", (), "Baten.", CLOSE, id="dots baten for båten"),
    pytest.param("båt", "en", (), "Det är en bat.", CLOSE, id="dots bat in a phrase"),
    pytest.param("päron", "ett", (), "Paron.", CLOSE, id="dots paron for päron"),
    pytest.param("kö", "en", (), "Ko.", CLOSE, id="dots ko for kö"),
    pytest.param("ko", "en", (), "Kö.", CLOSE, id="dots kö for ko"),
    pytest.param("sol", "en", (), "Söl.", CLOSE, id="dots söl for sol"),
    pytest.param("ö", "en", (), "O.", CLOSE, id="dots o for ö"),
    pytest.param("ö", "en", (), "Ä.", CLOSE, id="dots ä for ö"),
    pytest.param("får", "ett", (), "Far.", CLOSE, id="dots far for får"),
    pytest.param("tåg", "ett", (), "Tag.", CLOSE, id="dots tag for tåg"),
    pytest.param("träd", "ett", (), "Trad.", CLOSE, id="dots trad for träd"),
    pytest.param("björn", "en", (), "Bjorn.", CLOSE, id="dots bjorn for björn"),
    pytest.param("säng", "en", (), "Sang.", CLOSE, id="dots sang for säng"),
    pytest.param("ägg", "ett", (), "Agg.", CLOSE, id="dots agg for ägg"),
    pytest.param("sköldpadda", "en", (), "Skoldpadda.", CLOSE, id="dots skoldpadda"),
    # --- Near misses, 1-2 letters: only å/ä/ö confusions are close ----------------------------
    pytest.param("ko", "en", (), "Sko.", WRONG, id="two letters sko for ko"),
    pytest.param("ko", "en", (), "Kol.", WRONG, id="two letters kol for ko"),
    # --- Near misses, 3-5 letters: 1 edit close, 2 edits wrong --------------------------------
    pytest.param("bil", "en", (), "Bol.", CLOSE, id="one edit bol for bil"),
    pytest.param("bil", "en", (), "Bok.", WRONG, id="two edits bok for bil"),
    pytest.param("katt", "en", (), "Kat.", CLOSE, id="one edit kat for katt"),
    pytest.param("hund", "en", (), "Hudn.", CLOSE, id="transposition hudn for hund"),
    pytest.param("gurka", "en", (), "Gruka.", CLOSE, id="transposition gruka for gurka"),
    pytest.param("tomat", "en", (), "Tomato.", CLOSE, id="one edit tomato for tomat"),
    pytest.param("banan", "en", (), "Banana.", CLOSE, id="one edit banana for banan"),
    pytest.param("hund", "en", (), "Hant.", WRONG, id="two edits hant for hund"),
    pytest.param("kaka", "en", (), "Cake.", WRONG, id="two edits cake for kaka"),
    pytest.param("sol", "en", (), "Sun.", WRONG, id="two edits sun for sol"),
    # --- Near misses, 6-9 letters: up to 2 edits close, 3 wrong -------------------------------
    pytest.param("elefant", "en", (), "Elefent.", CLOSE, id="one edit elefent"),
    pytest.param("elefant", "en", (), "Elephant.", CLOSE, id="two edits elephant"),
    pytest.param("giraff", "en", (), "Jiraf.", CLOSE, id="two edits jiraf"),
    pytest.param("potatis", "en", (), "Potato.", CLOSE, id="two edits potato"),
    pytest.param("jordgubbe", "en", (), "Jorgube.", CLOSE, id="two edits jorgube"),
    pytest.param("elefant", "en", (), "Alafent.", WRONG, id="three edits alafent"),
    pytest.param("flygplan", "ett", (), "Flikpan.", WRONG, id="three edits flikpan"),
    pytest.param("jordgubbe", "en", (), "Jorkube.", WRONG, id="three edits jorkube"),
    # --- Near misses, 10+ letters: up to 3 edits close ----------------------------------------
    pytest.param("helikopter", "en", (), "Helicopter.", CLOSE, id="one edit helicopter"),
    pytest.param("motorcykel", "en", (), "Motorcycle.", CLOSE, id="two edits motorcycle"),
    pytest.param("sköldpadda", "en", (), "Schöldpada.", CLOSE, id="three edits schöldpada"),
    pytest.param("sköldpadda", "en", (), "Schölpada.", WRONG, id="four edits schölpada"),
    pytest.param("motorcykel", "en", (), "Matarsykal.", WRONG, id="four edits matarsykal"),
    # --- The plural instead of the singular is close -------------------------------------------
    pytest.param("hund", "en", (), "Hundar.", CLOSE, id="plural hundar"),
    pytest.param("katt", "en", (), "Katter.", CLOSE, id="plural katter"),
    pytest.param("äpple", "ett", (), "Äpplen.", CLOSE, id="plural äpplen"),
    pytest.param("kaka", "en", (), "Kakor.", CLOSE, id="plural kakor"),
    pytest.param("bil", "en", (), "Bilar.", CLOSE, id="plural bilar"),
    pytest.param("båt", "en", (), "Båtar.", CLOSE, id="plural båtar"),
    pytest.param("fågel", "en", (), "Fåglar.", CLOSE, id="plural fåglar"),
    pytest.param("nyckel", "en", (), "Nycklar.", CLOSE, id="plural nycklar"),
    pytest.param("stjärna", "en", (), "Stjärnor.", CLOSE, id="plural stjärnor"),
    pytest.param("ko", "en", (), "Kor.", CLOSE, id="plural kor of a two letter word"),
    # --- A different word is wrong -------------------------------------------------------------
    pytest.param("hund", "en", (), "Katt.", WRONG, id="different word katt for hund"),
    pytest.param("hund", "en", (), "Dog.", WRONG, id="english dog for hund"),
    pytest.param("hund", "en", (), "Det är en katt.", WRONG, id="different word in a phrase"),
    pytest.param("hund", "en", (), "Katt, häst.", WRONG, id="two guesses neither right"),
    pytest.param("båt", "en", (), "Bil.", WRONG, id="different word bil for båt"),
    pytest.param("päron", "ett", (), "Äpple.", WRONG, id="different word äpple for päron"),
    pytest.param("sko", "en", (), "Sol.", WRONG, id="different word sol for sko"),
    pytest.param("björn", "en", (), "Bear.", WRONG, id="english bear for björn"),
    # --- Nothing said is no speech, never wrong ------------------------------------------------
    pytest.param("hund", "en", (), "", NO_SPEECH, id="empty transcript"),
    pytest.param("hund", "en", (), "   \n", NO_SPEECH, id="only whitespace"),
    pytest.param("hund", "en", (), "...", NO_SPEECH, id="only ellipsis"),
    pytest.param("hund", "en", (), "?", NO_SPEECH, id="only question mark"),
    pytest.param("hund", "en", (), "- ", NO_SPEECH, id="only subtitle dash"),
    pytest.param("äpple", "ett", (), "Öh.", NO_SPEECH, id="only filler öh"),
    pytest.param("äpple", "ett", (), "Hmm...", NO_SPEECH, id="only filler hmm"),
    pytest.param("äpple", "ett", (), "Eh, öh, mm.", NO_SPEECH, id="only fillers eh öh mm"),
    pytest.param("äpple", "ett", (), "Ja, tack.", NO_SPEECH, id="only fillers ja tack"),
    pytest.param("äpple", "ett", (), "Alltså... typ.", NO_SPEECH, id="only fillers alltså typ"),
    pytest.param("äpple", "ett", (), nfd("Äh..."), NO_SPEECH, id="only nfd filler äh"),
    # --- Invented subtitle lines and sound tags are not the learner's: never a try ------------
    pytest.param("hund", "en", (), "Tack för att du tittade!", NO_SPEECH, id="invented thanks"),
    pytest.param("hund", "en", (), "Textning.nu", NO_SPEECH, id="invented textning.nu"),
    pytest.param("hund", "en", (), "Svensktextning.nu", NO_SPEECH, id="invented svensktextning"),
    pytest.param(
        "hund", "en", (), "Undertexter från Amara.org-gemenskapen", NO_SPEECH, id="invented amara"
    ),
    pytest.param("hund", "en", (), "[Musik]", NO_SPEECH, id="sound tag only"),
    pytest.param("hund", "en", (), "♪ ♪", NO_SPEECH, id="music notes only"),
    pytest.param(
        "hund", "en", (), "Hund. Tack för att du tittade!", CORRECT, id="answer then invented line"
    ),
    pytest.param("hund", "en", (), "[Musik] Hund.", CORRECT, id="sound tag then answer"),
    pytest.param("tack", "", (), "Tack!", CORRECT, id="the answer tack is not a filler"),
    # --- A tag question or a possessive is no second guess -------------------------------------
    pytest.param("hund", "en", (), "Det är en hund, va?", CORRECT, id="tag question va"),
    pytest.param("hund", "en", (), "Min hund.", CORRECT, id="possessive min hund"),
    # --- The article is found past describing words --------------------------------------------
    pytest.param("hund", "en", (), "Ett stor hund.", CLOSE, id="wrong article past adjective"),
    pytest.param("äpple", "ett", (), "En röd äpple.", CLOSE, id="en röd äpple"),
    pytest.param("äpple", "ett", (), "Det är ett rött äpple.", CORRECT, id="ett rött äpple"),
    # --- Definite forms the suffix rule alone gets wrong ---------------------------------------
    pytest.param("bi", "ett", (), "Biet.", CORRECT, id="one syllable ett word biet"),
    pytest.param("bi", "ett", (), "Bit.", WRONG, id="bit is another word, not the bee"),
    pytest.param("paraply", "ett", (), "Paraplyet.", CORRECT, id="definite paraplyet"),
    pytest.param("paraply", "ett", (), "Paraplyt.", CORRECT, id="definite paraplyt"),
    pytest.param("dator", "en", (), "Datorn.", CORRECT, id="definite datorn"),
    pytest.param("traktor", "en", (), "Traktorn.", CORRECT, id="definite traktorn"),
    pytest.param("tv", "en", ("teve",), "TV:n.", CORRECT, id="initialism definite tv:n"),
    pytest.param("motorcykel", "en", ("mc",), "MC:n.", CORRECT, id="accepted initialism mc:n"),
    pytest.param("tröja", "en", ("t-shirt",), "T-shirten.", CORRECT, id="hyphenated t-shirten"),
    # --- An accepted word need not share the answer's article ----------------------------------
    pytest.param(
        "klocka", "en", ("armbandsur",), "Ett armbandsur.", CORRECT, id="ett armbandsur accepted"
    ),
    pytest.param(
        "klocka", "en", ("armbandsur",), "Armbandsuret.", CORRECT, id="armbandsuret accepted"
    ),
    pytest.param(
        "klocka", "en", ("ett armbandsur",), "Armbandsur.", CORRECT, id="accept with article bare"
    ),
    pytest.param(
        "klocka", "en", ("ett armbandsur",), "En armbandsur.", CLOSE, id="accept own article wrong"
    ),
    pytest.param("klocka", "en", ("armbandsur",), "Ett klocka.", CLOSE, id="answer article kept"),
    # --- Plurals the suffix rules miss ---------------------------------------------------------
    pytest.param("äpple", "ett", (), "Äpplena.", CLOSE, id="definite plural äpplena"),
    pytest.param("bi", "ett", (), "Bina.", CLOSE, id="definite plural bina"),
    pytest.param("båt", "en", (), "Batar.", CLOSE, id="plural with the ring lost batar"),
    pytest.param("mus", "en", (), "Möss.", CLOSE, id="umlaut plural möss"),
    pytest.param("bok", "en", (), "Böcker.", CLOSE, id="umlaut plural böcker"),
    pytest.param("get", "en", (), "Getter.", CLOSE, id="plural getter"),
    pytest.param("gran", "en", (), "Grannen.", CLOSE, id="grannen is not the spruce"),
    # --- Phrase answers: spaces never decide ---------------------------------------------------
    pytest.param("god morgon", "", (), "God morgon!", CORRECT, id="phrase answer god morgon"),
    pytest.param("god morgon", "", (), "Godmorgon.", CORRECT, id="phrase answer run together"),
]


# Round two: what Whisper writes when learners answer, by class. Columns: answer, article, accept,
# heard, expected verdict; each row's id says why a teacher would give that verdict.
WHISPER_TABLE = [
    # --- Hesitation sounds in any spelling never decide ----------------------------------------
    ("hund", "en", (), "Eeh, en hund.", CORRECT, "doubled eeh before the answer"),
    ("hund", "en", (), "Ehh... hund.", CORRECT, "ehh with an ellipsis"),
    ("hund", "en", (), "Öhh, hunden.", CORRECT, "öhh before a definite form"),
    ("katt", "en", (), "Uh, en katt.", CORRECT, "English uh"),
    ("äpple", "ett", (), "Um, ett äpple.", CORRECT, "English um"),
    ("äpple", "ett", (), "Uhm... äpple.", CORRECT, "English uhm"),
    ("bil", "en", (), "Hmmm, en bil.", CORRECT, "tripled hmmm"),
    ("bil", "en", (), "Mmm, bil.", CORRECT, "mmm"),
    ("häst", "en", (), "Öööh - en häst.", CORRECT, "tripled öööh with a dash"),
    ("hus", "ett", (), "Äh, äh, ett hus.", CORRECT, "äh twice"),
    ("hund", "en", (), "Eh-eh, hund.", CORRECT, "hyphenated stutter eh-eh"),
    ("ko", "en", (), "Erm, en ko.", CORRECT, "English erm"),
    ("fisk", "en", (), "Mhm. En fisk.", CORRECT, "mhm as its own sentence"),
    ("säng", "en", (), "Ehm... Eh... En säng.", CORRECT, "two hesitations as sentences"),
    ("sol", "en", (), "En sol, ehhh.", CORRECT, "hesitation after the answer"),
    ("hund", "en", (), "Uhh...", NO_SPEECH, "only uhh is no answer"),
    ("hund", "en", (), "Eeeh, mmm.", NO_SPEECH, "only eeeh mmm is no answer"),
    ("hund", "en", (), "Hmm? Öhm.", NO_SPEECH, "only hmm and öhm is no answer"),
    ("ö", "en", (), "Öar.", CLOSE, "öar is the plural, not a hesitation"),
    # --- Describing the picture is knowing the word; naming a second thing is guessing ---------
    ("bil", "en", (), "En jättefin bil.", CORRECT, "intensified adjective jättefin"),
    ("ko", "en", (), "En prickig ko.", CORRECT, "adjective by its -ig shape"),
    ("mus", "en", (), "En grå och vit mus.", CORRECT, "two colours joined by och"),
    ("björn", "en", (), "En stor brun björn.", CORRECT, "size and colour"),
    ("fågel", "en", (), "En liten gul fågel.", CORRECT, "irregular liten and a colour"),
    ("äpple", "ett", (), "Ett jättestort äpple.", CORRECT, "neuter form of a compound"),
    ("hund", "en", (), "Den lurviga hunden.", CORRECT, "definite adjective form"),
    ("tröja", "en", (), "Det är en mörkröd tröja.", CORRECT, "tinted colour compound"),
    ("katt", "en", (), "En väldigt söt katt.", CORRECT, "intensifier väldigt"),
    ("elefant", "en", (), "En fantastisk elefant.", CORRECT, "adjective in -isk"),
    ("hus", "ett", (), "Ett gammalt hus.", CORRECT, "irregular neuter gammalt"),
    ("zebra", "en", (), "En svartvit zebra.", CORRECT, "colour compound svartvit"),
    ("tåg", "ett", (), "Ett superfint tåg.", CORRECT, "super- with a neuter form"),
    ("hund", "en", (), "En ledsen hund.", CORRECT, "adjective ledsen ending in -en"),
    ("hund", "en", (), "Ett stor hund.", CLOSE, "wrong article still found past an adjective"),
    ("hund", "en", (), "En hund och en katt.", CLOSE, "a second noun is a guess"),
    ("ko", "en", (), "Ko eller häst?", CLOSE, "two animals offered"),
    ("hund", "en", (), "En stor hund och en bil.", CLOSE, "a noun beside an adjective"),
    ("mus", "en", (), "Mus, nyckelpiga.", CLOSE, "nyckelpiga is a noun, not an -ig word"),
    ("sol", "en", (), "Sol och måne.", CLOSE, "måne is the moon, not an adjective"),
    ("röd", "", (), "Röd, blå.", CLOSE, "on a colour card other colours are guesses"),
    ("gul", "", (), "Gul eller grön.", CLOSE, "colour card with two colours offered"),
    # --- Numbers: Whisper writes digits, and a card can teach "ett" ----------------------------
    ("tre", "", (), "3.", CORRECT, "digit 3 for tre"),
    ("tolv", "", (), "12", CORRECT, "digits 12 for tolv"),
    ("tjugoett", "", (), "21.", CORRECT, "digits 21 for tjugoett"),
    ("hundra", "", (), "100", CORRECT, "digits 100 for hundra"),
    ("fem", "", (), "Fem!", CORRECT, "the number word itself"),
    ("ett", "", (), "Ett.", CORRECT, "the number one is an answer, not an article"),
    ("ett", "", (), "1.", CORRECT, "digit 1 on the card ett"),
    ("tre", "", (), "4.", WRONG, "digit of another number"),
    ("ett", "", (), "Två.", WRONG, "another number word for ett"),
    ("ett", "", (), "Öh...", NO_SPEECH, "nothing said on the card ett"),
    ("hund", "en", (), "3 hundar.", CLOSE, "a digit before a plural is still the plural"),
    # --- A wrong article is almost, on a definite form too -------------------------------------
    ("bil", "en", (), "Ett bilen.", CLOSE, "ett before bilen"),
    ("äpple", "ett", (), "En äpplet.", CLOSE, "en before äpplet"),
    ("hund", "en", (), "Ett hunden.", CLOSE, "ett before hunden"),
    ("hus", "ett", (), "En huset.", CLOSE, "en before huset"),
    ("bil", "en", (), "Det är ett bilen.", CLOSE, "wrong article on a definite in a phrase"),
    ("bil", "en", (), "En bilen.", CORRECT, "right article before a definite form"),
    # --- Subtitle credits are stripped and what remains is judged ------------------------------
    ("ko", "en", (), "En ko. Tack för att du tittade!", CORRECT, "answer then thanks"),
    ("ko", "en", (), "Kon. Tack för att ni tittade.", CORRECT, "definite then thanks to all"),
    ("ko", "en", (), "En ko. Textning: BTI Studios", CORRECT, "answer then a spaced company"),
    ("hund", "en", (), "BTI Studios", NO_SPEECH, "company credit written as two words"),
    ("hund", "en", (), "Textning BTI studios.", NO_SPEECH, "textning with a spaced company"),
    ("hund", "en", (), "Svensk textning.nu", NO_SPEECH, "svensk textning written apart"),
    (
        "hund",
        "en",
        (),
        "Tack så mycket för att ni har tittat på videon!",
        NO_SPEECH,
        "a longer thanks for watching",
    ),
    ("hund", "en", (), "Tack för att ni har tittat på den här videon.", NO_SPEECH, "thanks video"),
    ("hund", "en", (), "Hund. Glöm inte att prenumerera på kanalen!", CORRECT, "subscribe line"),
    ("hund", "en", (), "Thank you for watching!", NO_SPEECH, "English credit alone"),
    ("hund", "en", (), "En hund. Thanks for watching.", CORRECT, "answer then English credit"),
    ("hund", "en", (), "Undertexter från Amara .org-gemenskapen", NO_SPEECH, "spaced amara"),
    ("katt", "en", (), "En katt. Undertexter från Amara.org", CORRECT, "answer then amara"),
    ("hund", "en", (), "Vi ses i nästa video.", NO_SPEECH, "see you in the next video"),
    ("hund", "en", (), "Hund, tack för att du tittade", CORRECT, "credit in the same sentence"),
    ("katt", "en", (), "Katt. Tack för att du tittade!", CORRECT, "an answer never thrown away"),
    ("hund", "en", (), "Katt. Tack för att du tittade!", WRONG, "a wrong answer stays wrong"),
]


@pytest.mark.parametrize(
    ("answer", "article", "accept", "heard", "echo"),
    [
        ("båt", "en", (), "Det är en bil.", "*det är en bil*"),
        ("hund", "en", (), "Öh, det är en katt, tror jag.", "*det är en katt, tror jag*"),
        ("tröja", "en", (), "T-shirt.", "*t-shirt*"),
        ("sköldpadda", "en", (), "Sköld pada.", "*sköld pada*"),
        ("hund", "en", (), "Katt. Tack för att du tittade!", "*katt*"),
    ],
)
def test_feedback_echoes_what_was_heard_as_heard(
    answer: str, article: str, accept: tuple[str, ...], heard: str, echo: str
) -> None:
    j = judge(Card(answer, article, accept), heard)
    assert echo in j.message, j.message


@pytest.mark.parametrize(
    ("answer", "article", "accept", "heard", "verdict"),
    [*TABLE, *(pytest.param(*row[:5], id=row[5]) for row in WHISPER_TABLE)],
)
def test_judge_table(
    answer: str, article: str, accept: tuple[str, ...], heard: str, verdict: Verdict
) -> None:
    card = Card(answer, article, accept)
    j = judge(card, heard)
    assert j.verdict == verdict, (
        f"{heard!r} for {card.display!r}: {j.verdict}, expected {verdict} ({j.message!r})"
    )


# "CLOSE at best": the spec leaves close or wrong open for a list of guesses; only correct (and
# no speech: something was said) would be a mistake.
@pytest.mark.parametrize(
    "heard",
    ["Katt, häst, hund, ko.", "Katt? Hund?", "Hund eller katt?", "Häst, hund.", "Hund, katt."],
)
def test_several_guesses_are_not_correct(heard: str) -> None:
    j = judge(Card("hund", "en"), heard)
    assert j.verdict in (CLOSE, WRONG), f"{heard!r}: {j.verdict} ({j.message!r})"


def test_verdict_values() -> None:
    assert {v.value for v in Verdict} == {"correct", "close", "wrong", "no_speech"}
    assert Verdict.NO_SPEECH == "no_speech"


@pytest.mark.parametrize(
    ("heard", "verdict"),
    [
        ("Hund.", CORRECT),
        ("Ett hund.", CLOSE),
        ("Hundar.", CLOSE),
        ("Katt.", WRONG),
        ("", NO_SPEECH),
        ("Öh.", NO_SPEECH),
    ],
)
def test_one_verdict_per_kind_of_answer(heard: str, verdict: Verdict) -> None:
    j = judge(Card("hund", "en"), heard)
    assert isinstance(j, Judgement)
    assert j.verdict == verdict


@pytest.mark.parametrize(
    ("answer", "article", "heard", "right"),
    [
        ("äpple", "ett", "En äpple.", "ett äpple"),
        ("hund", "en", "Ett hund.", "en hund"),
        ("hus", "ett", "En hus.", "ett hus"),
        ("säng", "en", "Ett säng.", "en säng"),
        ("ägg", "ett", nfd("En ägg."), "ett ägg"),
    ],
)
def test_wrong_article_message_gives_the_right_article(
    answer: str, article: str, heard: str, right: str
) -> None:
    j = judge(Card(answer, article), heard)
    assert j.verdict == CLOSE
    assert right in folded(j.message), j.message
    assert "*" in j.message, f"Swedish words go in *asterisks*: {j.message!r}"


@pytest.mark.parametrize(
    ("answer", "article", "heard", "letter"),
    [
        ("hår", "ett", "Har.", "å"),
        ("äpple", "ett", "Apple.", "ä"),
        ("äpple", "ett", "Åpple.", "ä"),
        ("båt", "en", "Bat.", "å"),
        ("päron", "ett", "Paron.", "ä"),
        ("kö", "en", "Ko.", "ö"),
        ("björn", "en", "Bjorn.", "ö"),
        (nfd("träd"), "ett", "Trad.", "ä"),
    ],
)
def test_vowel_message_names_the_expected_letter(
    answer: str, article: str, heard: str, letter: str
) -> None:
    j = judge(Card(answer, article), heard)
    assert j.verdict == CLOSE
    assert letter in folded(j.message), j.message


@pytest.mark.parametrize(
    ("answer", "article", "heard"),
    [
        ("hund", "en", "Katt, häst, hund, ko."),  # listing guesses must not be rewarded
        ("hund", "en", "Hund, katt."),
        ("tomat", "en", "Tomato."),
        ("elefant", "en", "Elephant."),
        ("hund", "en", "Hudn."),
        ("giraff", "en", "Jiraf."),
        ("hund", "en", "Det är en hånd."),
    ],
)
def test_close_messages_do_not_give_the_answer_away(answer: str, article: str, heard: str) -> None:
    card = Card(answer, article)
    j = judge(card, heard)
    assert j.verdict == CLOSE
    for said in (card.display, answer):
        assert f"*{said}*" not in folded(j.message), j.message


@pytest.mark.parametrize("heard", ["Katt, häst, hund, ko.", "Hund, katt.", "Min katt och hunden."])
def test_several_guesses_come_without_a_diff_that_spells_the_answer(heard: str) -> None:
    j = judge(Card("hund", "en"), heard)
    assert (j.verdict, j.reason) == (CLOSE, Reason.SEVERAL)
    assert j.diff == ()


def test_wrong_article_of_an_alternative_names_its_own_article() -> None:
    j = judge(Card("klocka", "en", accept=("ett armbandsur",)), "En armbandsur.")
    assert j.verdict == CLOSE
    assert "*ett armbandsur*" in j.message and "klocka" not in j.message, j.message


@pytest.mark.parametrize(
    ("answer", "article", "heard"),
    [
        ("hund", "en", "Hundar."),
        ("kaka", "en", "Kakor."),
        ("äpple", "ett", "Äpplen."),
        ("fönster", "ett", "Fönstren."),  # not "the letter should be t"
        ("mus", "en", "Möss."),
    ],
)
def test_plural_message_asks_for_one(answer: str, article: str, heard: str) -> None:
    j = judge(Card(answer, article), heard)
    assert (j.verdict, j.reason) == (CLOSE, Reason.PLURAL), j.message
    assert re.search(r"\b(one|singular)\b", folded(j.message)), j.message


@pytest.mark.parametrize("heard", ["", " ", "\n\t", "...", "- ", "?!", "Öh.", "Hmm...", "Mm, äh."])
@pytest.mark.parametrize("card", [Card("hund", "en"), Card("ägg", "ett"), Card("god morgon")])
def test_nothing_said_is_no_speech(card: Card, heard: str) -> None:
    j = judge(card, heard)
    assert j.verdict == NO_SPEECH, f"{heard!r}: {j.verdict}"
    assert j.heard == heard


@pytest.mark.parametrize(
    "card",
    [
        Card("hund", "en"),
        Card("katt", "en", accept=("kisse",)),
        Card("sköldpadda", "en", hint="Den har ett skal."),
        Card("god morgon"),
    ],
    ids=lambda card: card.display,
)
@pytest.mark.parametrize("heard", ["Hund.", nfd("  Ett äpple! "), "Kisse.", "Sköld padda.", ""])
def test_judgement_reports_expected_and_heard(card: Card, heard: str) -> None:
    j = judge(card, heard)
    assert j.expected == card.display
    assert j.heard == heard
    assert isinstance(j.message, str)
    if j.verdict != NO_SPEECH:
        assert j.message.strip(), "the learner gets feedback"


def _outcome(j: Judgement) -> tuple[object, ...]:
    return (j.verdict, j.message, j.expected, j.heard)


def test_judging_is_pure() -> None:
    cards = [
        Card("hund", "en"),
        Card("katt", "en", accept=("kisse",), hint="Den säger mjau."),
        Card("hår", "ett"),
    ]
    transcripts = ["Hund.", "Ett katt.", "Kissen.", "Har.", "Katt.", "", "Hundar."]
    snapshots = [dataclasses.replace(card) for card in cards]

    first = [_outcome(judge(card, heard)) for card in cards for heard in transcripts]
    # Interleaved and reversed: no state carries from one call to the next.
    again = [_outcome(judge(card, heard)) for card in cards for heard in transcripts]
    backwards = [
        _outcome(judge(card, heard)) for card in reversed(cards) for heard in reversed(transcripts)
    ]

    assert again == first
    assert backwards[::-1] == first
    assert cards == snapshots
    assert [hash(card) for card in cards] == [hash(card) for card in snapshots]
