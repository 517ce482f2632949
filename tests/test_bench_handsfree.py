"""`python -m bench handsfree --quick`: spoken words end to end on random-weight whisper-tiny."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest

from bench import __main__ as bench_main
from bench import handsfree

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    handsfree.add_arguments(parser)
    return parser.parse_args(argv)


def test_quick_bench_times_every_word(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("SAGDET_CACHE", str(tmp_path / "cache"))  # the CTranslate2 conversion

    assert handsfree.main(parse(["--quick", "--runs", "2", "--cache", str(tmp_path)])) == 0

    report = capsys.readouterr().out
    machine, before, after, counted = report.splitlines()[:4]
    assert machine.startswith("Machine: ") and "whisper-tiny" in machine
    assert before.startswith("before: the full window; auto chose ") and " on cpu " in before
    assert after.startswith("after: the answer window and an early start; auto chose ")
    assert counted.startswith("2 spoken words each way") and "0 not heard" in counted
    rows = {
        line.split("|")[1].strip(): [cell.split() for cell in line.split("|")[2:-1]]
        for line in report.splitlines()
        if line.startswith("| ") and "p50" not in line
    }
    cells = rows["from the piece holding the end of speech"]
    assert len(cells) == 4 and all(unit == "s" and 0 < float(v) < 30 for v, unit in cells)
    ways = {line.split(":")[0]: line for line in report.splitlines() if "; decoded at " in line}
    assert (
        "decoded at {'30 s': 2}" in ways["before"]
        and "0 of 2 from an early start" in ways["before"]
    )
    assert "decoded at {'10 s': 2}" in ways["after"]  # a 30 s model's answer window
    assert "0 of 2 from an early start" not in ways["after"]


@pytest.mark.parametrize("bad", [["--runs", "0"], ["--tokens", "0"], ["--chunk", "5"]])
def test_bad_options_stop_before_any_model_is_built(bad: list[str]) -> None:
    assert handsfree.main(parse(bad)) == 2


def test_it_is_a_bench_command() -> None:
    assert "handsfree" in bench_main.BENCHMARKS
    with pytest.raises(SystemExit):
        bench_main.main(["handsfree", "--runs", "0", "--help"])
