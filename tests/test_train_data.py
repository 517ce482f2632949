"""train data sources: local folders, Common Voice releases, hub data sets (faked), and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile
from train_data import WORDS, cached_word_folder, make_common_voice, write_clip, write_metadata

from train.__main__ import main
from train.data import CommonVoiceFolder, FolderSource, decode_audio, open_source
from train.errors import TrainError


@pytest.fixture(scope="module")
def words(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cached_word_folder(tmp_path_factory.mktemp("data"))


def test_local_folder_splits_and_resampling(words: Path) -> None:
    source = open_source(str(words))
    train = list(source.examples("train"))
    test = list(source.examples("test"))

    assert isinstance(source, FolderSource)
    assert len(train) == 9 * len(WORDS) and len(test) == 2 * len(WORDS)
    assert [u.text for u in test[: len(WORDS)]] == list(WORDS)  # in file order, unshuffled
    assert all(u.audio.dtype == np.float32 and u.audio.ndim == 1 for u in test)
    samples, rate = soundfile.read(words / "test-0072.wav")
    assert abs(len(test[0].audio) - len(samples) * 16_000 / rate) < 2  # 22.05 kHz → 16 kHz


def test_slices_shuffles_and_shards(words: Path) -> None:
    source = open_source(str(words))
    first = [u.key for u in source.examples("test[:3]")]
    rest = [u.key for u in source.examples("test[3:]")]
    both = [u.key for u in source.examples("test[:3]+test[3:]")]
    shuffled = [u.key for u in source.examples("test", seed=1)]
    shards = [[u.key for u in source.examples("test", shard=(i, 2))] for i in range(2)]

    assert len(first) == 3 and not set(first) & set(rest)
    assert both == first + rest
    assert sorted(shuffled) == sorted(both) and shuffled != both
    assert shuffled == [u.key for u in source.examples("test", seed=1)]  # same seed, same order
    assert sorted(shards[0] + shards[1]) == sorted(both) and not set(shards[0]) & set(shards[1])


def test_folder_per_split_and_other_column_names(tmp_path: Path) -> None:
    for split in ("train", "validation"):
        (tmp_path / split).mkdir()
        write_clip(tmp_path / split / "a.flac", "båt")
        write_metadata(tmp_path / split, [("a.flac", "en båt")], ("file_name", "sentence"))

    source = open_source(str(tmp_path))
    (utterance,) = source.examples("dev")  # "dev" finds the validation folder

    assert utterance.text == "en båt"


def test_metadata_with_semicolons_and_bom(tmp_path: Path) -> None:
    write_clip(tmp_path / "a.wav")
    (tmp_path / "metadata.csv").write_bytes("\ufefffile_name;text\na.wav;äpple\n".encode())

    (utterance,) = open_source(str(tmp_path)).examples("train")

    assert utterance.text == "äpple"


def test_common_voice_release(tmp_path: Path) -> None:
    make_common_voice(tmp_path)

    source = open_source(str(tmp_path))  # the release folder; sv-SE is found inside
    train = list(source.examples("train"))
    (dev,) = source.examples("validation")  # the hub's name for dev.tsv

    assert isinstance(source, CommonVoiceFolder)
    assert [u.text for u in train] == ["Hunden sover.", '"Katten" jamar.']
    assert dev.text == "Båten."
    assert 0.3 < train[0].seconds < 3  # 48 kHz mp3 decoded and resampled


def test_common_voice_wrong_split_lists_the_tsv_files(tmp_path: Path) -> None:
    make_common_voice(tmp_path)
    with pytest.raises(TrainError, match=r"no split 'other'.*'dev', 'test', 'train'"):
        list(open_source(f"cv:{tmp_path}").examples("other"))


def test_missing_column_names_the_columns(tmp_path: Path) -> None:
    write_clip(tmp_path / "a.wav")
    write_metadata(tmp_path, [("a.wav", "hund")], ("file_name", "words"))

    with pytest.raises(TrainError) as error:
        list(open_source(str(tmp_path)).examples("train"))

    message = str(error.value)
    assert "no transcript column" in message
    assert "transcription, sentence, text" in message  # what would do
    assert "file_name, words" in message  # what is there
    assert f"'{tmp_path}?text=COLUMN'" in message  # the hint, as a spec to pass


def test_column_named_in_the_spec(tmp_path: Path) -> None:
    write_clip(tmp_path / "a.wav")
    write_metadata(tmp_path, [("a.wav", "hund")], ("file_name", "words"))

    (utterance,) = open_source(f"{tmp_path}?text=words").examples("train")

    assert utterance.text == "hund"
    with pytest.raises(TrainError, match=r"no column 'ord'.*file_name, words"):
        list(open_source(f"{tmp_path}?text=ord").examples("train"))


def test_missing_metadata(tmp_path: Path) -> None:
    with pytest.raises(TrainError, match=r"has no metadata\.csv"):
        open_source(str(tmp_path))


def test_missing_audio_files_are_all_named(tmp_path: Path) -> None:
    write_clip(tmp_path / "a.wav")
    rows = [("a.wav", "hund"), ("b.wav", "katt"), ("", "båt")]
    write_metadata(tmp_path, rows, ("file_name", "transcription"))

    with pytest.raises(TrainError, match=r"2 audio file\(s\) not found.*line 3: b.wav; line 4"):
        list(open_source(str(tmp_path)).examples("train"))


def test_unknown_split_in_split_column(words: Path) -> None:
    with pytest.raises(TrainError, match=r"no rows of split 'dev'.*\['test', 'train'\]"):
        list(open_source(str(words)).examples("dev"))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("/no/such/folder", "Unknown data set"),
        ("common_voices", "Unknown data set.*common_voice, nst"),
        ("hub:no-slash", "owner/name"),
        ("hub:a/b?lang=sv", "Unknown option"),
    ],
)
def test_unknown_data_source(spec: str, message: str) -> None:
    with pytest.raises(TrainError, match=message):
        open_source(spec)


def test_cli_error_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["finetune", "--dataset", str(tmp_path / "none"), "--output-dir", str(tmp_path)])

    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: Unknown data set")
    assert "Traceback" not in err


def test_undecodable_clip_is_left_out(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write_clip(tmp_path / "a.wav")
    (tmp_path / "b.wav").write_bytes(b"not audio at all")
    write_metadata(tmp_path, [("a.wav", "hund"), ("b.wav", "katt")], ("file_name", "text"))

    examples = list(open_source(str(tmp_path)).examples("train"))

    assert [u.text for u in examples] == ["hund"]
    assert "left out metadata.csv:3 (b.wav)" in caplog.text


# --- hub data sets: the real code path, with datasets.load_dataset faked (no network) ---------


def fake_hub_dataset(tmp_path: Path, text_column: str = "sentence"):
    import datasets

    audio = []
    for i, word in enumerate(WORDS[:3]):
        write_clip(tmp_path / f"{i}.wav", word, rate=48_000)
        audio.append({"bytes": (tmp_path / f"{i}.wav").read_bytes(), "path": f"{i}.wav"})
    table = datasets.Dataset.from_dict(
        {"audio": audio, text_column: list(WORDS[:3]), "client_id": ["x"] * 3}
    ).cast_column("audio", datasets.Audio(decode=False))
    return table.to_iterable_dataset()


def test_hub_source_streams_and_decodes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets

    calls = []

    def load_dataset(repo, config=None, *, split, streaming):
        calls.append((repo, config, split, streaming))
        return fake_hub_dataset(tmp_path)

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    examples = list(open_source("common_voice").examples("test[1:]"))

    assert calls == [("mozilla-foundation/common_voice_11_0", "sv-SE", "test", True)]
    assert [u.text for u in examples] == list(WORDS[1:3])
    assert 0.3 < examples[0].seconds < 3


def test_hub_missing_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets

    monkeypatch.setattr(
        datasets, "load_dataset", lambda *a, **k: fake_hub_dataset(tmp_path, "words")
    )
    with pytest.raises(TrainError, match=r"no transcript column.*audio, words, client_id"):
        list(open_source("hub:someone/speech").examples("train"))


@pytest.mark.parametrize(
    ("spec", "split", "message"),
    [
        ("hub:KTH/nst:speech", "train", r"no config 'speech'; it has: default, raw"),
        ("nst", "test", r"no split 'test'; it has: train"),
    ],
)
def test_hub_wrong_config_or_split(
    spec: str, split: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datasets

    def load_dataset(*args, **kwargs):
        raise ValueError("Bad split or config")  # what datasets raises, more or less

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    monkeypatch.setattr(datasets, "get_dataset_config_names", lambda repo: ["default", "raw"])
    monkeypatch.setattr(datasets, "get_dataset_split_names", lambda repo, config: ["train"])

    with pytest.raises(TrainError, match=message) as error:
        list(open_source(spec).examples(split))
    assert isinstance(error.value.__cause__, ValueError)


def test_hub_offline_still_explains(monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets

    def offline(*args, **kwargs):
        raise ConnectionError("offline")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    monkeypatch.setattr(datasets, "get_dataset_config_names", offline)
    with pytest.raises(TrainError, match=r"Could not open split 'train' of jzju/nst.*offline"):
        list(open_source("nst-jzju").examples("train"))


def test_decode_audio_from_bytes_and_stereo(tmp_path: Path) -> None:
    stereo = np.stack([np.linspace(-0.5, 0.5, 8000)] * 2, axis=1).astype(np.float32)
    soundfile.write(tmp_path / "s.wav", stereo, 8000)

    audio = decode_audio((tmp_path / "s.wav").read_bytes())

    assert audio.ndim == 1 and abs(len(audio) - 16_000) < 2
