"""What every handler needs: the decks, the speech model, the options and the served files.

Built once per app (`Context.create`) and handed to the handlers; it holds only what all players
share read-only (the decks, the model, the neutral copies of pictures). Per-player state comes in
with each event (`gr.State`, `gr.BrowserState`).
"""

from __future__ import annotations

import logging
import os
import secrets
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import asr
import game
from game import voice
from game.library import DeckLibrary
from ui.classroom_hub import ClassHub
from ui.files import UPLOADS_DISK_BYTES, NeutralNames, Thumbnails, UploadShelf, new_work_dir
from ui.pieces import StreamPieces
from ui.text import refusal, say

log = logging.getLogger(__name__)

MAX_TEXT = 200  # letters in a typed answer or a deck name; a phrase fits, a pasted essay not
UPLOADED = " (uploaded)"  # an upload's key: its deck's name and this, in every language

# What the handlers are handed and give back, besides plain strings and flags.
Stored = dict[str, Any]  # a player's game state as stored (`game.to_dict`), in the tab or browser
Uploaded = dict[str, game.Deck]  # the decks a player uploaded (or a class keeps), by menu key
Prefs = dict[str, str]  # the learner's settings kept in the browser: "lang", "mode"
Tokens = dict[str, str]  # the shelf tokens of this browser's uploads, by menu key
Seat = dict[str, str]  # the class this browser joined: "code", "name", "token", "pin"
Update = dict[str, Any]  # `gr.update(...)` or `gr.skip()`: a change to a component's properties


class Recogniser(Protocol):
    def transcribe(self, audio: object, sample_rate: int | None = None) -> asr.Transcript: ...


@dataclass
class Model:
    """The speech model as the app sees it: loading in the background, ready, or failed."""

    future: Future | None = None
    ready: Recogniser | None = None
    name: str = ""

    def get(self) -> Recogniser | None:
        future = self.future
        if self.ready is None and future is not None and future.done() and not future.exception():
            self.ready = future.result()
        return self.ready

    @property
    def failed(self) -> bool:
        """No speech recognition will come: none was asked for, or loading it failed."""
        if self.get() is not None:
            return False
        return self.future is None or (self.future.done() and self.future.exception() is not None)

    @property
    def loading(self) -> bool:
        return self.get() is None and self.future is not None and not self.future.done()

    def status(self, lang: str = "en") -> str:
        """For the operator: which model, and why it is not there (the log has it too)."""
        if self.get() is not None:
            return say("status_ready", lang, name=self.name)
        if self.future is None:
            return say("status_none", lang)
        if not self.future.done():
            return say("status_loading", lang, name=self.name)
        return say("status_failed", lang, error=self.future.exception())


@dataclass(frozen=True)
class AppOptions:
    decks_dir: Path | None = None  # the deployer's decks, next to the default ones
    allow_saving_decks: bool = False  # may uploaded decks be saved for everyone?
    round_size: int = game.session.ROUND_SIZE
    answer_concurrency: int = 16  # recordings (press to record) handled at once; the rest queue
    # in Gradio. Hands-free microphones are not counted: listening has no limit (ui.handsfree)
    listen_limit: int | None = None  # open microphones heard at once; None: all (a limit makes
    # the others wait for one to close: for tests that must see a learner served late)
    secret: str = field(default="", repr=False)  # encrypts progress stored in the browser
    work_dir: Path = field(default_factory=lambda: new_work_dir())
    uploads_disk_bytes: int = UPLOADS_DISK_BYTES  # uploaded decks on disk, all together
    db_url: str | None = None  # class mode's database (classroom.default_database_url if None)
    teacher_key: str = field(default="", repr=False)  # the deployer's key for every class
    voice_model: Path | None = None  # a Piper voice file for Listen; None: espeak-ng only


@dataclass
class Context:
    """The app's shared, read-only parts, as the handlers see them."""

    library: DeckLibrary
    model: Model
    options: AppOptions
    public: NeutralNames  # all that a page is served: copies under names that hide the answer
    thumbs: Thumbnails
    uploads: UploadShelf  # uploaded decks, by the token their uploader's browser keeps
    classes: ClassHub  # class mode's database, opened on the first class action
    pieces: StreamPieces = field(default_factory=StreamPieces)  # streamed pieces, swept when old
    neural: voice.NeuralVoice | None = None  # the deployer's neural voice for Listen, if any

    @classmethod
    def create(cls, decks: dict[str, game.Deck] | DeckLibrary, model: Model,
               options: AppOptions) -> Context:  # fmt: skip
        if not decks:
            raise SystemExit(
                "No valid deck found: check the decks with `python -m game check DIR`."
            )
        library = decks if isinstance(decks, DeckLibrary) else DeckLibrary(decks)
        public, thumbs = NeutralNames(options.work_dir / "public"), Thumbnails()

        def let_go(folder: Path) -> None:  # a deck's served copies go with its folder
            public.forget(folder)
            thumbs.forget(folder)

        uploads = UploadShelf(options.work_dir / "uploads", max_bytes=options.uploads_disk_bytes,
                              let_go=let_go)  # fmt: skip
        classes = ClassHub(options.db_url)
        neural = voice.NeuralVoice(options.voice_model) if options.voice_model else None
        return cls(library, model, options, public, thumbs, uploads, classes, neural=neural)

    @property
    def voice_dir(self) -> Path:
        return self.options.work_dir / "voice"

    @property
    def upload_dir(self) -> Path:
        return self.uploads.root

    def menu(self, uploaded: dict) -> list[str]:
        """The deck menu's keys: every deck everyone has, then the player's own uploads."""
        return self.library.names() + sorted(uploaded)

    def choices(self, uploaded: dict, lang: str | None = None) -> list[tuple[str, str]]:
        """The deck menu's (label, key) pairs, in `menu`'s order, each labelled for a reader of
        `lang` (`label`); the key is what rounds and classes keep, whatever the page's language.
        Without a `lang`, every label is its key."""
        return [(self.label(key, uploaded, lang) if lang else key, key)
                for key in self.menu(uploaded)]  # fmt: skip

    def label(self, key: str, uploaded: dict, lang: str) -> str:
        """A deck's name as a reader of `lang` sees it (`Deck.title`); an upload's with
        "(uploaded)" in `lang`, and an upload not here (a class's, on another server) by its
        key's name."""
        if (deck := self.library.get(key)) is not None:
            return deck.title(lang)
        if not key.endswith(UPLOADED):
            return key
        deck = uploaded.get(key)
        name = deck.title(lang) if deck is not None else key.removesuffix(UPLOADED)
        return f"{name} {say('uploaded_mark', lang)}"

    def deck_for(self, key: str, uploaded: dict, lang: str = "en") -> game.Deck:
        """The deck a player chose: one they uploaded, one everyone has, else the first.

        Raises `gr.Error` for an uploaded deck that the shelf has let go (its pictures are
        gone): the player is told, never switched to another deck silently.
        """
        deck = uploaded.get(key)
        if deck is None:
            return self.library.get(key) or self.library.first()
        if not self.uploads.touch(deck):
            raise refusal("upload_gone", lang, name=deck.title(lang))
        return deck


def from_browser(value: object) -> dict[str, str]:
    """A dict of text kept in the player's browser (the settings, the upload tokens, the class
    seat): anything else is empty, and entries that are not text are left out. The browser
    holds the key that encrypts them, so a player can write anything there (the progress is
    read by `game.from_dict`, which is as wary)."""
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def load_decks(*roots: Path) -> dict[str, game.Deck]:
    """Every valid deck under `roots`, by name; invalid ones are logged and left out."""
    decks: dict[str, game.Deck] = {}
    for path in game.find_decks(*roots):
        try:
            deck = game.load_deck(path)
        except game.DeckError as e:
            log.error("%s", e)
            continue
        decks.setdefault(deck.name, deck)
    return decks


def browser_secret() -> str:
    """The secret that encrypts progress in the browser: $SAGDET_SECRET, else one kept on disk.

    A new secret on every start would make every player's stored progress unreadable.
    """
    if os.environ.get("SAGDET_SECRET"):
        return os.environ["SAGDET_SECRET"]
    path = asr.models.cache_dir() / "browser-secret"
    try:
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip()
    except OSError:
        log.warning("no SAGDET_SECRET and no writable cache: progress is lost on restart")
        return secrets.token_hex(32)
