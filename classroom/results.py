"""What a teacher sees of a class: per-student and per-word figures, a leaderboard, a CSV.

Every query here is scoped by one class id, which the service resolves only after the teacher
key checked out; nothing in this module can reach another class's rows.

Accuracy counts every recorded answer: a row whose verdict is "correct" is right, anything else
("close", "wrong", "no_speech") is not. The UI decides which judged answers it records.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from classroom import scoring
from classroom.schema import AnswerRow, StudentRow
from classroom.writer import WriterStatus

CORRECT = "correct"
MISSED_MOST = 10
CSV_COLUMNS = (
    "student",
    "deck",
    "round",
    "card",
    "answer",
    "verdict",
    "heard",
    "tries",
    "points",
    "streak",
    "typed",
    "time",
)


@dataclass(frozen=True)
class StudentResult:
    name: str
    rounds: int
    """Distinct rounds the UI reported (answers recorded without a round id count in none)."""
    answers: int
    correct: int
    accuracy: float
    """correct / answers, 0..1; 0 with no answers."""
    points: int
    best_streak: int
    last_answer_at: datetime | None


@dataclass(frozen=True)
class WordResult:
    card_id: str
    answer: str
    """The answer word as recorded ("en hund")."""
    answers: int
    correct: int
    misses: int
    accuracy: float


@dataclass(frozen=True)
class StudentWord:
    """One student's answers to one word."""

    name: str
    card_id: str
    answer: str
    answers: int
    correct: int


@dataclass(frozen=True)
class LeaderRow:
    rank: int
    """1 for the most points; equal points and best streak share a rank (1, 1, 3)."""
    name: str
    points: int
    best_streak: int


@dataclass(frozen=True)
class ClassResults:
    code: str
    name: str
    decks: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    students: tuple[StudentResult, ...]
    """Every student who joined, by name."""
    words: tuple[WordResult, ...]
    """Every card answered, by accuracy (hardest first)."""
    missed_most: tuple[WordResult, ...]
    """Up to ten words with the most answers that were not correct."""
    leaderboard: tuple[LeaderRow, ...]
    status: WriterStatus
    """Whether this class's answers are being recorded: recorded (in the database), waiting
    to be (in this server's outbox or memory), lost."""
    as_of: datetime | None = None
    """None: the figures are the database's now. Else when they were read: the database
    does not answer, and these are the figures the teacher was shown last."""
    by_student_word: tuple[StudentWord, ...] = ()
    """Each student's answers to each word they answered, by student, then word."""
    kept_decks: tuple[str, ...] = ()
    """The class's decks it keeps itself (uploaded by the teacher)."""
    delete_at: datetime | None = None
    """When the class and everything of its students is deleted (None: when the teacher
    deletes it)."""


@dataclass(frozen=True)
class Progress:
    """One student's own totals, given back when they rejoin."""

    points: int = 0
    answers: int = 0
    streak: int = 0
    best_streak: int = 0


def student_results(session: Session, class_id: int) -> tuple[StudentResult, ...]:
    a = AnswerRow
    correct = func.sum(case((a.verdict == CORRECT, 1), else_=0))
    rows = session.execute(
        select(
            StudentRow.name,
            func.count(func.distinct(func.nullif(a.round_id, ""))),
            func.count(a.id),
            correct,
            func.sum(a.points),
            func.max(a.streak),
            func.max(a.answered_at),
        )
        .outerjoin(a, and_(a.student_id == StudentRow.id, a.class_id == class_id))
        .where(StudentRow.class_id == class_id)
        .group_by(StudentRow.id, StudentRow.name, StudentRow.name_key)
        .order_by(StudentRow.name_key)
    )
    # A student without answers has NULL sums and maxima (the outer join found no row).
    return tuple(
        StudentResult(
            name=name,
            rounds=int(rounds or 0),
            answers=int(answers or 0),
            correct=int(right or 0),
            accuracy=int(right or 0) / answers if answers else 0.0,
            points=int(points or 0),
            best_streak=int(best or 0),
            last_answer_at=last,
        )
        for name, rounds, answers, right, points, best, last in rows
    )


def word_results(session: Session, class_id: int) -> tuple[WordResult, ...]:
    a = AnswerRow
    correct = func.sum(case((a.verdict == CORRECT, 1), else_=0))
    rows = session.execute(
        select(a.card_id, func.max(a.answer), func.count(a.id), correct)
        .where(a.class_id == class_id)
        .group_by(a.card_id)
    )
    words = [
        WordResult(card, answer, int(n), int(ok or 0), int(n) - int(ok or 0), int(ok or 0) / n)
        for card, answer, n, ok in rows
    ]
    return tuple(sorted(words, key=lambda w: (w.accuracy, -w.answers, w.card_id)))


def student_words(session: Session, class_id: int) -> tuple[StudentWord, ...]:
    a = AnswerRow
    correct = func.sum(case((a.verdict == CORRECT, 1), else_=0))
    rows = session.execute(
        select(StudentRow.name, a.card_id, func.max(a.answer), func.count(a.id), correct)
        .join(StudentRow, StudentRow.id == a.student_id)
        .where(a.class_id == class_id)
        .group_by(StudentRow.name, StudentRow.name_key, a.card_id)
        .order_by(StudentRow.name_key, a.card_id)
    )
    return tuple(
        StudentWord(name, card, answer, int(n), int(ok or 0)) for name, card, answer, n, ok in rows
    )


def missed_most(words: tuple[WordResult, ...]) -> tuple[WordResult, ...]:
    missed = sorted(
        (w for w in words if w.misses), key=lambda w: (-w.misses, w.accuracy, w.card_id)
    )
    return tuple(missed[:MISSED_MOST])


def leaderboard(students: tuple[StudentResult, ...]) -> tuple[LeaderRow, ...]:
    ordered = sorted(students, key=lambda s: (-s.points, -s.best_streak, s.name.casefold()))
    rows: list[LeaderRow] = []
    for place, student in enumerate(ordered, start=1):
        tied = rows and (rows[-1].points, rows[-1].best_streak) == (
            student.points,
            student.best_streak,
        )
        rank = rows[-1].rank if tied else place
        rows.append(LeaderRow(rank, student.name, student.points, student.best_streak))
    return tuple(rows)


def progress(session: Session, student_id: int) -> Progress:
    a = AnswerRow
    points, answers, best = session.execute(
        select(func.sum(a.points), func.count(a.id), func.max(a.streak)).where(
            a.student_id == student_id
        )
    ).one()
    last = session.scalars(
        select(a.streak)
        .where(a.student_id == student_id)
        .order_by(a.answered_at.desc(), a.id.desc())
        .limit(1)
    ).first()
    return Progress(int(points or 0), int(answers or 0), int(last or 0), int(best or 0))


def last_turn(session: Session, student_id: int) -> scoring.Turn:
    """The server's count after the student's last recorded answer, to go on from."""
    a = AnswerRow
    last = session.execute(
        select(a.card_id, a.verdict, a.tries, a.hints, a.streak)
        .where(a.student_id == student_id)
        .order_by(a.answered_at.desc(), a.id.desc())
        .limit(1)
    ).first()
    return scoring.Turn() if last is None else scoring.resumed(*last)


def answers_csv(session: Session, class_id: int) -> str:
    """One row per recorded answer, oldest first; cells that a spreadsheet would run as a
    formula (=, +, -, @ first) are prefixed with ' so they open as text."""
    a = AnswerRow
    rows = session.execute(
        select(
            StudentRow.name,
            a.deck,
            a.round_id,
            a.card_id,
            a.answer,
            a.verdict,
            a.heard,
            a.tries,
            a.points,
            a.streak,
            a.typed,
            a.answered_at,
        )
        .join(StudentRow, StudentRow.id == a.student_id)
        .where(a.class_id == class_id)
        .order_by(a.answered_at, a.id)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        *cells, typed, at = row
        writer.writerow([*(_cell(c) for c in cells), "yes" if typed else "no", at.isoformat()])
    return out.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
