"""What can go wrong in class mode, as exceptions whose message a learner or teacher can read.

The UI shows `str(error)` as it is: every message is a whole sentence that says what to do, and
none carries a traceback, a SQL statement or a database URL. Catch `ClassroomError` for all of
them.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import ClassVar


class ClassroomError(Exception):
    """Base of every class-mode error; its message is meant for the person at the screen."""


class ClassNotFound(ClassroomError):
    """No class has this code (a typo, or a code from another server)."""

    def __init__(self, code: str) -> None:
        # Only a code made of plain letters and digits is repeated back: the message may be
        # shown as HTML, and what was typed is not to be trusted.
        shown = f" {code}" if code.isascii() and code.isalnum() and len(code) <= 12 else ""
        super().__init__(
            f"There is no class with the code{shown}. Check the code with your teacher."
        )


class ClassExpired(ClassroomError):
    """The class exists, but its join code is past its end date."""

    def __init__(self, code: str) -> None:
        super().__init__(
            f"The class {code} has ended, so it takes no new answers. "
            "Ask your teacher for a new code."
        )


class InvalidName(ClassroomError):
    """A student or class name that is empty, too long, or holds characters we do not store."""


class NameTaken(ClassroomError):
    """The name is someone else's in this class, and the joiner gave no valid token or PIN."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"Someone in this class is already called “{name}”. If that is you, enter your PIN; "
            "otherwise choose another name."
        )


class WrongPin(ClassroomError):
    """A rejoin with a PIN that is not this student's."""


class WrongTeacherKey(ClassroomError):
    """A teacher key that does not open this class: the caller sees nothing of the class."""

    def __init__(self) -> None:
        super().__init__("That teacher key does not open this class. Check the key and the code.")


class TooManyTries(ClassroomError):
    """A client (or many at one class or student) tried too often; `wait` until it may again."""

    SAID: ClassVar[dict[str, str]] = {
        "classes": "Too many classes were made from here",
        "students": "Too many students joined from here or in this class just now",
        "codes": "Too many class codes that match no class came from here",
        "keys": "Too many wrong teacher keys for this class",
        "pins": "Too many wrong PINs for this name",
    }
    THEN: ClassVar[dict[str, str]] = {
        "codes": "then check the code with your teacher",
        "pins": "or ask your teacher for a new PIN",
    }

    def __init__(self, what: str, wait: timedelta) -> None:
        self.what = what
        self.minutes = max(1, math.ceil(wait.total_seconds() / 60))
        then = self.THEN.get(what, "then try again")
        unit = "minute" if self.minutes == 1 else "minutes"
        super().__init__(f"{self.SAID[what]}. Wait {self.minutes} {unit}, {then}.")


class InvalidClass(ClassroomError):
    """A class that cannot be created as asked (no deck, a teacher key too short)."""


class DatabaseUnavailable(ClassroomError):
    """The class database cannot be reached or written when a teacher or student needs it."""

    def __init__(self, doing: str) -> None:
        super().__init__(
            f"Class mode cannot {doing} right now: the class database is not answering. "
            "Try again in a minute; the game itself works without it."
        )


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
