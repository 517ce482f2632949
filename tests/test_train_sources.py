"""train data sources, part two: NST on disk, hints that work as written, checks before training,
hub streams interleaved and shuffled for NST's speaker order, asr's decoder, no import cycles."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest
from train_data import fake_hub_split, make_common_voice, make_nst, write_clip, write_metadata

import train
from train.data import NstFolder, open_source
from train.errors import TrainError
from train.hub import shuffle_buffer_for

# --- NST as unpacked, next to Common Voice -----------------------------------------------------


def test_nst_folder_reads_channel_one_in_session_order(tmp_path: Path) -> None:
    make_nst(tmp_path / "nst")

    source = open_source(str(tmp_path / "nst"))
    train_set = list(source.examples("train"))

    assert isinstance(source, NstFolder)
    assert [u.text for u in train_set] == [
        "Hunden sover.",
        "Katten jamar.",
        "Båten är röd.",
        "Huset.",
    ]
    assert train_set[0].key == "sv_0001_a.json:1 (sv_0001_a_u0000-1.wav)"  # channel 1, not -2
    assert 0.3 < train_set[0].seconds < 3
    held_out = [u.text for u in source.examples("train[:2]")]  # whole first session
    rest = [u.text for u in source.examples("train[2:]")]
    assert held_out == ["Hunden sover.", "Katten jamar."] and not set(held_out) & set(rest)
    assert source.reference.id == "KTH/nst"


def test_nst_folder_with_split_folders(tmp_path: Path) -> None:
    make_nst(tmp_path / "train", {"sv_0001_a": ["Hunden sover."]})
    make_nst(tmp_path / "test", {"sv_0009_z": ["Katten jamar."]})

    source = open_source(f"nst:{tmp_path}")

    assert [u.text for u in source.examples("test")] == ["Katten jamar."]
    with pytest.raises(TrainError, match=r"no split 'dev'; it has: test, train"):
        source.check("dev")


def test_nst_missing_audio_is_named(tmp_path: Path) -> None:
    root = make_nst(tmp_path / "nst")
    (root / "se" / "sv_0002_b" / "sv_0002_b_u0002-1.wav").unlink()
    (root / "se" / "sv_0002_b" / "u0002.wav").unlink(missing_ok=True)

    with pytest.raises(TrainError, match=r"1 audio file\(s\).*sv_0002_b\.json recording 3"):
        open_source(str(root)).check("train")


@pytest.mark.parametrize(
    ("make", "kind"),
    [(make_common_voice, "CommonVoiceFolder"), (make_nst, "NstFolder")],
)
def test_release_layouts_are_recognised(tmp_path: Path, make, kind: str) -> None:
    make(tmp_path)
    assert type(open_source(str(tmp_path))).__name__ == kind


# --- hints that work as written ----------------------------------------------------------------


def _folder_with(tmp_path: Path, header: tuple[str, str]) -> Path:
    write_clip(tmp_path / "a.wav")
    write_metadata(tmp_path, [("a.wav", "hund")], header)
    return tmp_path


def _cv_with(tmp_path: Path, header: tuple[str, str]) -> Path:
    cv_header = (
        "client_id\t" + "\t".join(header) + "\tup_votes\tdown_votes\tage\tgender\taccents\tlocale"
    )
    make_common_voice(tmp_path, cv_header)
    return tmp_path


@pytest.mark.parametrize(
    ("build", "header", "column"),
    [
        (_folder_with, ("file_name", "ord"), "ord"),  # transcript column unknown
        (_folder_with, ("ljud", "transcription"), "ljud"),  # audio column unknown
        (_cv_with, ("path", "mening"), "mening"),
        (_cv_with, ("clip", "sentence"), "clip"),  # ?audio= on Common Voice was ignored
    ],
)
def test_column_hint_works_as_written(tmp_path: Path, build, header, column: str) -> None:
    root = build(tmp_path, header)
    with pytest.raises(TrainError) as error:
        open_source(str(root)).check("train")

    (hint,) = re.findall(r"'([^']*=COLUMN)'", str(error.value))
    fixed = open_source(hint.replace("COLUMN", column))
    fixed.check("train")

    assert next(iter(fixed.examples("train"))).text


def test_both_columns_named_at_once(tmp_path: Path) -> None:
    _folder_with(tmp_path, ("ljud", "ord"))
    (utterance,) = open_source(f"{tmp_path}?text=ord&audio=ljud").examples("train")
    assert utterance.text == "hund"


# --- every split checked before training -------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "split", "message"),
    [
        ([("a.wav", "hund")], "train[1:]", r"split 'train\[1:\]'.*has no rows"),
        ([("a.wav", "hund"), ("b.wav", "katt")], "train", r"1 audio file\(s\) not found.*b\.wav"),
        ([("bad.wav", "hund")], "train", r"none of the first 1 row\(s\) is usable.*bad\.wav"),
        ([("a.wav", "<ehm>")], "train", r"none of the first 1 row\(s\).*empty transcript"),
        ([("a.wav", "hund")], "train+test", r"has no rows of split 'test'"),
    ],
)
def test_check_finds_what_cannot_train(tmp_path: Path, rows, split: str, message: str) -> None:
    write_clip(tmp_path / "a.wav")
    (tmp_path / "bad.wav").write_bytes(b"RIFF but not audio")
    write_metadata(tmp_path, [(*row, "train") for row in rows], ("file_name", "text", "split"))

    with pytest.raises(TrainError, match=message):
        open_source(str(tmp_path)).check(split)


# --- hub streams -------------------------------------------------------------------------------


def test_hub_parts_are_interleaved_each_clip_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datasets

    splits = {
        "train": fake_hub_split(tmp_path, "A", 30),
        "validation": fake_hub_split(tmp_path, "B", 10),
    }
    monkeypatch.setattr(
        datasets, "load_dataset", lambda repo, config, *, split, streaming: splits[split]
    )

    texts = [u.text for u in open_source("hub:x/speech").examples("train+validation", seed=3)]
    in_order = [u.text for u in open_source("hub:x/speech").examples("train+validation")]

    assert sorted(texts) == sorted([f"A{i}" for i in range(30)] + [f"B{i}" for i in range(10)])
    assert any(t.startswith("B") for t in texts[:20])  # not all of train first
    assert in_order == [f"A{i}" for i in range(30)] + [f"B{i}" for i in range(10)]  # evaluation


@pytest.mark.parametrize(
    ("spec", "wanted", "buffer"),
    [("nst", None, 6000), ("nst-jzju", None, 6000), ("hub:x/speech", None, 1000), ("nst", 50, 50)],
)
def test_shuffle_buffer_is_sized_for_the_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str, wanted, buffer: int
) -> None:
    import datasets

    used: list[int] = []
    real_shuffle = datasets.IterableDataset.shuffle

    def shuffle(self, seed=None, generator=None, buffer_size=1000):
        used.append(buffer_size)
        return real_shuffle(self, seed=seed, buffer_size=buffer_size)

    monkeypatch.setattr(datasets.IterableDataset, "shuffle", shuffle)
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: fake_hub_split(tmp_path, "A", 3))

    list(open_source(spec, wanted).examples("train", seed=1))

    assert used == [buffer]
    assert shuffle_buffer_for("KTH/nst") == 6000


def test_hub_check_reads_one_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets

    empty = fake_hub_split(tmp_path, "A", 3).take(0)
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: empty)
    with pytest.raises(TrainError, match=r"split 'validation' of x/speech has no rows"):
        open_source("hub:x/speech").check("validation")


# --- one decoder, no cycles --------------------------------------------------------------------


def test_audio_is_decoded_by_asr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asr.audio

    calls = []
    real_load = asr.audio.load

    def load(audio, *args, **kwargs):
        calls.append(audio)
        return real_load(audio, *args, **kwargs)

    monkeypatch.setattr(asr.audio, "load", load)
    _folder_with(tmp_path, ("file_name", "text"))

    (utterance,) = open_source(str(tmp_path)).examples("train")

    assert calls == [tmp_path / "a.wav"]
    assert utterance.audio.dtype == np.float32


PACKAGE = Path(train.__file__).parent


def imports_of(path: Path) -> set[str]:
    """train.* modules a module imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "train":  # from train import x
            found |= {f"train.{a.name}" for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("train."):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("train.")}
    return found


def test_train_has_no_import_cycles() -> None:
    graph = {f"train.{p.stem}": imports_of(p) for p in PACKAGE.glob("*.py")}

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for name in graph.get(start, ()):
            if name == target or (name not in seen and reaches(name, target, seen | {name})):
                return True
        return False

    assert [m for m in graph if reaches(m, m, set())] == []


# Modules that read a file's header for its duration (soundfile.info), never its samples: the
# survey before training would otherwise decode a whole corpus to count its clips.
HEADERS_ONLY = {"clips.py"}


@pytest.mark.parametrize("module", sorted(p.name for p in PACKAGE.glob("*.py")))
def test_train_decodes_audio_only_through_asr(module: str) -> None:
    text = (PACKAGE / module).read_text(encoding="utf-8")
    if module in HEADERS_ONLY:
        assert "import soundfile" in text and "soundfile.info(" in text
        assert not re.search(r"\bsoundfile\.(?!info\b)\w+|^\s*(import|from) av\b", text, re.M)
    else:
        assert not re.search(r"^\s*import (soundfile|av)\b", text, re.MULTILINE)
