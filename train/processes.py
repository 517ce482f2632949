"""Which process this is under `torchrun` or `accelerate launch` (both set RANK and WORLD_SIZE).

Read from the environment, so the CLI can decide who logs before torch is imported.

`accelerate launch --num_processes N` without a GPU per process does not start N processes: it
falls back to its single-process launcher (accelerate 1.16, `commands/launch.py`,
`simple_launcher`), which runs one, sets MASTER_ADDR for the processes it did not start and no
WORLD_SIZE. `launch_problem` says so, so the run fails instead of training alone with part of
the batch asked for. `accelerate launch --multi_gpu` starts them through torchrun, CPUs too.
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


# What an MPI launcher (accelerate's multi-CPU path with a hostfile) sets instead of WORLD_SIZE.
MPI_SIZES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_SIZE")


def launch_problem() -> str | None:
    """Why this process was not launched as asked, where that can be told; None if it was."""
    env = os.environ
    by_accelerate = "ACCELERATE_MIXED_PRECISION" in env  # every accelerate launcher sets it
    started = any(key in env for key in ("WORLD_SIZE", *MPI_SIZES))
    # accelerate's single-process launcher sets MASTER_ADDR only when asked for several.
    if by_accelerate and "MASTER_ADDR" in env and not started:
        return (
            "accelerate launch started one process, not the several asked for: without a GPU "
            "for each it falls back to a single process (world size 1, part of the batch). "
            "Add --multi_gpu (accelerate launch --multi_gpu --num_processes N -m train ...): it "
            "then starts them through torchrun, on CPUs too; or use torchrun --nproc-per-node N."
        )
    return None
