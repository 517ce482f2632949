"""train: the evaluation normaliser, training cleanup, error rates, split expressions, CLI help."""

from __future__ import annotations

import dataclasses
import math

import pytest

from train import options as opts
from train.__main__ import COMMANDS, build_parser, main
from train.data import SplitPart, parse_split
from train.errors import TrainError
from train.metrics import score
from train.sweep import learning_rates
from train.text import clean_transcript, normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hund", "hund"),
        ("Hår!", "hår"),  # å stays å: har and hår are different words
        ("ÄPPLE, päron och ÖL.", "äpple päron och öl"),
        ("Båt", "båt"),
        ("a\u030aret", "året"),  # decomposed å (macOS) becomes one letter, not "a ret"
        ("hej   då\n", "hej då"),
        ("“Tack”, sa hon – ‘nej’?", "tack sa hon nej"),
        ("Det kostar 1,5 kronor.", "det kostar 1,5 kronor"),  # a number keeps its comma
        ("Klockan är 10:30!", "klockan är 10:30"),
        ("3 hundar", "3 hundar"),  # digits are left alone, not spelt out
        ("-5 grader", "5 grader"),
        ("e-post", "e post"),
        ("snake_case", "snake case"),
        ("...", ""),
        ("ÅÄÖ åäö", "åäö åäö"),
    ],
)
def test_normalize_is_swedish_safe(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hej då.", "Hej då."),  # capitals and punctuation are what Whisper should write
        ("  Ett   äpple\t", "Ett äpple"),
        ('"Ett citat."', "Ett citat."),
        ("“Hej”", "Hej"),
        ("hej <ehm> då [skratt]", "hej då"),
        ("a\u030aret", "året"),
        ("<noise>", ""),
    ],
)
def test_clean_transcript_keeps_orthography(text: str, expected: str) -> None:
    assert clean_transcript(text) == expected


def test_scores_orthographic_and_normalised() -> None:
    scores = score(["Hunden sover.", "Ett äpple"], ["hunden sover", "ett apple"])

    assert scores.n == 2
    # Normalised: only "apple" for "äpple" is wrong (1 of 4 words); å/ä/ö are not folded.
    assert scores.wer == pytest.approx(25.0)
    # Orthographic: "hunden"/"Hunden", "sover"/"sover.", "ett"/"Ett", "apple" all differ.
    assert scores.wer_orthographic == pytest.approx(100.0)
    assert scores.cer == pytest.approx(100 / 21)  # one letter of 21 (spaces count)
    assert scores.cer < scores.cer_orthographic


def test_scores_leave_out_empty_references() -> None:
    scores = score(["hund", "...", ""], ["hund", "katt", "katt"])

    assert scores.n == 1
    assert scores.empty_references == 2
    assert scores.wer == 0.0


def test_scores_of_nothing_are_nan() -> None:
    assert math.isnan(score([], []).wer)


@pytest.mark.parametrize(
    ("expression", "parts"),
    [
        ("test", [SplitPart("test")]),
        ("test[:500]", [SplitPart("test", None, 500)]),
        ("train[2000:]", [SplitPart("train", 2000, None)]),
        ("train[10:20]", [SplitPart("train", 10, 20)]),
        ("train+validation", [SplitPart("train"), SplitPart("validation")]),
        ("train[:5]+dev", [SplitPart("train", None, 5), SplitPart("dev")]),
    ],
)
def test_parse_split(expression: str, parts: list[SplitPart]) -> None:
    assert parse_split(expression) == parts


@pytest.mark.parametrize("expression", ["test[", "test[a:b]", "", "train+", "test[1]"])
def test_parse_split_rejects_nonsense(expression: str) -> None:
    with pytest.raises(TrainError, match="Cannot read the split"):
        parse_split(expression)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_option_has_help(name: str) -> None:
    options, _, _ = COMMANDS[name]
    for field in dataclasses.fields(options):
        assert field.metadata.get("help"), f"{name} --{field.name} has no help"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_help_of_every_command(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([name, "--help"])

    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: python -m train {name}")
    assert "(default: " in out


def test_finetune_defaults_are_the_published_recipe() -> None:
    args = build_parser().parse_args(["finetune", "--dataset", "d", "--output-dir", "o"])
    options = opts.from_namespace(opts.FinetuneOptions, args)

    assert options.learning_rate == 1e-5
    assert options.warmup_steps == 500
    assert options.max_steps == 4000
    assert options.batch_size == 16
    assert options.gradient_checkpointing is True
    assert options.base_model == "openai/whisper-small"
    assert options.metric_for_best_model == "wer"


def test_cli_types_and_booleans() -> None:
    args = build_parser().parse_args(
        ["sweep", "--dataset", "d", "--output-dir", "o", "--learning-rates", "1e-5", "3e-5",
         "--no-gradient-checkpointing", "--audio-window", "5", "--save-total-limit", "none"]
    )  # fmt: skip
    options = opts.from_namespace(opts.SweepOptions, args)

    assert options.learning_rates == [1e-5, 3e-5]
    assert options.gradient_checkpointing is False
    assert options.audio_window == 5
    assert options.save_total_limit is None
    assert options.max_steps == 1000  # the sweep's own default, not the fine-tune's


@pytest.mark.parametrize(
    ("given", "lr_range", "expected"),
    [
        ([1e-5, 3e-5], None, [1e-5, 3e-5]),
        ([], "1e-6:1e-4:3", [1e-6, 1e-5, 1e-4]),
        ([1e-5], "1e-6:1e-4:3", [1e-6, 1e-5, 1e-4]),  # the duplicate 1e-5 is run once
        ([3e-5, 1e-5], None, [1e-5, 3e-5]),
    ],
)
def test_learning_rates(given: list[float], lr_range: str | None, expected: list[float]) -> None:
    options = opts.SweepOptions(
        dataset="d", output_dir="o", learning_rates=given, lr_range=lr_range
    )
    assert learning_rates(options) == pytest.approx(expected)


@pytest.mark.parametrize("lr_range", ["1e-4:1e-6:3", "1e-6:1e-4", "a:b:c", "1e-6:1e-4:1"])
def test_bad_lr_range(lr_range: str) -> None:
    options = opts.SweepOptions(dataset="d", output_dir="o", lr_range=lr_range)
    with pytest.raises(TrainError, match="MIN:MAX:COUNT"):
        learning_rates(options)
