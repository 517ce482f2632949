"""The app as a subprocess on a free loopback port: started, waited for, measured and stopped.

The app logs "Speech recognition ready" once its model has loaded in the background and Gradio
prints "Running on local URL" once it serves; `AppServer.wait_ready` waits for both, and fails
with the log's tail if the app exits or its model cannot load. Peak memory is the process's VmHWM,
reset between bursts by writing 5 to /proc/PID/clear_refs (Linux >= 4.0, see proc(5)).
"""

from __future__ import annotations

import collections
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UP = "Running on local URL"
MODEL_READY = "Speech recognition ready"
MODEL_FAILED = "could not load"
GRACE_S = 10.0  # seconds between terminate and kill
TAIL_LINES = 40


class ServerError(RuntimeError):
    """The app did not start, or stopped; the message holds the end of its log."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """`python app.py ARGS` on 127.0.0.1; use as a context manager so it always stops."""

    def __init__(self, app_args: list[str], log: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app_args = app_args
        self.log_path = log
        self.tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self.up = threading.Event()
        self.model_ready = threading.Event()
        self.failure = ""
        self.proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> AppServer:
        env = {
            **os.environ,
            "GRADIO_SERVER_PORT": str(self.port),
            "GRADIO_SERVER_NAME": "127.0.0.1",
            "GRADIO_ANALYTICS_ENABLED": "False",
            "PYTHONUNBUFFERED": "1",
        }
        env.setdefault("HF_HUB_OFFLINE", "1")  # a random-weight model must not reach for the hub
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), *self.app_args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,  # Ctrl-C reaches us; we stop the app ourselves
        )
        threading.Thread(target=self._read, name="app-log", daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        sink = open(self.log_path, "w", encoding="utf-8") if self.log_path else None  # noqa: SIM115
        try:
            for line in self.proc.stdout:
                self.tail.append(line.rstrip())
                if sink:
                    sink.write(line)
                    sink.flush()
                if UP in line:
                    self.up.set()
                elif MODEL_READY in line:
                    self.model_ready.set()
                elif MODEL_FAILED in line:
                    self.failure = line.strip()
        finally:
            if sink:
                sink.close()

    def wait_ready(self, timeout_s: float, model: bool) -> float:
        """Seconds until the app serves (and its model is loaded, if `model`)."""
        started = time.monotonic()
        while not (self.up.is_set() and (self.model_ready.is_set() or not model)):
            if self.failure:
                raise ServerError(f"the app's model did not load:\n{self.log_tail()}")
            if self.proc is None or self.proc.poll() is not None:
                code = None if self.proc is None else self.proc.returncode
                raise ServerError(f"the app exited (status {code}):\n{self.log_tail()}")
            if time.monotonic() - started > timeout_s:
                what = "its model" if self.up.is_set() else "the server"
                raise ServerError(f"no {what} after {timeout_s:.0f} s:\n{self.log_tail()}")
            time.sleep(0.2)
        return time.monotonic() - started

    def log_tail(self) -> str:
        return "\n".join(f"  | {line}" for line in self.tail)

    def reset_peak(self) -> bool:
        """Start a new peak-RSS measurement; False where the kernel does not allow it."""
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def peak_mb(self) -> float:
        """The app's peak resident set (VmHWM) since the last reset, or since it started."""
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return float("nan")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(GRACE_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
