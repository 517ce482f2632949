"""train evaluate, compare, sweep and export, end to end on tiny models (offline, CPU).

The "hearing" models of whisper_tiny say one word whatever they hear, so their error rates are
known in advance: on the 16 test clips (8 words x 2 voices), a model that always says "hund" gets
2 right, a WER of 87.5 %.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from train_data import WORDS, cached_word_folder, fresh_asr, one_torch_thread, speak
from whisper_tiny import cached_model

import asr
from train.__main__ import main
from train.evaluate import EvalResult
from train.export import model_card, push
from train.metrics import Scores
from train.text import NORMALIZER

HUND_WER = 100 * 14 / 16

AUTOUSE = (fresh_asr, one_torch_thread)  # train_data fixtures, applied to every test here


@pytest.fixture(scope="module")
def words(whisper_root: Path) -> Path:
    return cached_word_folder(whisper_root, "words")


@pytest.fixture(scope="module")
def hears_hund(whisper_root: Path) -> Path:
    return cached_model(whisper_root, words=WORDS, hears="hund")


@pytest.fixture(scope="module")
def hears_katt(whisper_root: Path) -> Path:
    return cached_model(whisper_root, words=WORDS, hears="katt")


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_evaluate_writes_json(
    words: Path, hears_hund: Path, tmp_path: Path, backend: str, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "eval.json"
    code = main(
        ["evaluate", "--model", str(hears_hund), "--dataset", str(words), "--split", "test",
         "--backend", backend, "--output", str(out), "--batch-size", "5"]
    )  # fmt: skip

    assert code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["n"] == 16 and data["split"] == "test" and data["backend"] == backend
    assert data["wer"] == pytest.approx(HUND_WER)
    assert data["wer_orthographic"] == pytest.approx(HUND_WER)
    assert 0 < data["cer"] < 100 and 0 < data["cer_orthographic"] < 100
    assert data["examples"][0] == {"reference": "hund", "hypothesis": "hund"}
    assert data["examples"][2] == {"reference": "äpple", "hypothesis": "hund"}
    assert EvalResult.load(out).scores.wer == pytest.approx(HUND_WER)
    assert "WER 87.50" in capsys.readouterr().out


def test_evaluate_counts_clips_longer_than_the_window(whisper_root: Path, tmp_path: Path) -> None:
    with_long = cached_word_folder(whisper_root, "words-long", long_clips=2)
    short = cached_model(whisper_root, words=WORDS, hears="hund", window_seconds=5)
    out = tmp_path / "eval.json"

    main(["evaluate", "--model", str(short), "--dataset", str(with_long), "--split",
          "train[64:]", "--output", str(out)])  # fmt: skip

    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["left_out"] == {"longer than the 5 s window": 2}  # the two 8 s clips
    assert data["n"] == 8


def test_compare_writes_markdown_and_csv(
    words: Path, hears_hund: Path, hears_katt: Path, tmp_path: Path
) -> None:
    out = tmp_path / "cmp"
    code = main(
        ["compare", "--models", f"hund={hears_hund}", f"katt={hears_katt}",
         "--datasets", f"ord={words}@test[8:]", f"{words}?text=transcription", "--split",
         "test[:8]",
         "--output-dir", str(out)]
    )  # fmt: skip

    assert code == 0
    table = (out / "comparison.md").read_text(encoding="utf-8")
    assert f"| model | ord | {words}?text=transcription |" in table
    assert "| hund | 87.50 (87.50) | 87.50 (87.50) |" in table
    assert "| katt | 87.50 (87.50) | 87.50 (87.50) |" in table
    with (out / "comparison.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["model"], r["dataset"]) for r in rows] == [
        ("hund", "ord"),
        ("hund", f"{words}?text=transcription"),
        ("katt", "ord"),
        ("katt", f"{words}?text=transcription"),
    ]
    assert rows[0]["n"] == "8" and rows[0]["wer"] == "87.50"
    assert [r["split"] for r in rows[:2]] == ["test[8:]", "test[:8]"]


def test_compare_rejects_two_models_of_one_name(words: Path, tmp_path: Path, capsys) -> None:
    code = main(["compare", "--models", "a=x", "a=y", "--datasets", str(words)])

    assert code == 1
    assert "Two models are called a" in capsys.readouterr().err


def test_sweep_writes_csv_and_plot_and_resumes(
    words: Path, whisper_root: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base = cached_model(whisper_root, words=WORDS)
    out = tmp_path / "sweep"
    common = [
        "sweep", "--dataset", str(words), "--base-model", str(base), "--output-dir", str(out),
        "--max-steps", "3", "--warmup-steps", "0", "--batch-size", "4", "--audio-window", "3",
        "--eval-split", "test[:4]", "--logging-steps", "1",
    ]  # fmt: skip

    assert main([*common, "--learning-rates", "1e-4", "1e-3"]) == 0
    with (out / "sweep.csv").open(encoding="utf-8") as f:
        first = list(csv.DictReader(f))
    assert [row["learning_rate"] for row in first] == ["0.0001", "0.001"]
    assert all(row["n"] == "4" and row["max_steps"] == "3" for row in first)
    assert (out / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with (out / "losses.csv").open(encoding="utf-8") as f:
        losses = list(csv.DictReader(f))
    assert [(r["learning_rate"], r["step"]) for r in losses[:4]] == [
        ("0.0001", "1"), ("0.0001", "2"), ("0.0001", "3"), ("0.001", "1")
    ]  # fmt: skip
    assert not (out / "runs" / "lr-0.001").exists()  # models are large: not kept by default

    caplog.clear()
    assert main([*common, "--lr-range", "1e-4:1e-2:3"]) == 0  # 1e-4 and 1e-3 are done already
    with (out / "sweep.csv").open(encoding="utf-8") as f:
        second = list(csv.DictReader(f))
    assert second[:2] == first
    assert [row["learning_rate"] for row in second] == ["0.0001", "0.001", "0.01"]
    assert "learning rate 0.0001: done already" in caplog.text
    assert "learning rate 0.001: done already" in caplog.text
    assert caplog.text.count("training 3 steps") == 1


def test_sweep_refuses_a_csv_of_other_settings(
    words: Path, whisper_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "sweep"
    out.mkdir()
    (out / "sweep.csv").write_text(
        "learning_rate,max_steps,seed,eval_split,n,wer,cer,wer_orthographic,cer_orthographic,"
        "final_loss,seconds\n1e-05,50,42,test[:4],4,50,20,50,20,1.0,3\n"
    )
    code = main(
        ["sweep", "--dataset", str(words), "--output-dir", str(out), "--learning-rates", "1e-5",
         "--max-steps", "3", "--eval-split", "test[:4]"]
    )  # fmt: skip

    assert code == 1
    assert "other settings (steps 50" in capsys.readouterr().err


def test_export_writes_a_ct2_model_that_asr_loads(
    words: Path, hears_hund: Path, tmp_path: Path
) -> None:
    results = tmp_path / "eval.json"
    main(
        ["evaluate", "--model", str(hears_hund), "--dataset", str(words), "--output", str(results)]
    )
    out = tmp_path / "ct2"

    code = main(["export", "--model", str(hears_hund), "--output-dir", str(out),
                 "--results", str(results)])  # fmt: skip

    assert code == 0
    assert (out / "model.bin").is_file() and (out / "tokenizer.json").is_file()
    transcriber = asr.load_transcriber(out, backend="ctranslate2", device="cpu")
    samples, rate = speak("katt")
    assert transcriber.transcribe((rate, samples)).text == "hund"
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "value: 87.5\n" in card and "| 16 | 87.50 | 87.50 |" in card


def test_export_refuses_a_folder_without_a_checkpoint(tmp_path: Path, capsys) -> None:
    assert main(["export", "--model", str(tmp_path)]) == 1
    assert "not a transformers Whisper checkpoint" in capsys.readouterr().err


def scores(wer: float) -> Scores:
    return Scores(n=100, wer=wer, cer=wer / 3, wer_orthographic=wer + 5, cer_orthographic=wer / 2)


def test_model_card_carries_the_measured_wer() -> None:
    from huggingface_hub import ModelCard

    results = [
        EvalResult("m", "common_voice", "test", "transformers", scores(19.77),
                   dataset_name="Common Voice 17.0 (sv-SE)", dataset_config="sv-SE"),
        EvalResult("m", "KTH/nst", "train[:2000]", "transformers", scores(10.17),
                   dataset_name="NST", chose_checkpoint=True),
    ]  # fmt: skip
    recipe = {"base_model": "openai/whisper-small", "learning_rate": 1e-5, "max_steps": 4000}
    training = {
        "options": recipe | {"dataset": "/data/private/cv-corpus-17.0/sv-SE"},
        "train_dataset": {"dataset": "common_voice", "dataset_name": "Common Voice 17.0 (sv-SE)"},
        "steps": 4000,
        "world_size": 4,
        "kept_description": "checkpoint-3000 (best by WER on 'dev': 19.10; trained to step 4000)",
    }

    card = model_card("whisper-small-sv", results, training, "apache-2.0", "me/whisper-small-sv")

    data = ModelCard(card).data  # huggingface_hub reads back what it wrote
    assert data.language == "sv" and data.license == "apache-2.0"
    assert data.base_model == "openai/whisper-small" and data.datasets == ["KTH/nst"]
    wer = [(r.dataset_type, r.dataset_split, r.metric_value) for r in data.eval_results
           if r.metric_name == "WER (normalised)"]  # fmt: skip
    assert wer == [("common_voice", "test", 19.77), ("KTH/nst", "train[:2000]", 10.17)]
    assert data.eval_results[0].dataset_config == "sv-SE"
    body = card.split("\n---\n", 1)[1]
    assert "| Common Voice 17.0 (sv-SE) | test | 100 | 19.77 | 24.77 | 6.59 |" in body
    assert NORMALIZER in body and "å, ä and ö kept" in body
    assert "**Optimistic:** NST (train[:2000]) also chose the kept checkpoint" in body
    assert "/data/private" not in card  # the local path of the data stays home
    assert "- data set: Common Voice 17.0 (sv-SE)" in body and "- processes: 4" in body
    assert "- kept: checkpoint-3000 (best by WER on 'dev'" in body
    assert "- learning rate: 1e-05" in body and "- max steps: 4000" in body
    assert 'model="me/whisper-small-sv"' in body


def test_model_card_without_results_says_so() -> None:
    card = model_card("m", [], None, "mit")

    assert "model-index" not in card and "Not measured yet" in card


class FakeHub:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def create_repo(self, repo: str, **kwargs: object) -> str:
        self.calls.append(("create_repo", {"repo": repo, **kwargs}))
        return f"https://hub.example/{repo}"

    def upload_folder(self, **kwargs: object) -> None:
        self.calls.append(("upload_folder", kwargs))

    def upload_file(self, **kwargs: object) -> None:
        self.calls.append(("upload_file", kwargs))


def test_push_uploads_checkpoint_ct2_and_card(tmp_path: Path) -> None:
    (tmp_path / "ct2").mkdir()
    (tmp_path / "ct2" / "README.md").write_text("card")
    hub = FakeHub()

    url = push("me/model", tmp_path / "model", tmp_path / "ct2", private=True, api=hub)

    assert url == "https://hub.example/me/model"
    assert [name for name, _ in hub.calls] == [
        "create_repo", "upload_folder", "upload_folder", "upload_file"
    ]  # fmt: skip
    assert hub.calls[0][1]["private"] is True
    assert hub.calls[2][1]["path_in_repo"] == "ctranslate2"
    assert hub.calls[3][1]["path_in_repo"] == "README.md"


def readme_train_commands() -> list[list[str]]:
    """The `python -m train ...` commands of the README's train section, as argument lists."""
    import shlex

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = text.split("## Reproducing the models (`train`)", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in section.split("```bash\n")[1:]:
        code = block.split("```", 1)[0].replace("\\\n", " ")
        for line in code.splitlines():
            words = shlex.split(line, comments=True)
            if "train" in words and "..." not in words and words[:2] != ["pip", "install"]:
                commands.append(words[words.index("train") + 1 :])
    return commands


@pytest.mark.parametrize("argv", readme_train_commands(), ids=lambda argv: argv[0])
def test_readme_train_commands_parse(argv: list[str]) -> None:
    from train.__main__ import build_parser

    build_parser().parse_args(argv)  # an unknown flag or a bad value exits


def test_readme_has_train_commands() -> None:
    names = {argv[0] for argv in readme_train_commands()}
    assert names >= {"finetune", "evaluate", "sweep", "compare", "export"}
    assert any("--any-window" in argv for argv in readme_train_commands())
