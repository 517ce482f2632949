"""What can go wrong in class mode, as exceptions whose message a learner or teacher can read.

Every message is a whole sentence that says what to do, and none carries a traceback, a SQL
statement or a database URL. Each error a student or teacher meets has a `key` into `SAID` (its
English) and the `params` its sentence needs, so that the app can say it in the reader's language
(ui/text.py holds the other languages by the same keys). Catch `ClassroomError` for all of them.
"""

from __future__ import annotations

import math
from datetime import timedelta

SAID: dict[str, str] = {
    "class_not_found": "There is no class with that code. Check the code with your teacher.",
    "class_ended": "That class has ended. Ask your teacher for a new code.",
    "name_taken": "Someone in this class is already called “{name}”. If that is you, enter your "
    "PIN; otherwise choose another name.",
    "wrong_pin": "That is not the PIN for “{name}”. Try again, or choose another name if that "
    "is not you.",
    "wrong_key": "That teacher key does not open this class. Check the key and the code.",
    "no_such_student": "No student is called “{name}” in this class.",
    "name_empty": "Please type a name.",
    "name_long": "A name can be at most {limit} characters long.",
    "name_chars": "A name can only have letters, digits, spaces and {allowed} (not {shown}).",
    "name_letter": "A name needs at least one letter or digit.",
    "class_name_empty": "Please type a class name.",
    "class_name_long": "A class name can be at most {limit} characters long.",
    "class_name_chars": "A class name can only have letters, digits, spaces and {allowed} "
    "(not {shown}).",
    "class_name_letter": "A class name needs at least one letter or digit.",
    "class_decks_count": "A class needs 1 to {most} decks.",
    "class_deck_name": "Each deck of a class needs a name of 1 to {most} characters.",
    "class_key_short": "A teacher key needs at least {least} characters.",
    "kept_not_in_class": "The deck {name} to keep is not one of the class's decks.",
    "kept_too_big": "The class's own decks take {size} MB; a class keeps at most {most} MB of "
    "decks.",
    "kept_none": "The class keeps no deck called {name}.",
    "too_many_classes": "Too many classes were made from here. Wait {minutes} min, then try again.",
    "too_many_students": "Too many students joined from here or in this class just now. Wait "
    "{minutes} min, then try again.",
    "too_many_codes": "Too many class codes that match no class came from here. Wait {minutes} "
    "min, then check the code with your teacher.",
    "too_many_keys": "Too many wrong teacher keys for this class. Wait {minutes} min, then try "
    "again.",
    "too_many_pins": "Too many wrong PINs for this name. Wait {minutes} min, or ask your teacher "
    "for a new PIN.",
    "db_down": "Class mode cannot {doing} right now: the class database is not answering. Try "
    "again in a minute; the game itself works without it.",
}
"""English of every error a student or teacher meets, by key; {names} are its params."""


class ClassroomError(Exception):
    """Base of every class-mode error; its message is meant for the person at the screen."""

    def __init__(self, message: str = "", *, key: str = "", **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(SAID[key].format(**params) if key else message)


class ClassNotFound(ClassroomError):
    """No class has this code (a typo, or a code from another server). The code is not said
    back: what was typed is not to be trusted, and the message may be shown as HTML."""

    def __init__(self, code: str) -> None:
        super().__init__(key="class_not_found")


class ClassExpired(ClassroomError):
    """The class exists, but it has ended (its teacher ended it, or its time is up)."""

    def __init__(self, code: str) -> None:
        super().__init__(key="class_ended")


class InvalidName(ClassroomError):
    """A student or class name that is empty, too long, or holds characters we do not store
    (or, for a teacher's new PIN, names nobody in the class)."""


class NameTaken(ClassroomError):
    """The name is someone else's in this class, and the joiner gave no valid token or PIN."""

    def __init__(self, name: str) -> None:
        super().__init__(key="name_taken", name=name)


class WrongPin(ClassroomError):
    """A rejoin with a PIN that is not this student's."""

    def __init__(self, name: str) -> None:
        super().__init__(key="wrong_pin", name=name)


class WrongTeacherKey(ClassroomError):
    """A teacher key that does not open this class: the caller sees nothing of the class."""

    def __init__(self) -> None:
        super().__init__(key="wrong_key")


class TooManyTries(ClassroomError):
    """A client (or many at one class or student) tried too often; `wait` until it may again.
    `what` is one of classes, students, codes, keys, pins."""

    def __init__(self, what: str, wait: timedelta) -> None:
        self.what = what
        self.minutes = max(1, math.ceil(wait.total_seconds() / 60))
        super().__init__(key=f"too_many_{what}", minutes=self.minutes)


class InvalidClass(ClassroomError):
    """A class that cannot be created as asked (no deck, a teacher key too short), or a deck
    it does not keep."""


class DatabaseUnavailable(ClassroomError):
    """The class database cannot be reached or written when a teacher or student needs it."""

    def __init__(self, doing: str) -> None:
        super().__init__(key="db_down", doing=doing)


class BadDatabaseSetting(ClassroomError, ValueError):
    """A --db / SAGDET_DB value that can never open a class database (for the deployer)."""

    def __init__(self, setting: str, why: str) -> None:
        self.setting, self.why = setting, why
        super().__init__(
            f"--db {_shown(setting)} cannot be used: {why}. Give a SQLAlchemy URL "
            "(postgresql+psycopg://user:password@host/database), a folder for a SQLite file, or "
            "a file ending in .db, .sqlite or .sqlite3."
        )


def _shown(setting: str) -> str:
    """The setting without a password, as a log line or a terminal may show it."""
    head, sep, tail = setting.partition("://")
    if sep and "@" in tail:
        credentials, _, rest = tail.rpartition("@")
        user = credentials.split(":", 1)[0]
        return f"{head}://{user}:***@{rest}" if ":" in credentials else setting
    return setting
