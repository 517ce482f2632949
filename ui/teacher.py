"""Class mode in the app, the teacher's side: a class on any deck they have, its dashboard (opened
as soon as the class is made), a new PIN for a student, ending and deleting the class.

Every handler says its messages in the teacher's language (`ui.text`); a wrong key, a limit or
a database that does not answer is a `gr.Error` in that language too (`ui.classes.plainly`).
"""

from __future__ import annotations

import html
import io
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import gradio as gr
import pandas as pd

import game
from classroom import ClassResults, WriterStatus
from ui.classes import client_of, plainly, room_or_error
from ui.context import Context, Prefs, Update, Uploaded
from ui.play import lang_of
from ui.screen import Reply
from ui.text import refusal, say

MadeClass = dict[str, str]  # the class just made here: "code" and "key", to open its dashboard


@dataclass(frozen=True)
class Dashboard(Reply):
    """A class's dashboard. The order of the fields is the order of the outputs an API client
    of "class_results" receives."""

    dash_head: str  # Markdown: the class, its decks, what is recorded and waiting, its dates
    dash_students: pd.DataFrame  # one row per student: rounds, answers, right, points, streak
    dash_words: pd.DataFrame  # the words missed most
    dash_board: pd.DataFrame  # the leaderboard
    dash_timer: gr.Timer  # refreshes the dashboard while it is open
    dash_grid: pd.DataFrame  # students down, words across
    dash_pupil: Update  # the students, for a new PIN


@dataclass(frozen=True)
class Opened(Reply):
    """A class just made: its code and key in the dashboard's fields, and its dashboard; None
    for a class not made (each output stays as it is)."""

    dash_code: str | Update
    dash_key: str | Update
    dashboard: Dashboard | None


@dataclass(frozen=True)
class Deleted(Reply):
    """A class deleted: what was done, its key forgotten, the tick cleared, and the dashboard
    emptied and stopped."""

    manage_said: str
    dash_key: str
    delete_sure: bool
    dashboard: Dashboard


def deck_choices(ctx: Context, uploaded: Uploaded | None, prefs: Prefs | None = None,
                 request: gr.Request | None = None) -> Update:  # fmt: skip
    """The decks a class can be given: everyone's, and the ones this teacher uploaded, each
    labelled in the teacher's language (the class keeps the key)."""
    return gr.update(choices=ctx.choices(uploaded or {}, lang_of(prefs, request)))


def create_class(ctx: Context, name: str | None, decks: list[str] | str | None,
                 uploaded: Uploaded | None = None, prefs: Prefs | None = None,
                 request: gr.Request | None = None) -> tuple[str, MadeClass]:  # fmt: skip
    """A new class on the chosen decks: its join code, link and the teacher key (shown once),
    and the class for its dashboard. A deck the teacher uploaded is kept for the class."""
    lang, uploaded = lang_of(prefs, request), uploaded or {}
    room = room_or_error(ctx, lang, teacher=True)
    decks = [decks] if isinstance(decks, str) else list(decks or [])
    unknown = [d for d in decks if not ctx.library.has(d) and d not in uploaded]
    if unknown:
        raise refusal("no_such_deck", lang, name=html.escape(str(unknown[0])[:200]))
    kept = {d: _zipped(ctx, uploaded[d], lang) for d in decks if not ctx.library.has(d)}
    with plainly(lang, teacher=True):
        made = room.create_class(name or "", decks, ctx.options.teacher_key or None, kept=kept,
                                 client=client_of(request))  # fmt: skip
    key = (say("key_deployer", lang) if ctx.options.teacher_key
           else say("key_once", lang, teacher_key=made.teacher_key))  # fmt: skip
    link = f"{_base_url(request)}{made.link_query}"
    text = say("class_made", lang, name=html.escape(made.name), code=made.code, link=link,
               teacher_key=key)  # fmt: skip
    return text, {"code": made.code, "key": made.teacher_key}


def _zipped(ctx: Context, deck: game.Deck, lang: str) -> bytes:
    """An uploaded deck's folder as a zip, for the class to keep."""
    if deck.path is None or not ctx.uploads.touch(deck):
        raise refusal("upload_gone", lang, name=deck.title(lang))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(deck.path.rglob("*")):
            if path.is_file() and not path.is_symlink():
                archive.write(path, path.relative_to(deck.path).as_posix())
    return out.getvalue()


def _base_url(request: gr.Request | None) -> str:
    if request is None:
        return ""
    headers = request.headers
    scheme = headers.get("x-forwarded-proto") or request.url.scheme
    return f"{scheme}://{headers.get('host', request.url.netloc)}/"


def open_new_class(ctx: Context, made: MadeClass | None, prefs: Prefs | None = None,
                   request: gr.Request | None = None) -> Opened:  # fmt: skip
    """Right after a class is made: its code and key in the dashboard's fields, and the
    dashboard open (it refreshes itself from then on)."""
    if not made:
        return Opened(dash_code=gr.skip(), dash_key=gr.skip(), dashboard=None)
    dashboard = class_results(ctx, made["code"], made["key"], prefs, request)
    return Opened(dash_code=made["code"], dash_key=made["key"], dashboard=dashboard)


def class_results(ctx: Context, code: str | None, teacher_key: str | None,
                  prefs: Prefs | None = None,
                  request: gr.Request | None = None) -> Dashboard:  # fmt: skip
    """The dashboard: a summary with what is recorded and waiting, the students, the words
    missed most, the leaderboard, each student's words, and the students for the controls."""
    lang = lang_of(prefs, request)
    room = room_or_error(ctx, lang, teacher=True)
    with plainly(lang, teacher=True):
        results = room.class_results(code or "", teacher_key or "", client=client_of(request))
    col = {name: say(f"col_{name}", lang) for name in ("student", "rounds", "answers", "right",
           "points", "best_streak", "word", "missed", "rank")}  # fmt: skip
    students = pd.DataFrame(
        [(s.name, s.rounds, s.answers, f"{s.accuracy:.0%}", s.points, s.best_streak)
         for s in results.students],
        columns=[col["student"], col["rounds"], col["answers"], col["right"], col["points"],
                 col["best_streak"]],
    )  # fmt: skip
    words = pd.DataFrame(
        [(w.answer, w.answers, w.misses, f"{w.accuracy:.0%}") for w in results.missed_most],
        columns=[col["word"], col["answers"], col["missed"], col["right"]],
    )
    board = pd.DataFrame([(r.rank, r.name, r.points, r.best_streak) for r in results.leaderboard],
                         columns=[col["rank"], col["student"], col["points"],
                                  col["best_streak"]])  # fmt: skip
    names = [s.name for s in results.students]
    decks = [ctx.label(key, {}, lang) for key in results.decks]  # the class keeps the keys
    return Dashboard(
        dash_head=_summary(results, lang, decks),
        dash_students=students,
        dash_words=words,
        dash_board=board,
        dash_timer=gr.Timer(active=True),
        dash_grid=_grid(results, col["student"]),
        dash_pupil=gr.update(choices=names),
    )


def _summary(results: ClassResults, lang: str, decks: list[str]) -> str:
    head = say("dash_head", lang, name=html.escape(results.name), code=results.code,
               n=len(results.students), decks=html.escape(", ".join(decks)))  # fmt: skip
    lines = [head, _recording(results.status, lang)]
    if results.as_of is not None:
        lines.insert(1, say("as_of", lang, time=f"{results.as_of:%H:%M}"))
    deleted = _day(results.delete_at) if results.delete_at else "–"
    ends = results.expires_at
    if ends is not None and ends <= datetime.now(UTC):
        lines.append(say("dash_ended", lang, deleted=deleted))
    elif ends is not None:
        lines.append(say("dash_open", lang, date=_day(ends), deleted=deleted))
    return "\n\n".join(lines)


def _recording(status: WriterStatus, lang: str) -> str:
    """Where the class's answers are, at this moment: recorded, waiting, lost."""
    if not status.ok:
        since = f"{status.since:%H:%M}" if status.since else "?"
        parts = [say("rec_down", lang, since=since, waiting=status.waiting,
                     recorded=status.recorded)]  # fmt: skip
    elif status.waiting:
        parts = [say("rec_writing", lang, recorded=status.recorded, waiting=status.waiting)]
    else:
        parts = [say("rec_all", lang, n=status.recorded)]
        if status.delayed:
            parts.append(say("rec_delayed", lang, n=status.delayed))
    if status.lost:
        parts.append(say("rec_lost", lang, n=status.lost))
    if status.refused:
        parts.append(say("rec_refused", lang, n=status.refused))
    return " ".join(parts)


def _grid(results: ClassResults, student: str) -> pd.DataFrame:
    """Students down, words across: right / answers in each cell, – where not answered."""
    words = sorted({w.answer for w in results.by_student_word}, key=str.casefold)
    cells: dict[str, dict[str, str]] = {s.name: {} for s in results.students}
    for one in results.by_student_word:
        cells.setdefault(one.name, {})[one.answer] = f"{one.correct} / {one.answers}"
    rows = [(name, *(cells[name].get(w, "–") for w in words)) for name in cells]
    return pd.DataFrame(rows, columns=[student, *words])


def _day(when: datetime) -> str:
    return f"{when:%Y-%m-%d}"


def export_class(ctx: Context, code: str | None, teacher_key: str | None,
                 prefs: Prefs | None = None, request: gr.Request | None = None) -> str:  # fmt: skip
    """Every answer of the class as a CSV file (one row per answer), for a spreadsheet."""
    lang = lang_of(prefs, request)
    room = room_or_error(ctx, lang, teacher=True)
    with plainly(lang, teacher=True):
        text = room.export_class(code or "", teacher_key or "", client=client_of(request))
    folder = Path(tempfile.mkdtemp(prefix="class-", dir=ctx.options.work_dir))
    path = folder / f"class-{(code or '').strip().upper()[:12]}.csv"
    path.write_text(text, encoding="utf-8-sig")  # Excel reads å, ä, ö right with the BOM
    return str(path)


def new_pin(ctx: Context, code: str | None, teacher_key: str | None, name: str | None = None,
            prefs: Prefs | None = None, request: gr.Request | None = None) -> str:  # fmt: skip
    """A new PIN for a student who lost theirs (or was locked out): the teacher tells them."""
    lang = lang_of(prefs, request)
    if not name:
        raise refusal("pick_student", lang)
    room = room_or_error(ctx, lang, teacher=True)
    with plainly(lang, teacher=True):
        pin = room.reset_pin(code or "", teacher_key or "", name, client=client_of(request))
    return say("new_pin_done", lang, name=html.escape(name), pin=pin)


def end_class(ctx: Context, code: str | None, teacher_key: str | None,
              prefs: Prefs | None = None, request: gr.Request | None = None) -> str:  # fmt: skip
    """End the class: nobody joins any more and new answers are not recorded."""
    lang = lang_of(prefs, request)
    room = room_or_error(ctx, lang, teacher=True)
    with plainly(lang, teacher=True):
        ended = room.end_class(code or "", teacher_key or "", client=client_of(request))
    deleted = _day(ended + room.keep) if room.keep is not None else "–"
    return say("class_ended_now", lang, code=html.escape((code or "").strip().upper()[:12]),
               time=f"{ended:%H:%M}", deleted=deleted)  # fmt: skip


def delete_class(ctx: Context, code: str | None, teacher_key: str | None, sure: bool = False,
                 prefs: Prefs | None = None,
                 request: gr.Request | None = None) -> Deleted:  # fmt: skip
    """Delete the class and everything about its students, once the teacher ticked that they
    mean it; the dashboard is emptied and its key forgotten."""
    lang = lang_of(prefs, request)
    if not sure:
        raise refusal("delete_tick", lang)
    room = room_or_error(ctx, lang, teacher=True)
    with plainly(lang, teacher=True):
        students = room.delete_class(code or "", teacher_key or "", client=client_of(request))
    said = say("class_deleted", lang, code=html.escape((code or "").strip().upper()[:12]),
               n=students)  # fmt: skip
    empty = pd.DataFrame()
    emptied = Dashboard(dash_head="", dash_students=empty, dash_words=empty, dash_board=empty,
                        dash_timer=gr.Timer(active=False), dash_grid=empty,
                        dash_pupil=gr.update(choices=[], value=None))  # fmt: skip
    return Deleted(manage_said=said, dash_key="", delete_sure=False, dashboard=emptied)
