"""How often a client may try things in class mode: limits that fit a school, not an attacker.

A school is many people behind one address (the school's NAT), so a limit per address must let a
whole class through at once: thirty students joining in a minute, a teacher making a few classes,
a student mistyping a code. What it stops is guessing and flooding: join codes tried one after
another, teacher keys and PINs guessed, classes or names made by the hundred.

Two kinds of limit:
- per client (its address): every wrong code, key or PIN it sends counts against it;
- per class (or per student): many wrong tries from many addresses at one class (or one student)
  close that class (student) to the addresses that have tried wrong themselves, and only to them.
  So nobody locks a student out of their PIN, or a teacher out of their dashboard, by typing wrong
  on purpose: the student and the teacher, who have not, still get in. A teacher's new PIN for a
  student clears what was counted against that student.

Counts live in this process's memory (a restart forgets them; each replica counts for itself)
and are pure Python, driven by the service's clock so that tests can move time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from classroom.errors import TooManyTries

Key = tuple[str, ...]
What = Literal["classes", "students", "codes", "keys", "pins"]


@dataclass(frozen=True)
class Rule:
    """At most `limit` events within `window`."""

    limit: int
    window: timedelta


@dataclass(frozen=True)
class Limits:
    """The limits of one app process; each field is one rule."""

    classes_per_client: Rule = Rule(20, timedelta(hours=1))
    """Classes made from one address: a school's teachers behind one NAT make a few each."""
    students_per_client: Rule = Rule(300, timedelta(minutes=10))
    """New names joined from one address: several classes of a school joining at once."""
    students_per_class: Rule = Rule(200, timedelta(minutes=10))
    """New names in one class: a class and then some; a flood of made-up names stops."""
    codes_per_client: Rule = Rule(20, timedelta(minutes=10))
    """Join codes that match no class: typos, not a search of 900 million codes."""
    keys_per_client: Rule = Rule(10, timedelta(minutes=10))
    """Wrong teacher keys from one address."""
    keys_per_class: Rule = Rule(30, timedelta(minutes=10))
    """Wrong teacher keys at one class from all addresses (then only from those that erred)."""
    pins_per_client_student: Rule = Rule(5, timedelta(minutes=15))
    """Wrong PINs from one address for one student."""
    pins_per_client: Rule = Rule(20, timedelta(minutes=15))
    """Wrong PINs from one address for anyone."""
    pins_per_student: Rule = Rule(20, timedelta(minutes=15))
    """Wrong PINs for one student from all addresses (then only from those that erred)."""


class Counter:
    """Events by key in sliding windows; thread-safe, at most `max_keys` keys kept."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._events: OrderedDict[Key, deque[datetime]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def wait(self, rule: Rule, key: Key, now: datetime) -> timedelta | None:
        """None while `key` has room under `rule`; else how long until it has."""
        with self._lock:
            events = self._recent(rule, key, now)
            if len(events) < rule.limit:
                return None
            return events[-rule.limit] + rule.window - now

    def count(self, rule: Rule, key: Key, now: datetime) -> int:
        with self._lock:
            return len(self._recent(rule, key, now))

    def add(self, key: Key, now: datetime) -> None:
        with self._lock:
            self._events.setdefault(key, deque()).append(now)
            self._events.move_to_end(key)
            while len(self._events) > self._max_keys:
                self._events.popitem(last=False)

    def clear(self, key: Key) -> None:
        with self._lock:
            self._events.pop(key, None)

    def clear_matching(self, kind: str, last: str) -> None:
        """Forget every key of `kind` whose last part is `last`."""
        with self._lock:
            for key in [k for k in self._events if k[0] == kind and k[-1] == last]:
                del self._events[key]

    def _recent(self, rule: Rule, key: Key, now: datetime) -> deque[datetime]:
        events = self._events.get(key)
        if events is None:
            return deque()
        while events and events[0] <= now - rule.window:
            events.popleft()
        if not events:
            del self._events[key]
        return events


class Gate:
    """The class mode's limits, checked before a try and counted after a wrong one."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._counts = Counter()

    def before_class(self, client: str, now: datetime) -> None:
        self._check("classes", self.limits.classes_per_client, ("class", client), now)

    def made_class(self, client: str, now: datetime) -> None:
        self._counts.add(("class", client), now)

    def before_code(self, client: str, now: datetime) -> None:
        self._check("codes", self.limits.codes_per_client, ("code", client), now)

    def wrong_code(self, client: str, now: datetime) -> None:
        self._counts.add(("code", client), now)

    def before_student(self, client: str, code: str, now: datetime) -> None:
        self._check("students", self.limits.students_per_client, ("student", client), now)
        self._check("students", self.limits.students_per_class, ("joined", code), now)

    def new_student(self, client: str, code: str, now: datetime) -> None:
        self._counts.add(("student", client), now)
        self._counts.add(("joined", code), now)

    def before_key(self, client: str, code: str, now: datetime) -> None:
        rules = self.limits
        self._check("keys", rules.keys_per_client, ("key", client), now)
        if self._counts.count(rules.keys_per_client, ("key", client, code), now):
            self._check("keys", rules.keys_per_class, ("key@", code), now)

    def wrong_key(self, client: str, code: str, now: datetime) -> None:
        for key in (("key", client), ("key", client, code), ("key@", code)):
            self._counts.add(key, now)

    def before_pin(self, client: str, student: int, now: datetime) -> None:
        rules, mine = self.limits, ("pin", client, str(student))
        self._check("pins", rules.pins_per_client_student, mine, now)
        self._check("pins", rules.pins_per_client, ("pin", client), now)
        if self._counts.count(rules.pins_per_client_student, mine, now):
            self._check("pins", rules.pins_per_student, ("pin@", str(student)), now)

    def wrong_pin(self, client: str, student: int, now: datetime) -> None:
        for key in (("pin", client, str(student)), ("pin", client), ("pin@", str(student))):
            self._counts.add(key, now)

    def right_pin(self, client: str, student: int) -> None:
        self._counts.clear(("pin", client, str(student)))

    def new_pin(self, student: int) -> None:
        """The teacher gave `student` a new PIN: no wrong PIN counted for them stands, from
        any address (the student may share one with whoever typed them)."""
        self._counts.clear(("pin@", str(student)))
        self._counts.clear_matching("pin", str(student))

    def _check(self, what: What, rule: Rule, key: Key, now: datetime) -> None:
        wait = self._counts.wait(rule, key, now)
        if wait is not None:
            raise TooManyTries(what, wait)
