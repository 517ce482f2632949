"""Which Whisper models the game knows, and where a model's files come from.

A model is a short name from `KNOWN_MODELS`, a hub id, or a local directory: a Hugging Face
checkpoint (config.json + weights, e.g. one that `train` wrote) or a CTranslate2 one (model.bin).
Hub downloads happen only here, and only when a model is loaded, never at import.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from asr.errors import ModelLoadError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelInfo:
    """A published Swedish model and its word error rates (%, lower is better)."""

    repo: str
    size: str
    """Architecture: tiny (39M parameters), base (74M) or small (244M)."""
    wer_common_voice: float | None
    wer_fleurs: float | None = None
    wer_nst: float | None = None
    license: str = ""
    has_ct2: bool = False
    """The hub repo also holds CTranslate2 weights (model.bin at its root)."""
    note: str = ""


KNOWN_MODELS: dict[str, ModelInfo] = {
    m.repo: m
    for m in (
        ModelInfo("KBLab/kb-whisper-small", "small", 6.4, 7.3, 6.6, "apache-2.0", True,
                  "trained on ~50k hours of Swedish; the default"),
        ModelInfo("KBLab/kb-whisper-base", "base", 8.7, 9.1, 7.8, "apache-2.0", True,
                  "faster on a CPU-only host"),
        ModelInfo("KBLab/kb-whisper-tiny", "tiny", 12.9, 13.2, 11.2, "apache-2.0", True,
                  "fastest; for slow hosts"),
        ModelInfo("fimster/whisper-small-sv-SE", "small", 19.77, license="apache-2.0",
                  note="the game's original model (Common Voice 11 fine-tune)"),
        ModelInfo("fimster/whisper-small-sv-SE-NST", "small", None, wer_nst=10.17,
                  license="apache-2.0", note="the game's original NST fine-tune"),
        ModelInfo("openai/whisper-small", "small", 26.4, 20.6, 26.4, "apache-2.0",
                  note="multilingual, not fine-tuned for Swedish"),
    )
}  # fmt: skip
ALIASES = {
    "kb-small": "KBLab/kb-whisper-small",
    "kb-base": "KBLab/kb-whisper-base",
    "kb-tiny": "KBLab/kb-whisper-tiny",
    "original": "fimster/whisper-small-sv-SE",
    "original-nst": "fimster/whisper-small-sv-SE-NST",
    "openai-small": "openai/whisper-small",
}
DEFAULT_MODEL = "KBLab/kb-whisper-small"

HF_FILES = ["*.json", "*.safetensors", "*.txt", "*.model", "*.tiktoken", "merges.txt", "vocab.json"]
CT2_FILES = ["model.bin", "config.json", "tokenizer.json", "vocabulary.*", "*processor_config.json"]


def canonical_name(model: str | os.PathLike[str]) -> str:
    """The hub id for a short name; a path or an unknown id comes back unchanged."""
    text = os.fspath(model)
    return ALIASES.get(text, text)


def is_ct2_dir(path: Path) -> bool:
    return (path / "model.bin").is_file()


def is_hf_dir(path: Path) -> bool:
    config = path / "config.json"
    if not config.is_file():
        return False
    try:
        return json.loads(config.read_text(encoding="utf-8")).get("model_type") == "whisper"
    except (OSError, ValueError):
        return False


def window_seconds(model: str) -> float:
    """The encoder window of a local checkpoint (30 s, Whisper's, for a hub id or when unsure).

    Read before loading, so the path can be chosen for the window (`asr.cpu`).
    """
    path = Path(canonical_name(model)).expanduser()
    try:
        if is_hf_dir(path):
            config = json.loads((path / "config.json").read_text(encoding="utf-8"))
            return config.get("max_source_positions", 1500) * 2 / 100
        for name in ("preprocessor_config.json", "processor_config.json"):
            if (path / name).is_file():
                data = json.loads((path / name).read_text(encoding="utf-8"))
                data = data.get("feature_extractor", data)
                return float(data.get("chunk_length", 30))
    except (OSError, ValueError, TypeError, AttributeError):
        pass
    return 30.0


def any_window(path: Path) -> bool:
    """Whether the model in `path` says it was trained for any encoder window up to its full one
    (`asr.window.ANY_WINDOW_KEY` true in its config.json or preprocessor_config.json)."""
    from asr.window import ANY_WINDOW_KEY

    for name in ("config.json", "preprocessor_config.json"):
        try:
            data = json.loads((Path(path) / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get(ANY_WINDOW_KEY) is True:
            return True
    return False


def cache_dir() -> Path:
    """Where converted models are kept: $SAGDET_CACHE, else ~/.cache/sag-det."""
    root = os.environ.get("SAGDET_CACHE") or Path.home() / ".cache" / "sag-det"
    return Path(root)


def fetch(model: str, patterns: list[str]) -> Path:
    """A local directory holding `model`: the path itself, or a hub snapshot (downloaded once)."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    if path.exists() or model.startswith((".", "/", "~")):
        raise ModelLoadError(f"The model path {model!r} is not a directory with a Whisper model.")
    if "/" not in model:
        known = ", ".join([*ALIASES, *KNOWN_MODELS])
        raise ModelLoadError(f"Unknown model {model!r}. Use one of: {known}, or a directory.")
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(model, allow_patterns=patterns))
    except Exception as e:  # the hub client raises a dozen kinds; all mean "not here"
        raise ModelLoadError(
            f"Could not get the model {model!r} from the Hugging Face Hub ({type(e).__name__}: "
            f"{e}). Check the name and the network; offline, download it once elsewhere and "
            "pass its directory as the model (--model PATH or SAGDET_MODEL=PATH)."
        ) from e


def hf_dir(model: str) -> Path:
    """A directory with a transformers checkpoint of `model`."""
    path = fetch(model, HF_FILES)
    if not is_hf_dir(path):
        raise ModelLoadError(
            f"{model!r} holds no transformers Whisper checkpoint (config.json with "
            "model_type 'whisper'); for a CTranslate2 model use backend='ctranslate2'."
        )
    return path


def ct2_dir(model: str, quantization: str = "int8") -> Path:
    """A directory with CTranslate2 weights of `model`: published, or converted once and cached."""
    name = canonical_name(model)
    local = Path(name).expanduser()
    if local.is_dir() and is_ct2_dir(local):
        return local
    info = KNOWN_MODELS.get(name)
    if info and info.has_ct2:
        path = fetch(name, CT2_FILES)
        if is_ct2_dir(path):
            return path
    source = hf_dir(name)
    key = name.replace("/", "--") if not local.is_dir() else f"local--{_fingerprint(source)}"
    target = cache_dir() / "ct2" / f"{key}-{quantization}"
    if is_ct2_dir(target):
        return target
    return convert_to_ct2(source, target, quantization)


def convert_to_ct2(source: Path, target: Path, quantization: str = "int8") -> Path:
    """Convert a transformers Whisper checkpoint to CTranslate2, atomically."""
    import shutil
    import tempfile

    from ctranslate2.converters import TransformersConverter

    log.info("converting %s to CTranslate2 (%s) in %s", source, quantization, target)
    keep = [
        name
        for name in ("tokenizer.json", "preprocessor_config.json", "processor_config.json")
        if (source / name).is_file()
    ]
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_conversions(target.parent)
    scratch = Path(tempfile.mkdtemp(dir=target.parent, prefix=".converting-"))
    try:
        out = scratch / "model"
        TransformersConverter(str(source), copy_files=keep).convert(
            str(out), quantization=quantization
        )
        _copy_tokenizer_json(source, out)
        _keep_any_window(source, out)
        if target.exists():
            shutil.rmtree(target)
        out.rename(target)
    except Exception as e:
        raise ModelLoadError(f"Could not convert {source} to CTranslate2: {e}") from e
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


STALE_CONVERSION_SECONDS = 6 * 3600  # far longer than converting whisper-large takes


def remove_stale_conversions(folder: Path, older_than: float = STALE_CONVERSION_SECONDS) -> int:
    """Remove the scratch folders of conversions killed halfway; return how many went."""
    import shutil
    import time

    removed = 0
    for scratch in folder.glob(".converting-*"):
        try:
            if time.time() - scratch.stat().st_mtime > older_than:
                shutil.rmtree(scratch, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    if removed:
        log.info("removed %d half-finished conversion(s) in %s", removed, folder)
    return removed


def _keep_any_window(source: Path, out: Path) -> None:
    """Carry a model's word that it was trained for any window into the converted folder's
    preprocessor_config.json (CTranslate2 writes its own config.json without it)."""
    from asr.window import ANY_WINDOW_KEY

    if not any_window(source) or any_window(out):
        return
    path = out / "preprocessor_config.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except ValueError:
        data = {}
    data[ANY_WINDOW_KEY] = True
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def _copy_tokenizer_json(source: Path, out: Path) -> None:
    """CTranslate2 needs tokenizer.json to decode; a slow-tokenizer checkpoint has none."""
    if (out / "tokenizer.json").is_file():
        return
    from transformers import WhisperTokenizer

    WhisperTokenizer.from_pretrained(str(source)).backend_tokenizer.save(
        str(out / "tokenizer.json")
    )


def _fingerprint(path: Path) -> str:
    """A short key for a local checkpoint that changes when its weights change."""
    import hashlib

    digest = hashlib.sha1(str(path.resolve()).encode())
    for weights in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        stat = weights.stat()
        digest.update(f"{weights.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:12]
