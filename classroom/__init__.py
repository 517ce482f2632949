"""Class mode's storage and services: classes, students and their answers in a real database.

Pure Python and SQLAlchemy 2 (no gradio, torch or asr), so the UI, a script or a test can run a
class the same way:

    room = Classroom()                      # the default database (classroom.location)
    made = room.create_class("7B", ["Djur (animals)"])
    anna = room.join_class(made.code, "Anna")
    room.record_answer(anna, card_id="hund", answer="en hund", verdict="correct")  # 10 points
    room.class_results(made.code, made.teacher_key).leaderboard

Outside class mode nothing here is imported or opened: the solo game needs no database.
"""

from classroom.errors import (
    BadDatabaseSetting,
    ClassExpired,
    ClassNotFound,
    ClassroomError,
    DatabaseUnavailable,
    InvalidClass,
    InvalidName,
    NameTaken,
    TooManyTries,
    WrongPin,
    WrongTeacherKey,
)
from classroom.limits import Limits, Rule
from classroom.location import default_database_url, outbox_path, url_from_setting
from classroom.results import (
    CSV_COLUMNS,
    ClassResults,
    LeaderRow,
    Progress,
    StudentResult,
    WordResult,
)
from classroom.schema import SCHEMA_VERSION, SchemaTooNew
from classroom.service import Classroom, NewClass, Student
from classroom.writer import WriterStatus

__all__ = [
    "CSV_COLUMNS",
    "SCHEMA_VERSION",
    "BadDatabaseSetting",
    "ClassExpired",
    "ClassNotFound",
    "ClassResults",
    "Classroom",
    "ClassroomError",
    "DatabaseUnavailable",
    "InvalidClass",
    "InvalidName",
    "LeaderRow",
    "Limits",
    "NameTaken",
    "NewClass",
    "Progress",
    "Rule",
    "SchemaTooNew",
    "Student",
    "StudentResult",
    "TooManyTries",
    "WordResult",
    "WriterStatus",
    "WrongPin",
    "WrongTeacherKey",
    "default_database_url",
    "outbox_path",
    "url_from_setting",
]
