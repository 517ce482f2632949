"""The decks a server offers to everyone: one owner, read on every page load.

Built-in and deployer decks are added when the app starts; a teacher's deck saved "for everyone"
is added while it runs. A saved deck never shadows another: a name already offered (compared
without regard to letter case or Unicode form) is refused, so no upload can replace a built-in
deck. Thread-safe: every player's page reads it.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Mapping

from game.cards import Deck


class DeckNameTaken(ValueError):
    """A deck of this name is offered already."""


def _key(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold().strip()


class DeckLibrary:
    def __init__(self, decks: Mapping[str, Deck]) -> None:
        if not decks:
            raise ValueError("a deck library needs at least one deck")
        self._lock = threading.Lock()
        self._decks: dict[str, Deck] = {}
        for deck in decks.values():
            if not self.has(deck.name):  # the first of two same-named decks wins, as on disk
                self.add(deck)

    def names(self) -> list[str]:
        """The menu, sorted; a fresh list every call."""
        with self._lock:
            return sorted(self._decks, key=_key)

    def get(self, name: str) -> Deck | None:
        with self._lock:
            return self._decks.get(name)

    def first(self) -> Deck:
        """The deck a new player starts on: the first of the menu."""
        first = self.names()[0]
        with self._lock:
            return self._decks[first]

    def has(self, name: str) -> bool:
        with self._lock:
            return any(_key(known) == _key(name) for known in self._decks)

    def add(self, deck: Deck) -> None:
        """Offer `deck` to everyone; raises `DeckNameTaken` if its name is offered already."""
        with self._lock:
            taken = next((known for known in self._decks if _key(known) == _key(deck.name)), None)
            if taken is not None:
                raise DeckNameTaken(
                    f"A deck called {taken!r} is offered already: give yours another name."
                )
            self._decks[deck.name] = deck
