"""Class mode in the app: a teacher's class and live dashboard, students joining by code or link.

The database is opened on the first class action only (`ClassHub`): the solo game needs none.
A student's seat (class code, name, rejoin token) is kept in their browser, so a reload or a
dropped connection rejoins them with their points; every judged answer is queued for the class
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
from pathlib import Path

import gradio as gr
import pandas as pd

import game
from ui import play
from ui.context import Context
from ui.decks import deck_menu
from ui.play import begin, lang_of
from ui.text import say


@contextmanager
def _plainly(lang: str = "en") -> Iterator[None]:
    """A class action's failure as the message it carries (they are written for people), in
    the learner's language where it is a student's to read."""
    from classroom import ClassroomError

    try:
        yield
    except ClassroomError as e:
        raise gr.Error(_in(lang, e)) from e


def _in(lang: str, error: Exception) -> str:
    import classroom

    keys = {classroom.ClassNotFound: "class_not_found", classroom.ClassExpired: "class_ended",
            classroom.NameTaken: "name_taken", classroom.WrongPin: "wrong_pin",
            classroom.DatabaseUnavailable: "class_db_down"}  # fmt: skip
    key = next((k for kind, k in keys.items() if isinstance(error, kind)), None)
    if lang == "en" or key is None:
        return str(error)  # English, or a fault whose own words are the most exact (a name)
    return say(key, lang)


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


def _room_or_error(ctx: Context):
    with _plainly():
        return ctx.classes.room()


def create_class(ctx: Context, name, decks, request: gr.Request = None) -> str:
    """A new class on the chosen decks: its join code, link and the teacher key, shown once."""
    room = _room_or_error(ctx)
    decks = [decks] if isinstance(decks, str) else list(decks or [])
    unknown = [d for d in decks if not ctx.library.has(d)]
    if unknown:
        raise gr.Error(f"No deck called {unknown[0]!r} on this server: choose from the menu.")
    with _plainly():
        made = room.create_class(name or "", decks, ctx.options.teacher_key or None,
                                 client=client_of(request))  # fmt: skip
    link = f"{_base_url(request)}{made.link_query}"
    key = ("the deployer's teacher key" if ctx.options.teacher_key
           else f"`{made.teacher_key}` (shown once: keep it, it opens the dashboard)")  # fmt: skip
    return (
        f"### ✓ Class {html.escape(made.name)} is ready\n"
        f"- Join code: **{made.code}**\n- Link for students: {link}\n- Teacher key: {key}"
    )


def _base_url(request: gr.Request | None) -> str:
    if request is None:
        return ""
    headers = request.headers
    scheme = headers.get("x-forwarded-proto") or request.url.scheme
    return f"{scheme}://{headers.get('host', request.url.netloc)}/"


def join_class(ctx: Context, code, name, pin=None, stored=None, key=None, uploaded=None, seat=None,
               prefs=None, request: gr.Request = None) -> tuple:  # fmt: skip
    """A student joins (or rejoins: this browser's seat, or the PIN from another device) a class
    and plays its deck. Returns the join message, the student, the seat for the browser, the
    deck menu, the tab to show and the screen."""
    seat, uploaded, lang = seat or {}, uploaded or {}, lang_of(prefs, request)
    room = _room_or_error(ctx)
    same = seat.get("code", "").upper() == (code or "").strip().upper()
    mine = same and seat.get("name", "").casefold() == (name or "").strip().casefold()
    with _plainly(lang):
        student = room.join_class(code or "", name or "", rejoin_token=seat.get("token") if mine
                                  else None, pin=(pin or "").strip() or None,
                                  client=client_of(request))  # fmt: skip
    deck = next((d for d in student.decks if ctx.library.has(d)), None)
    if deck is None:
        raise gr.Error("This class's deck is not on this server any more: ask your teacher.")
    seat = {"code": student.class_code, "name": student.name, "token": student.token}
    screen = begin(ctx, stored or {}, deck, uploaded, prefs, request)
    menu = deck_menu(ctx, deck, uploaded)
    return (_welcome(student, lang), student, seat, menu, gr.Tabs(selected="play"), *screen)


def _welcome(student, lang: str = "en") -> str:
    lines = [say("joined", lang, name=html.escape(student.name),
                 klass=html.escape(student.class_name))]  # fmt: skip
    if student.rejoined:
        lines.append(say("rejoined", lang, points=student.progress.points))
    if student.pin:
        lines.append(say("your_pin", lang, pin=student.pin))
    return "\n\n".join(lines)


def class_results(ctx: Context, code, teacher_key, request: gr.Request = None) -> tuple:
    """The dashboard: a summary line, students, the words missed most, the leaderboard."""
    room = _room_or_error(ctx)
    with _plainly():
        results = room.class_results(code or "", teacher_key or "", client=client_of(request))
    students = pd.DataFrame(
        [(s.name, s.rounds, s.answers, f"{s.accuracy:.0%}", s.points, s.best_streak)
         for s in results.students],
        columns=["student", "rounds", "answers", "right", "points", "best streak"],
    )  # fmt: skip
    words = pd.DataFrame(
        [(w.answer, w.answers, w.misses, f"{w.accuracy:.0%}") for w in results.missed_most],
        columns=["word", "answers", "missed", "right"],
    )
    board = pd.DataFrame([(r.rank, r.name, r.points, r.best_streak) for r in results.leaderboard],
                         columns=["rank", "student", "points", "best streak"])  # fmt: skip
    status = results.status.message  # recorded, waiting, lost: always, the truth of the moment
    if results.as_of is not None:
        status = f"The figures below are from {results.as_of:%H:%M} UTC. {status}"
    head = (f"### {html.escape(results.name)} ({results.code}): {len(results.students)} "
            f"students, decks: {', '.join(results.decks)}")  # fmt: skip
    return (f"{head}\n\n{status}".strip(), students, words, board, gr.Timer(active=True))


def export_class(ctx: Context, code, teacher_key, request: gr.Request = None) -> str:
    """Every answer of the class as a CSV file (one row per answer), for a spreadsheet."""
    room = _room_or_error(ctx)
    with _plainly():
        text = room.export_class(code or "", teacher_key or "", client=client_of(request))
    folder = Path(tempfile.mkdtemp(prefix="class-", dir=ctx.options.work_dir))
    path = folder / f"class-{(code or '').strip().upper()}.csv"
    path.write_text(text, encoding="utf-8-sig")  # Excel reads å, ä, ö right with the BOM
    return str(path)


def hint(ctx: Context, stored, key, uploaded, pending, auto, prefs=None, student=None,
         request: gr.Request = None) -> tuple:  # fmt: skip
    """A hint (`play.hint`); in a class, the server counts it against the card's points."""
    screen = play.hint(ctx, stored, key, uploaded, pending, auto, prefs, request)
    if student is not None and (card := _card_on_screen(ctx, stored, key, uploaded, pending)):
        ctx.classes.hint(student, card)
    return screen


def skip(ctx: Context, stored, key, uploaded, pending, auto, prefs=None, student=None,
         request: gr.Request = None) -> tuple:  # fmt: skip
    """A skip (`play.skip`); in a class, the server's streak for the student ends."""
    screen = play.skip(ctx, stored, key, uploaded, pending, auto, prefs, request)
    if student is not None and _card_on_screen(ctx, stored, key, uploaded, pending):
        ctx.classes.skip(student)
    return screen


def _card_on_screen(ctx: Context, stored, key, uploaded, pending) -> game.Card | None:
    """The card a hint or skip acted on; None when a finished card waits for "Next"."""
    if pending:
        return None
    deck = ctx.deck_for(key, uploaded or {})
    return game.current_card(play.restore(stored, deck), deck)


def link_code(stored_code: str, query_code: str) -> tuple[str, object]:
    """A join link (?class=CODE) fills in the code and opens the class tab."""
    code = (query_code or "").strip()
    if not code:
        return stored_code or "", gr.update()
    return code, gr.Tabs(selected="class")


def rejoin(ctx: Context, seat, request: gr.Request = None) -> tuple:
    """A page load in a browser that joined a class: back in the class, points and all.

    Only a browser with a seat opens the database; a seat the class no longer knows (expired,
    or another server) is forgotten with a word, and the game goes on solo.
    """
    from classroom import ClassroomError

    seat = seat or {}
    if not (seat.get("code") and seat.get("name") and seat.get("token")):
        return None, gr.update(), gr.update()
    try:
        student = ctx.classes.room().join_class(seat["code"], seat["name"],
                                                rejoin_token=seat["token"],
                                                client=client_of(request))  # fmt: skip
    except ClassroomError as e:
        return None, f"You are no longer in class {seat['code']}: {e}", {}
    return student, _welcome(student), gr.update()
