"""Feedback in the learner's language: every message of the game as a key and its parameters.

The judge and the session say *what* to tell the learner as a `Text` (a key, and the words that
go into it); `Text.render(lang)` says it in English or Swedish from one table. Swedish words the
learner is learning go in *asterisks* whatever the language, and a teacher's hint is passed
through in the learner's language where the teacher wrote one (`Translated`), else as written.
English is the fallback for a language the table lacks.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("en", "sv")


@dataclass(frozen=True)
class Text:
    """A message to render later: a key of `MESSAGES` and its parameters (texts themselves)."""

    key: str
    params: tuple[tuple[str, Value], ...] = ()

    def render(self, lang: str = "en") -> str:
        table = MESSAGES[self.key]
        template = table.get(lang) or table["en"]
        return template.format(**{name: _said(value, lang) for name, value in self.params})

    def __str__(self) -> str:
        return self.render("en")


@dataclass(frozen=True)
class Translated:
    """A teacher's words and their translations (a hint, a deck's name): said in the learner's
    language where the teacher gave it, else as `default`, else in any language given."""

    default: str
    translations: tuple[tuple[str, str], ...] = ()
    """(language, text) pairs: ("sv", "säger voff"); empty texts count as missing."""

    def in_lang(self, lang: str) -> str:
        own = next((text for code, text in self.translations if code == lang and text), "")
        return own or self.default or next((text for _, text in self.translations if text), "")

    def __bool__(self) -> bool:
        return bool(self.default or any(text for _, text in self.translations))

    def __str__(self) -> str:
        return self.in_lang("en")


Value = str | int | Text | Translated | tuple[Text, ...]  # a tuple is a list, said with commas


def _said(value: Value, lang: str) -> str | int:
    if isinstance(value, Text):
        return value.render(lang)
    if isinstance(value, Translated):
        return value.in_lang(lang)
    if isinstance(value, tuple):
        return ", ".join(text.render(lang) for text in value)
    return value


def say(key: str, **params: Value) -> Text:
    """A `Text` for `key`; unknown keys fail at once, not when a learner's screen renders."""
    if key not in MESSAGES:
        raise KeyError(f"no message {key!r}")
    return Text(key, tuple(params.items()))


def render_all(texts: tuple[Text, ...], lang: str = "en") -> str:
    """Several texts said one after the other, as one message."""
    return " ".join(text.render(lang) for text in texts)


def language(wanted: str | None) -> str:
    """The table's language for a browser's Accept-Language or a chosen code ("sv-SE" → "sv")."""
    for part in (wanted or "").split(","):
        code = part.split(";")[0].strip().casefold()[:2]
        if code in LANGUAGES:
            return code
    return "en"


MESSAGES: dict[str, dict[str, str]] = {
    # --- the judge -----------------------------------------------------------------------------
    "i_heard": {"en": "I heard", "sv": "jag hörde"},
    "you_wrote": {"en": "you wrote", "sv": "du skrev"},
    "said": {"en": "said", "sv": "sa"},
    "wrote": {"en": "wrote", "sv": "skrev"},
    "vowel": {"en": "vowel", "sv": "vokalen"},
    "letter": {"en": "letter", "sv": "bokstaven"},
    "listen_to": {"en": "Listen to", "sv": "Lyssna på"},
    "mind": {"en": "Mind", "sv": "Tänk på"},
    "empty_typed": {
        "en": "There is no word in that: type the Swedish word for the picture.",
        "sv": "Där finns inget ord: skriv det svenska ordet för bilden.",
    },
    "empty_spoken": {
        "en": "I didn't hear a word. Try again, a little louder and closer to the microphone.",
        "sv": "Jag hörde inget ord. Försök igen, lite högre och närmare mikrofonen.",
    },
    "right": {"en": "Right: {answer}!", "sv": "Rätt: {answer}!"},
    "right_definite": {
        "en": "Right: {answer} (you {did} the definite form, {heard}).",
        "sv": "Rätt: {answer} (du {did} den bestämda formen, {heard}).",
    },
    "wrong_article": {
        "en": "Almost: it is *{right}*, not *{said}*.",
        "sv": "Nästan: det heter *{right}*, inte *{said}*.",
    },
    "dots": {
        "en": "Almost: {i_heard} {heard}. {listen} the vowel: {letters}. It is {answer}.",
        "sv": "Nästan: {i_heard} {heard}. {listen} vokalen: {letters}. Det heter {answer}.",
    },
    "dot_letter": {"en": "*{expected}*, not *{heard}*", "sv": "*{expected}*, inte *{heard}*"},
    "plural": {
        "en": "Almost: {heard} is more than one. Say just one: {answer}.",
        "sv": "Nästan: {heard} är fler än en. Säg bara en: {answer}.",
    },
    "several_heard": {
        "en": "I heard several words. Just one, please: the word for the picture.",
        "sv": "Jag hörde flera ord. Bara ett, tack: ordet för bilden.",
    },
    "several_wrote": {
        "en": "You wrote several words. Just one, please: the word for the picture.",
        "sv": "Du skrev flera ord. Bara ett, tack: ordet för bilden.",
    },
    "near_letter": {
        "en": "Almost: {i_heard} {heard}: the {kind} should be *{letter}*.",
        "sv": "Nästan: {i_heard} {heard}: {kind} ska vara *{letter}*.",
    },
    "near": {
        "en": "Almost: {i_heard} {heard}, {count} off.",
        "sv": "Nästan: {i_heard} {heard}, {count} fel.",
    },
    "letters_1": {"en": "one letter", "sv": "en bokstav"},
    "letters_n": {"en": "{n} letters", "sv": "{n} bokstäver"},
    "different": {"en": "Not quite: {i_heard} {heard}.", "sv": "Inte riktigt: {i_heard} {heard}."},
    "other_word": {
        "en": "Not quite: {i_heard} {heard}: that is another word.",
        "sv": "Inte riktigt: {i_heard} {heard}: det är ett annat ord.",
    },
    "not_speech": {
        "en": "That did not sound like a word to me (a cough, a breath, noise?). "
        "Say the word again: that cost no try.",
        "sv": "Det lät inte som ett ord (en hostning, en utandning, brus?). "
        "Säg ordet igen: det kostade inget försök.",
    },
    "no_word": {
        "en": "Not yet: {i_heard} {heard}, but no word for the picture. "
        "Say the word: that cost no try.",
        "sv": "Inte än: {i_heard} {heard}, men inget ord för bilden. "
        "Säg ordet: det kostade inget försök.",
    },
    "right_spelled": {
        "en": "Right: {answer}! (I heard {heard}: the same sound, spelled another way.)",
        "sv": "Rätt: {answer}! (Jag hörde {heard}: samma ljud, stavat på ett annat sätt.)",
    },
    "spelled_typed": {
        "en": "Almost: {heard} sounds right, but the word is spelled another way.",
        "sv": "Nästan: {heard} låter rätt, men ordet stavas på ett annat sätt.",
    },
    "compound_part": {
        "en": "Almost: {i_heard} {heard}: that is only part of the word. Say the whole word.",
        "sv": "Nästan: {i_heard} {heard}: det är bara en del av ordet. Säg hela ordet.",
    },
    "syllables": {
        "en": "Almost: {i_heard} {heard}, {count}. Say every syllable.",
        "sv": "Nästan: {i_heard} {heard}, {count}. Säg varje stavelse.",
    },
    "syllables_fewer_1": {"en": "one syllable too few", "sv": "en stavelse för lite"},
    "syllables_fewer_n": {"en": "{n} syllables too few", "sv": "{n} stavelser för lite"},
    "syllables_more_1": {"en": "one syllable too many", "sv": "en stavelse för mycket"},
    "syllables_more_n": {"en": "{n} syllables too many", "sv": "{n} stavelser för mycket"},
    "ordinal": {
        "en": "Almost: {heard} is an ordinal (första, andra, tredje…). Say the number itself.",
        "sv": "Nästan: {heard} är ett ordningstal (första, andra, tredje …). Säg själva talet.",
    },
    "cognate": {
        "en": "Almost: {heard} is Danish or Norwegian. Say the Swedish word.",
        "sv": "Nästan: {heard} är danska eller norska. Säg det svenska ordet.",
    },
    # --- the session ---------------------------------------------------------------------------
    "no_card_answer": {
        "en": "There is no card to answer: start a round.",
        "sv": "Det finns inget kort att svara på: starta en omgång.",
    },
    "no_card_hint": {
        "en": "There is no card to give a hint for: start a round.",
        "sv": "Det finns inget kort att ge en ledtråd till: starta en omgång.",
    },
    "no_card_skip": {
        "en": "There is no card to skip: start a round.",
        "sv": "Det finns inget kort att hoppa över: starta en omgång.",
    },
    "answer_is": {"en": "The answer is *{answer}*.", "sv": "Svaret är *{answer}*."},
    "try_again_1": {"en": "Try again (1 try left).", "sv": "Försök igen (1 försök kvar)."},
    "try_again_n": {
        "en": "Try again ({left} tries left).",
        "sv": "Försök igen ({left} försök kvar).",
    },
    "heard_again": {
        "en": "I heard the same as last time: the speech recogniser may be getting you wrong. "
        "A hint, or typing the word, may help.",
        "sv": "Jag hörde samma sak som förra gången: taligenkänningen kanske hör fel. "
        "En ledtråd, eller att skriva ordet, kan hjälpa.",
    },
    "points_1": {"en": "+1 point.", "sv": "+1 poäng."},
    "points_n": {"en": "+{points} points.", "sv": "+{points} poäng."},
    "hint": {"en": "{text}", "sv": "{text}"},
    "teacher_hint": {"en": "{hint} — {text}", "sv": "{hint} — {text}"},
    "plain": {"en": "{text}", "sv": "{text}"},
}
