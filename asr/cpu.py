"""Which recognition path is fastest on this CPU: a pure choice from its features and a window.

The fastest way to run Whisper on a CPU depends on the CPU, and a rule measured on one machine is
wrong on another: torch in bf16 is 2.6x faster than fp32 on an Intel Xeon with AMX and gains little
elsewhere, while CTranslate2 int8 is the lightest path everywhere. `choose_cpu_path` reads the
answer off the measured table below (`python -m bench speed`, README), for the CPU's features
(`CpuFeatures.detect()`: /proc/cpuinfo's flags, else what torch reports) and the encoder window
answers are decoded at (`asr.window`: 10 s for a 30 s model, its full window with the answer
window off); every choice carries its reason, which the transcriber logs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

LONG_WINDOW = 15.0  # seconds; a hub checkpoint's full 30 s is long, its 10 s answer window short


@dataclass(frozen=True)
class CpuFeatures:
    """What matters for speed: native bf16 (AMX tiles, or AVX-512 BF16 instructions) and VNNI."""

    amx: bool = False
    avx512_bf16: bool = False
    avx512_vnni: bool = False
    avx2: bool = True
    name: str = ""

    @classmethod
    def from_flags(cls, flags: set[str], name: str = "") -> CpuFeatures:
        return cls(
            amx="amx_bf16" in flags,
            avx512_bf16="avx512_bf16" in flags,
            avx512_vnni="avx512_vnni" in flags,
            avx2="avx2" in flags,
            name=name,
        )

    @classmethod
    def detect(cls, cpuinfo: Path = Path("/proc/cpuinfo")) -> CpuFeatures:
        """This machine's features: the kernel's flags where there are some, else torch's word."""
        try:
            text = cpuinfo.read_text(errors="replace")
        except OSError:
            text = ""
        flags: set[str] = set()
        name = ""
        for line in text.splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "flags" and not flags:
                flags = set(value.split())
            elif key.strip() == "model name" and not name:
                name = value.strip()
        if flags:
            return cls.from_flags(flags, name)
        return cls._from_torch()

    @classmethod
    def _from_torch(cls) -> CpuFeatures:
        try:
            import torch

            capability = torch.backends.cpu.get_cpu_capability()  # "AVX512", "AVX2", "DEFAULT"
        except (ImportError, AttributeError):
            return cls(avx2=False)
        return cls(avx512_vnni=capability == "AVX512", avx2=capability in ("AVX2", "AVX512"))


@dataclass(frozen=True)
class CpuPath:
    backend: str
    precision: str
    reason: str


# What was measured (whisper-small architecture, random weights, a 2 s clip, 8 tokens, one
# decode, 2 cores; p50 seconds), and what follows. Each row: the features, the window, the pick.
# The window is the one answers are decoded at: a 30 s model's answer window is 10 s
# (`asr.window`), which costs what a model trained at 10 s costs (measured as such).
#
# Intel Xeon, AMX + AVX-512 BF16 + VNNI: 30 s window: torch bf16 0.61, torch int8 0.99,
#   CTranslate2 int8 1.43, fp32 1.57; 5 s: torch int8 0.24, CTranslate2 int8 0.26, bf16 0.30.
#   Another such Xeon (2026-12-07): 30 s: torch bf16 1.10, torch int8 1.40, CTranslate2 int8
#   1.54, fp32 pipeline 1.94; 10 s: CTranslate2 int8 0.43 (476 MB), torch int8 0.69, bf16 0.71
#   (1.4 GB), fp32 pipeline 0.94. At the answer window CTranslate2 int8 is the fastest there.
# AMD EPYC, AVX-512 BF16 + VNNI, no AMX (2026-12-02, two runs): 30 s window: torch int8 1.77-2.10
#   (1.5 GB peak), torch bf16 2.29 (1.4 GB), CTranslate2 int8 2.20-2.51 (0.57 GB), fp32 pipeline
#   4.19; 5 s: CTranslate2 int8 0.41-0.43, torch int8 0.38-0.44, bf16 0.72. Without AMX, bf16 buys
#   little; torch int8 is the fastest at 30 s, but its peak alone is past the 1.5 GB that a 2-core
#   Space can spare for whisper-small, so CTranslate2 int8 stays (1.05-1.42x slower there).
# AMD EPYC, AVX2 only: 30 s: torch int8 3.4, CTranslate2 int8 3.5, fp32 3.9; 5 s: torch int8
#   0.65, CTranslate2 int8 0.73.
_AMX_LONG = CpuPath(
    "transformers",
    "bf16",
    "AMX runs bf16 matrix products natively: torch bf16 measured 2.3x faster than CTranslate2 "
    "int8 at a 30 s window on such a CPU",
)
_AMX_SHORT = CpuPath(
    "ctranslate2",
    "int8",
    "at a short window CTranslate2 int8 measured the fastest path on an AMX CPU at 10 s (0.43 s "
    "against torch bf16's 0.71 s) and within 1.1x of it at 5 s, with a third of torch's memory",
)
_BF16_NO_AMX = CpuPath(
    "ctranslate2",
    "int8",
    "without AMX, bf16 measured slower than int8; CTranslate2 int8 was within 1.1x of the fastest "
    "path at a short window and needs a third of torch int8's memory",
)
_PLAIN = CpuPath(
    "ctranslate2",
    "int8",
    "without native bf16, CTranslate2 int8 measured within 1.1x of the fastest path, with the "
    "least memory",
)


def choose_cpu_path(
    features: CpuFeatures, window_seconds: float = 30.0, *, ctranslate2: bool = True,
    transformers_checkpoint: bool = True,
) -> CpuPath:  # fmt: skip
    """The backend and precision measured fastest for `features` at this encoder window.

    `ctranslate2`: the package is installed; `transformers_checkpoint`: the model has torch
    weights (a CTranslate2-only folder can run nowhere else).
    """
    long = window_seconds > LONG_WINDOW
    if features.amx:
        path = _AMX_LONG if long else _AMX_SHORT
    elif features.avx512_bf16:
        path = _BF16_NO_AMX
    else:
        path = _PLAIN
    if path.backend == "transformers" and not transformers_checkpoint:
        return CpuPath("ctranslate2", "int8", "the model has CTranslate2 weights only")
    if path.backend == "ctranslate2" and not ctranslate2:
        return CpuPath("transformers", "fp32", "CTranslate2 is not installed")
    return path
