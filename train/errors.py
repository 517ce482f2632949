"""The one exception the train package raises on purpose: bad input, with what to do about it."""

from __future__ import annotations


class TrainError(Exception):
    """A problem the person running `python -m train` can fix; the message says how.

    The CLI prints it as one line (no traceback). Library errors behind it are chained with
    `from e`, so `--verbose` still shows them.
    """
