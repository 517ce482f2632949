"""Class mode in the app, the students' side: joining by code or link, the class's decks, the
class line with the PIN, and the hints and skips the class counts (the teacher's side is
`ui.teacher`).

The database is opened on the first class action only (`ClassHub`): the solo game needs none.
A student's seat (class code, name, rejoin token, PIN) is kept in their browser, so a reload or
a dropped connection rejoins them with their points; every judged answer is queued for the class
after its verdict is shown, and one the database cannot take waits on this server's disk until
it can (`classroom.outbox`; the dashboard says what is recorded and what waits), never holding
up a learner's game.
"""

from __future__ import annotations

import html
import ipaddress
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

import game
from classroom import Classroom, ClassroomError, DatabaseUnavailable, Student
from ui import play
from ui.context import Context, Prefs, Seat, Stored, Tokens, Update, Uploaded, from_browser
from ui.decks import deck_menu
from ui.play import begin, lang_of
from ui.screen import Reply, Screen
from ui.text import STRINGS, refusal, say


@contextmanager
def plainly(lang: str = "en", *, teacher: bool = False) -> Iterator[None]:
    """A class action's failure as the message it carries, in the reader's language."""
    try:
        yield
    except ClassroomError as e:
        raise gr.Error(told(lang, e, teacher=teacher), title=say("error_title", lang)) from e


def told(lang: str, error: ClassroomError, *, teacher: bool = False) -> str:
    """A class-mode error in `lang`, by its key and figures. A database that does not answer
    (or will not open) is said for the reader: a student plays on, a teacher tries again."""
    if isinstance(error, DatabaseUnavailable) or error.key not in STRINGS:
        return say("class_db_down_teacher" if teacher else "class_db_down", lang)
    params = {k: html.escape(v) if isinstance(v, str) else v for k, v in error.params.items()}
    return say(error.key, lang, **params)


def client_of(request: gr.Request | None) -> str:
    """The address a request came from, as class mode's limits count it: behind a proxy of our
    own (a loopback or private peer that sends X-Forwarded-For, as deploy/'s nginx does), the
    address the proxy saw; else the peer itself. A header from anyone else is not believed."""
    if request is None:
        return ""
    peer = getattr(getattr(request, "client", None), "host", "") or ""
    forwarded = request.headers.get("x-forwarded-for", "")
    try:
        trusted = ipaddress.ip_address(peer).is_loopback or ipaddress.ip_address(peer).is_private
    except ValueError:
        trusted = False
    if forwarded and trusted:
        return forwarded.split(",")[-1].strip()[:64]
    return peer


def room_or_error(ctx: Context, lang: str = "en", *, teacher: bool = False) -> Classroom:
    with plainly(lang, teacher=teacher):
        return ctx.classes.room()


@dataclass(frozen=True)
class Joined(Reply):
    """A student in a class: the join message, the student, the seat for the browser, the deck
    menu, the tab to show, the screen, the class line, and the player's decks (a deck the class
    keeps is one of them now, and this browser remembers it as its own)."""

    joined: str
    student: Student
    seat: Seat
    deck_key: Update
    tabs: gr.Tabs
    screen: Screen
    class_line: str
    uploaded: Uploaded
    mine: Tokens


def join_class(ctx: Context, code: str | None, name: str | None, pin: str | None = None,
               stored: Stored | None = None, key: str | None = None,
               uploaded: Uploaded | None = None, seat: Seat | None = None,
               prefs: Prefs | None = None, mine: Tokens | None = None,
               request: gr.Request | None = None) -> Joined:  # fmt: skip
    """A student joins (or rejoins: this browser's seat, or the PIN from another device) a class
    and plays its deck."""
    seat, uploaded, lang = from_browser(seat), dict(uploaded or {}), lang_of(prefs, request)
    room = room_or_error(ctx, lang)
    same = seat.get("code", "").upper() == (code or "").strip().upper()
    mine_seat = same and seat.get("name", "").casefold() == (name or "").strip().casefold()
    typed_pin = (pin or "").strip() or None
    with plainly(lang):
        student = room.join_class(code or "", name or "", rejoin_token=seat.get("token")
                                  if mine_seat else None, pin=typed_pin,
                                  client=client_of(request))  # fmt: skip
    mine = from_browser(mine)
    for kept in student.kept:
        unpacked = _class_deck(ctx, student, kept, lang)
        if unpacked is not None:
            uploaded[kept] = unpacked
            if (token := ctx.uploads.token_of(unpacked)) is not None:
                mine[kept] = token  # a reload finds it, as it finds the learner's own uploads
    deck = next((d for d in student.decks if ctx.library.has(d) or d in uploaded), None)
    if deck is None:
        raise refusal("class_deck_gone", lang)
    known_pin = student.pin or typed_pin or (seat.get("pin") if mine_seat else None)
    seat = {"code": student.class_code, "name": student.name, "token": student.token,
            "pin": known_pin or ""}  # fmt: skip
    screen = begin(ctx, stored or {}, deck, uploaded, prefs, request)
    menu = deck_menu(ctx, deck, uploaded, prefs, request)  # labelled in the student's language
    return Joined(joined=_welcome(student, lang), student=student, seat=seat, deck_key=menu,
                  tabs=gr.Tabs(selected="play"), screen=screen,
                  class_line=class_line(student, seat, lang), uploaded=uploaded,
                  mine=mine)  # fmt: skip


def _class_deck(ctx: Context, student: Student, name: str, lang: str) -> game.Deck | None:
    """A deck the class keeps, unpacked on this server (once: later joins reuse it while the
    upload shelf keeps it); None when it cannot be unpacked (logged)."""
    from game.upload import UploadError, load_upload

    cached = ctx.classes.unpacked(student.class_id, name)
    if cached is not None and ctx.uploads.touch(cached):
        return cached
    with plainly(lang):
        kept = ctx.classes.room().kept_deck(student, name)
    folder = Path(tempfile.mkdtemp(prefix="class-deck-", dir=ctx.options.work_dir))
    archive = folder / f"{kept.digest[:16]}.zip"
    try:
        archive.write_bytes(kept.archive)
        deck = load_upload([archive], ctx.upload_dir)
        ctx.uploads.put(deck)
    except (UploadError, game.DeckError, OSError, ValueError) as e:
        ctx.classes.log_deck_failure(name, e)
        return None
    finally:
        archive.unlink(missing_ok=True)
        folder.rmdir()
    ctx.classes.keep_unpacked(student.class_id, name, deck)
    return deck


def _welcome(student: Student, lang: str = "en") -> str:
    lines = [say("joined", lang, name=html.escape(student.name),
                 klass=html.escape(student.class_name))]  # fmt: skip
    if student.rejoined:
        lines.append(say("rejoined", lang, points=student.progress.points))
    if student.pin:
        lines.append(say("your_pin", lang, pin=student.pin))
    return "\n\n".join(lines)


def class_line(student: Student, seat: Seat, lang: str = "en") -> str:
    """Above every tab while in a class: the class, the student's name and their PIN."""
    names = {"klass": html.escape(student.class_name), "name": html.escape(student.name)}
    pin = str(seat.get("pin") or "")
    if pin.isdigit():
        return say("class_line", lang, pin=pin, **names)
    return say("class_line_no_pin", lang, **names)


def hint(ctx: Context, stored: Stored, key: str, uploaded: Uploaded, pending: str | None,
         auto: bool, prefs: Prefs | None = None, student: Student | None = None,
         request: gr.Request | None = None) -> Screen:  # fmt: skip
    """A hint (`play.hint`); in a class, the server counts it against the card's points."""
    screen = play.hint(ctx, stored, key, uploaded, pending, auto, prefs, request)
    if student is not None and (card := _card_on_screen(ctx, stored, key, uploaded, pending)):
        ctx.classes.hint(student, card)
    return screen


def skip(ctx: Context, stored: Stored, key: str, uploaded: Uploaded, pending: str | None,
         auto: bool, prefs: Prefs | None = None, student: Student | None = None,
         request: gr.Request | None = None) -> Screen:  # fmt: skip
    """A skip (`play.skip`); in a class, the server's streak for the student ends."""
    screen = play.skip(ctx, stored, key, uploaded, pending, auto, prefs, request)
    if student is not None and _card_on_screen(ctx, stored, key, uploaded, pending):
        ctx.classes.skip(student)
    return screen


def _card_on_screen(ctx: Context, stored: Stored, key: str, uploaded: Uploaded | None,
                    pending: str | None) -> game.Card | None:  # fmt: skip
    """The card a hint or skip acted on; None when a finished card waits for "Next"."""
    if pending:
        return None
    deck = ctx.deck_for(key, uploaded or {})
    return game.current_card(play.restore(stored, deck), deck)


def link_code(stored_code: str | None, query_code: str | None,
              seat: Seat | None = None) -> tuple[str, Update | gr.Tabs]:  # fmt: skip
    """A join link (?class=CODE) fills in the code and opens the class tab; the play tab stays
    for a browser already in that class (a student reloading the page they joined from)."""
    code = (query_code or "").strip()
    if not code:
        return stored_code or "", gr.update()
    if from_browser(seat).get("code", "").upper() == code.upper():
        return code, gr.update()
    return code, gr.Tabs(selected="class")


# A page load's class: the student (None: solo), the message, the seat, the class line, and the
# join fields' code and name.
Rejoined = tuple[Student | None, str | Update, Seat | Update, str, str | Update, str | Update]


def rejoin(ctx: Context, seat: Seat | None, prefs: Prefs | None = None, code: str | None = None,
           request: gr.Request | None = None) -> Rejoined:  # fmt: skip
    """A page load in a browser that joined a class: back in the class, points and all, with
    its code (unless a join link gave another: `code`) and the student's name in the join
    fields, so that "Join the class" gets a class's own deck back after its server restarted.

    Only a browser with a seat opens the database; a seat the class no longer knows (ended,
    deleted, or another server) is forgotten with a word, and the game goes on solo.
    """
    seat, lang = from_browser(seat), lang_of(prefs, request)
    if not (seat.get("code") and seat.get("name") and seat.get("token")):
        return None, gr.update(), gr.update(), "", gr.update(), gr.update()
    try:
        student = ctx.classes.room().join_class(seat["code"], seat["name"],
                                                rejoin_token=seat["token"],
                                                client=client_of(request))  # fmt: skip
    except ClassroomError as e:
        why = told(lang, e)
        left = say("left_class", lang, code=html.escape(seat["code"]), why=why)
        return None, left, {}, "", gr.update(), gr.update()
    fields = (code if isinstance(code, str) and code.strip() else student.class_code, student.name)
    return student, _welcome(student, lang), gr.update(), class_line(student, seat, lang), *fields
