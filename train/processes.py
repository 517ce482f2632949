"""Which process this is under `torchrun` or `accelerate launch` (both set RANK and WORLD_SIZE).

Read from the environment, so the CLI can decide who logs before torch is imported.
"""

from __future__ import annotations

import os


def process_rank() -> int:
    """This process's rank (0 when launched alone)."""
    return int(os.environ.get("RANK", "0"))


def world_size() -> int:
    """Processes launched together (1 when launched alone)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_main_process() -> bool:
    return process_rank() == 0
