"""Where speech comes from: `open_source(spec)` turns a `--dataset` spec into a `Source`.

`source.examples(split)` yields `Utterance`s (16 kHz mono float32 audio and the transcript as the
corpus writes it); `source.check(split)` fails fast on a split that cannot train. The kinds live
in their own modules, each importing only `train.source`: local folders and Common Voice
releases (`train.local`), NST as unpacked (`train.nst`), hub data sets (`train.hub`, streamed).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

from train.errors import TrainError
from train.local import CommonVoiceFolder, FolderSource, find_common_voice
from train.nst import NstFolder, is_nst
from train.source import (
    SAMPLE_RATE,
    DatasetRef,
    Source,
    SplitPart,
    Utterance,
    decode_audio,
    parse_split,
)

__all__ = [
    "SAMPLE_RATE",
    "SHORT_NAMES",
    "CommonVoiceFolder",
    "DatasetRef",
    "FolderSource",
    "NstFolder",
    "Source",
    "SplitPart",
    "Utterance",
    "decode_audio",
    "open_source",
    "parse_split",
]

SHORT_NAMES = {
    "common_voice": "hub:mozilla-foundation/common_voice_11_0:sv-SE",
    "nst": "hub:KTH/nst",
    "nst-jzju": "hub:jzju/nst",
}
LOCAL_KINDS = ("cv", "nst", "folder")


def open_source(spec: str, shuffle_buffer: int | None = None) -> Source:
    """The data source a `--dataset` spec names (see `train.options.DATASET_HELP`).

    `shuffle_buffer`: how many streamed examples a hub source shuffles among (None: sized for
    the corpus, see `train.hub.shuffle_buffer_for`).
    """
    location, _, query = spec.partition("?")
    options = dict(parse_qsl(query))
    unknown = set(options) - {"text", "audio"}
    if unknown:
        raise TrainError(f"Unknown option(s) {sorted(unknown)} in {spec!r}: use text= or audio=.")
    location = SHORT_NAMES.get(location, location)
    kind, colon, rest = location.partition(":")
    if kind == "hub":
        from train.hub import HubSource

        repo, _, config = rest.partition(":")
        return HubSource(
            spec, repo, config or None, options.get("text"), options.get("audio"), shuffle_buffer
        )
    if colon and kind in LOCAL_KINDS:
        location = rest
    else:
        kind = ""
    return _open_local(spec, Path(location).expanduser(), kind, options)


def _open_local(spec: str, path: Path, kind: str, options: dict[str, str]) -> Source:
    if not path.is_dir():
        short = ", ".join(SHORT_NAMES)
        raise TrainError(
            f"Unknown data set {spec!r}: not a folder here, and not 'hub:ID[:CONFIG]' or a "
            f"short name ({short})."
        )
    text, audio = options.get("text"), options.get("audio")
    cv_root = find_common_voice(path) if kind in ("", "cv") else None
    if cv_root is not None:
        return CommonVoiceFolder(spec, cv_root, text, audio)
    if kind == "cv":
        raise TrainError(f"{path} is not a Common Voice release: no clips/ and .tsv files.")
    if kind in ("", "nst") and is_nst(path):
        if text or audio:
            raise TrainError(f"{spec!r}: an NST folder has fixed fields; leave out ?text/?audio.")
        return NstFolder(spec, path)
    if kind == "nst":
        raise TrainError(
            f"{path} is not an NST folder: it needs se/ (the audio) and the sessions' JSON "
            "files (json/*.json), as the release unpacks."
        )
    return FolderSource(spec, path, text, audio)
