"""train evaluate --windows: WER and decode time at each encoder window, in the JSON, the printed
table and the model card.

The test model "hears" one word and loops at windows of 10 s and less, as real Whisper does cut
short untrained: at 30 s it says "hund" (right on 2 of the 16 test clips: WER 87.5), at 10 s and 5
s "hund hund ..." to the token cap; `auto` (the app's window) tries 10 s and the guard decodes
every clip again at 30 s. A model whose config says any_audio_window gets each clip's own length.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from train_data import WORDS, cached_word_folder, fresh_asr, one_torch_thread
from whisper_tiny import cached_model

from train.__main__ import main

AUTOUSE = (fresh_asr, one_torch_thread)  # train_data fixtures, applied to every test here
HUND_WER = 100 * 14 / 16


@pytest.fixture(scope="module")
def words(whisper_root: Path) -> Path:
    return cached_word_folder(whisper_root, "words")


@pytest.fixture(scope="module")
def loops(whisper_root: Path) -> Path:
    return cached_model(whisper_root, words=WORDS, hears="hund", loops_below=10)


def evaluate(model: Path, data: Path, out: Path, *flags: str) -> dict:
    argv = ["evaluate", "--model", str(model), "--dataset", str(data), "--split", "test",
            "--output", str(out), "--max-new-tokens", "8", *flags]  # fmt: skip
    assert main(argv) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_windows_table_for_a_model_that_loops_at_short_windows(
    words: Path, loops: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    data = evaluate(loops, words, tmp_path / "eval.json", "--windows", "30,10,5,auto")

    by_window = {w["window"]: w for w in data["windows"]}
    assert list(by_window) == ["30", "10", "5", "auto"]
    assert by_window["30"]["scores"]["wer"] == pytest.approx(HUND_WER)
    for short in ("10", "5"):  # eight words for one: seven insertions on every clip
        assert by_window[short]["scores"]["wer"] == pytest.approx(100 * (14 + 7 * 16) / 16)
        assert by_window[short]["mean_window_seconds"] == float(short)
    assert by_window["auto"]["scores"]["wer"] == pytest.approx(HUND_WER)
    assert by_window["auto"]["decoded_again"] == 16  # the guard: looped at 10 s, redone at 30
    assert all(w["mean_decode_seconds"] > 0 and w["scores"]["n"] == 16 for w in data["windows"])
    assert data["wer"] == pytest.approx(HUND_WER)  # the first window's, at the top
    printed = capsys.readouterr().out
    assert "| window | clips | WER | WER (orthographic) | CER | mean decode (s) |" in printed
    assert "| 30 s | 16 | 87.50 | 87.50 |" in printed
    assert "| 5 s | 16 | 787.50 | 787.50 |" in printed
    assert "| auto (mean 30 s, 16 decoded again at the full window) | 16 | 87.50 |" in printed

    assert main(["export", "--model", str(loops), "--output-dir", str(tmp_path / "ct2"),
                 "--results", str(tmp_path / "eval.json")]) == 0  # fmt: skip
    card = (tmp_path / "ct2" / "README.md").read_text(encoding="utf-8")
    assert "By encoder window on words (test; clips decoded one at a time" in card
    assert "| 10 s | 16 | 787.50 | 787.50 |" in card


def test_auto_gives_an_any_window_model_each_clips_own_length(
    whisper_root: Path, words: Path, tmp_path: Path
) -> None:
    model = cached_model(whisper_root, words=WORDS, hears="hund", any_window=True)

    data = evaluate(model, words, tmp_path / "eval.json", "--windows", "auto,30")

    auto = data["windows"][0]
    assert auto["window"] == "auto" and auto["decoded_again"] == 0
    assert 2 <= auto["mean_window_seconds"] <= 4  # a word of ~1 s, a 1 s margin, whole seconds
    assert auto["scores"]["wer"] == data["windows"][1]["scores"]["wer"] == pytest.approx(HUND_WER)


def test_windows_score_only_clips_the_shortest_window_hears(
    whisper_root: Path, loops: Path, tmp_path: Path
) -> None:
    with_long = cached_word_folder(whisper_root, "words-long", long_clips=2)
    out = tmp_path / "eval.json"
    argv = ["evaluate", "--model", str(loops), "--dataset", str(with_long), "--split",
            "train[64:]", "--output", str(out), "--windows", "30,5"]  # fmt: skip

    assert main(argv) == 0

    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["left_out"] == {"longer than 5 s": 2}  # the two 8 s clips
    assert [w["scores"]["n"] for w in data["windows"]] == [8, 8]


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        ("40", r"--windows 40: '40' is not a window: .* the model's 30"),
        ("5,soon", r"'soon' is not a window"),
        ("5,5.0", r"name each window once"),
    ],
)
def test_bad_windows_are_named(
    words: Path, loops: Path, windows: str, message: str, capsys: pytest.CaptureFixture
) -> None:
    argv = ["evaluate", "--model", str(loops), "--dataset", str(words), "--windows", windows]

    assert main(argv) == 1
    assert re.search(message, capsys.readouterr().err)
