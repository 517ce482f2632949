"""Child processes of the school: started with a log file each, watched, reported, restarted.

Each child runs in a session of its own, so a Ctrl-C in the terminal reaches only the supervisor,
which then stops the children in order (the proxy first, the database last). A child that dies is
reported with the end of its log; one marked `restart` (an app replica) is started again, after a
delay that doubles while it keeps dying young.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

log = logging.getLogger(__name__)

STOP_WAIT = 10.0  # seconds a child gets to stop before it is killed
YOUNG = 30.0  # a child that dies sooner after its start waits twice as long to restart
MAX_DELAY = 30.0  # the longest wait before a restart


class ChildFailed(RuntimeError):
    """A child exited or did not get ready while starting; the message ends with its log."""


@dataclass
class Child:
    """One supervised process: how to start it, where its output goes, how to stop it."""

    name: str  # in reports: "replica r1", "engine", "postgres", "nginx"
    command: list[str]
    log_path: Path  # stdout and stderr, appended across restarts
    env: dict[str, str] | None = None  # None: the supervisor's environment
    cwd: Path | None = None
    user: str | None = None  # run as this user (the supervisor must be root)
    stop_signal: int = signal.SIGTERM  # what asks it to stop quickly (Postgres: SIGINT)
    restart: bool = False  # start it again when it dies
    process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    started_at: float = field(default=0.0, init=False)
    restarts: int = field(default=0, init=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as out:
            self.process = subprocess.Popen(
                self.command,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                cwd=self.cwd,
                user=self.user,
                start_new_session=True,
            )
        self.started_at = time.monotonic()
        log.info("%s started (pid %d), log %s", self.name, self.process.pid, self.log_path)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def exit_code(self) -> int | None:
        """None while it runs (or was never started); its exit status once it has ended."""
        return self.process.poll() if self.process else None

    def signal_stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(self.stop_signal)

    def wait_stopped(self, timeout: float = STOP_WAIT) -> None:
        if not self.process:
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %.0f s: killing it", self.name, timeout)
            self.process.kill()
            self.process.wait(timeout=timeout)

    def log_tail(self, chars: int = 1500) -> str:
        """The end of its log, each line indented, to follow a report."""
        try:
            text = self.log_path.read_text(errors="replace")[-chars:].strip()
        except OSError:
            text = "(no log)"
        return "\n".join(f"    | {line}" for line in text.splitlines())


def describe_exit(code: int) -> str:
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with status {code}"


def wait_http(url: str, child: Child, deadline: float, verify: bool = True) -> None:
    """Return once `url` answers 2xx; ChildFailed if `child` exits first or time runs out.

    `verify=False` accepts any certificate: for our own nginx on loopback, whose certificate
    names the school's host, not 127.0.0.1.
    """
    while time.monotonic() < deadline:
        code = child.exit_code()
        if code is not None:
            raise ChildFailed(
                f"{child.name} {describe_exit(code)}; its log ends:\n{child.log_tail()}"
            )
        try:
            if httpx.get(url, timeout=2.0, trust_env=False, verify=verify).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise ChildFailed(
        f"{child.name} did not answer {url} in time; its log ends:\n{child.log_tail()}"
    )


def stop_in_order(tiers: Sequence[Sequence[Child]]) -> None:
    """Stop tier by tier: every child of a tier is asked at once, then waited for."""
    for tier in tiers:
        for child in tier:
            child.signal_stop()
        for child in tier:
            child.wait_stopped()


class Supervisor:
    """A thread that notices children ending: reports each, restarts those marked `restart`."""

    def __init__(self, children: Sequence[Child], restart_delay: float = 1.0) -> None:
        self.children = list(children)
        self.restart_delay = restart_delay
        self._due: dict[str, float] = {}  # name: when it is started again
        self._delays: dict[str, float] = {}
        self._reported: set[tuple[str, int | None]] = set()  # (name, pid) already reported
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="school-supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        """Stop watching (before the children are stopped, so none is restarted)."""
        self._closing.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _watch(self) -> None:
        while not self._closing.wait(0.2):
            for child in self.children:
                self._check(child)

    def _check(self, child: Child) -> None:
        code = child.exit_code()
        if code is not None and (child.name, child.pid) not in self._reported:
            self._reported.add((child.name, child.pid))
            self._report(child, code)
        due = self._due.get(child.name)
        if due is not None and time.monotonic() >= due:
            del self._due[child.name]
            child.restarts += 1
            try:
                child.start()
            except OSError as e:
                log.error(
                    "%s could not be restarted: %s; trying again in %.0f s",
                    child.name,
                    e,
                    MAX_DELAY,
                )
                self._due[child.name] = time.monotonic() + MAX_DELAY

    def _report(self, child: Child, code: int) -> None:
        ran = time.monotonic() - child.started_at
        if not child.restart:
            log.error(
                "%s %s after %.0f s and is not restarted; its log ends:\n%s",
                child.name,
                describe_exit(code),
                ran,
                child.log_tail(),
            )
            return
        previous = self._delays.get(child.name, self.restart_delay / 2)
        delay = min(MAX_DELAY, previous * 2) if ran < YOUNG else self.restart_delay
        self._delays[child.name] = delay
        self._due[child.name] = time.monotonic() + delay
        log.error(
            "%s %s after %.0f s: restarting it in %.1f s; its log ends:\n%s",
            child.name,
            describe_exit(code),
            ran,
            delay,
            child.log_tail(),
        )
