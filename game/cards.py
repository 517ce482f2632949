"""Cards and decks: the values the rest of the game works on.

A `Card` is one picture with the Swedish word it shows; a `Deck` is a named, validated collection
of cards (see `game.deck.load_deck` for reading one from a teacher's folder).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from game.messages import Translated
from game.phonemes import Pronunciation

ARTICLES = ("en", "ett")


def card_id(answer: str) -> str:
    """The stable identity of a card: its answer, NFC-normalised, case-folded, single-spaced.

    Progress is stored under this key, so renaming a picture or reordering a deck keeps a player's
    history, and the same word in two decks is the same word to practise.
    """
    return " ".join(unicodedata.normalize("NFC", answer).casefold().split())


def split_article(text: str) -> tuple[str, str]:
    """("ett", "armbandsur") for "Ett armbandsur"; ("", text) when no article leads a phrase.

    A lone "en" or "ett" is a word, not an article ("en" is also a juniper).
    """
    first, _, rest = " ".join(text.split()).partition(" ")
    if rest and first.casefold() in ARTICLES:
        return first.casefold(), rest
    return "", " ".join(text.split())


@dataclass(frozen=True)
class Card:
    """One picture and the Swedish word for it."""

    answer: str
    """The word or phrase in base form, without article ("hund", "äpple", "sköldpadda")."""
    article: str = ""
    """"en", "ett", or "" when the answer takes no article (phrases, verbs, names)."""
    accept: tuple[str, ...] = ()
    """Other answers that count as correct (synonyms, spelling variants). One may lead with its
    own article ("ett armbandsur" for "en klocka"); without one, any article goes for it."""
    hint: str = ""
    """The teacher's hint, shown with the first hint level where the learner's language has
    none of its own below (in any language: "says woof")."""
    image: Path | None = None
    """The picture, an absolute path inside the deck folder."""
    audio: Path | None = None
    """An optional recording of the word."""
    pronunciation: Pronunciation | None = None
    """How Listen says the answer when the deck has no recording of it: IPA or a respelling
    (the deck's `pronunciation` column), for words speech synthesis gets wrong."""
    where: str = field(default="", compare=False)
    """Where the deck lists the card ("items.csv, line 4"), for messages to its teacher."""
    hint_sv: str = ""
    """The hint for a learner whose page is in Swedish ("säger voff"); `hint` where empty."""
    hint_en: str = ""
    """The hint for a learner whose page is in English; `hint` where empty."""

    def __post_init__(self) -> None:
        if self.article not in ("", *ARTICLES):
            raise ValueError(f"article must be 'en', 'ett' or empty, not {self.article!r}")

    @property
    def id(self) -> str:
        return card_id(self.answer)

    @property
    def hints(self) -> Translated:
        """The hint in every language the deck gives it, to be said in the learner's."""
        return Translated(self.hint, (("sv", self.hint_sv), ("en", self.hint_en)))

    @property
    def alternatives(self) -> tuple[tuple[str, str], ...]:
        """(word, article) for the answer, then each accepted alternative.

        An alternative without its own article gets "": its gender is unknown (a synonym need not
        share the answer's: en klocka, ett armbandsur), so no article said with it is wrong.
        """
        return ((self.answer, self.article), *(split_article(a)[::-1] for a in self.accept))

    @property
    def display(self) -> str:
        """The answer as a learner should say it: "en hund", "ett äpple", "glass"."""
        return f"{self.article} {self.answer}" if self.article else self.answer


@dataclass(frozen=True)
class Deck:
    """A validated deck: a name, its cards, and the credits to show."""

    name: str
    """The deck's key: learners' rounds and class records name the deck by it, so it never
    changes with the page's language (`title` is what a learner reads)."""
    cards: tuple[Card, ...]
    language: str = "sv"
    description: str = ""
    author: str = ""
    license: str = ""
    attribution: str = ""
    path: Path | None = None
    warnings: tuple[str, ...] = field(default=(), compare=False)
    """Oddities that do not stop the deck from playing (each with file and row)."""
    name_sv: str = ""
    """The name shown on a Swedish page ("Djur"); `name` where empty."""
    name_en: str = ""
    """The name shown on an English page ("Animals"); `name` where empty."""
    description_sv: str = ""
    """The description on a Swedish page; `description` where empty."""
    description_en: str = ""
    """The description on an English page; `description` where empty."""
    attribution_sv: str = ""
    """The credit for the pictures on a Swedish page; `attribution` where empty."""
    attribution_en: str = ""
    """The credit for the pictures on an English page; `attribution` where empty."""

    def title(self, lang: str) -> str:
        """The deck's name as a learner reading `lang` sees it in the deck menu."""
        return Translated(self.name, (("sv", self.name_sv), ("en", self.name_en))).in_lang(lang)

    def about(self, lang: str) -> str:
        """The deck's description in `lang`, where the deck gives one."""
        translations = (("sv", self.description_sv), ("en", self.description_en))
        return Translated(self.description, translations).in_lang(lang)

    def credit(self, lang: str) -> str:
        """The credit for the deck's pictures in `lang`, where the deck gives one (the licence
        it names is quoted as written)."""
        translations = (("sv", self.attribution_sv), ("en", self.attribution_en))
        return Translated(self.attribution, translations).in_lang(lang)

    def card(self, card_id: str) -> Card | None:
        """The card with this id, or None when the deck no longer has it."""
        return self._by_id.get(card_id)

    @property
    def _by_id(self) -> dict[str, Card]:
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = {card.id: card for card in self.cards}
            object.__setattr__(self, "_index", cached)
        return cached
