"""Fine-tuning Whisper on Swedish speech: `python -m train finetune|evaluate|compare|sweep|export`.

Reproduces the game's original models (whisper-small on Common Voice sv-SE and on NST), runs the
learning-rate sweep, compares models on each other's test sets, trains short-window models for
fast one-word recognition, and exports CTranslate2 copies that `asr` loads. Heavy libraries load
with the command that needs them, not at import.
"""

from train.errors import TrainError

__all__ = ["TrainError"]
