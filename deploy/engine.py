"""The school's recognition engine: faster-whisper-server on a CTranslate2 Whisper folder.

Every replica sends its recordings here (`--asr-url`), so the model is loaded once for the school
rather than once per replica. The server is started in config mode: the decoding options the game
wants (greedy, no timestamps) can only be set there. It reads the request's form field
`model_name`, default "whisper-1", and ignores the OpenAI field `model`, so the model is served
under that name and the replicas are told the same.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

MODEL_NAME = "whisper-1"


def installed() -> bool:
    """Whether faster-whisper-server can be started here (requirements-dev.txt installs it)."""
    return importlib.util.find_spec("faster_whisper_server") is not None


def model_problem(model_dir: Path) -> str | None:
    """Why `model_dir` is not a CTranslate2 Whisper folder, or None when it looks like one."""
    if not model_dir.is_dir():
        return f"{model_dir} is not a folder (the engine needs a CTranslate2 Whisper model folder)"
    missing = [n for n in ("model.bin", "config.json") if not (model_dir / n).is_file()]
    if missing:
        return f"{model_dir} has no {' or '.join(missing)}: not a CTranslate2 Whisper model"
    return None


def write_config(model_dir: Path, path: Path, threads: int = 0) -> Path:
    """The server's model list: one model, decoded once, greedily, without timestamps.

    Timestamps are off: one spoken word needs none (and the tests' tiny model has no timestamp
    tokens). `threads` 0 lets CTranslate2 use every core.
    """
    config = {
        "models": [
            {
                "name": MODEL_NAME,
                "path": str(model_dir.resolve()),
                "model_options": {
                    "device": "auto",
                    "compute_type": "default",
                    "cpu_threads": threads,
                },
                "transcribe_options": {"without_timestamps": True, "beam_size": 1},
            }
        ]
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")  # JSON is YAML
    return path


def command(config: Path, port: int) -> list[str]:
    """The server on 127.0.0.1:`port`: only the replicas on this machine talk to it."""
    return [
        sys.executable,
        "-m",
        "faster_whisper_server",
        "--config",
        str(config),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "info",
    ]
