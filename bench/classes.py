"""Class mode under load (`python -m bench load --class-mode`): every judged answer recorded?

A teacher client makes a class on the played deck; every player of a burst joins it under a
name of their own before the round starts; after the burst, the teacher's results are read until
the class holds as many answers as the players had judged (the app records after the verdict,
on a background writer), or until a time limit: the difference is the records lost.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from bench.players import Client, Kind, gradio_client

SETTLE_S = 60.0  # how long the writer may take to catch up after a burst


@dataclass
class ClassRun:
    """One class made for a load run, and the answers it should hold so far."""

    url: str
    code: str
    key: str
    expected: int = 0

    @classmethod
    def create(cls, url: str, deck: str) -> ClassRun:
        made = gradio_client(url).predict("Load", [deck], api_name="/create_class")
        code = re.search(r"Join code: \*\*(\w+)\*\*", made)
        key = re.search(r"Teacher key: `([^`]+)`", made)
        if not code or not key:
            raise RuntimeError(f"create_class said no code or key: {made!r}")
        return cls(url, code.group(1), key.group(1))

    def joiner(self, burst: int):
        """What each player does first: join the class as "p<burst>-<i>"."""

        def join(client: Client, i: int) -> None:
            client.predict(self.code, f"p{burst}-{i}", api_name="/join_class")

        return join

    def recorded(self) -> int:
        """Answers the class holds now, by the teacher's results."""
        _, students, *_ = gradio_client(self.url).predict(
            self.code, self.key, api_name="/class_results"
        )
        answers = students["headers"].index("answers")
        return sum(int(row[answers]) for row in students["data"])

    def settle(self, judged: int) -> tuple[int, int]:
        """After a burst with `judged` answers: (answers recorded, answers expected in all)."""
        self.expected += judged
        deadline = time.monotonic() + SETTLE_S
        got = self.recorded()
        while got < self.expected and time.monotonic() < deadline:
            time.sleep(0.5)
            got = self.recorded()
        return got, self.expected


def judged(kinds) -> int:
    """Replies judged against the player's own card: the answers the class must hold."""
    return kinds[Kind.OK]
