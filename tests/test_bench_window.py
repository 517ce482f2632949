"""`python -m bench window` and `python -m bench overhead` on random-weight whisper-tiny."""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

import pytest

from bench import __main__ as bench_main
from bench import overhead, window


def parse(module, argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return parser.parse_args(argv)


def table(report: str) -> dict[str, list[str]]:
    return {
        line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:-1]]
        for line in report.splitlines()
        if line.startswith("| ") and not line.startswith("| window") and "median |" not in line
    }


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
@pytest.mark.parametrize("backend", ["ctranslate2", "transformers"])
def test_bench_window_gives_each_window_its_time_verdicts_and_guard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, backend: str
) -> None:
    monkeypatch.setenv("SAGDET_CACHE", str(tmp_path / "cache"))

    assert window.main(parse(window, ["--words", "2", "--backend", backend])) == 0

    rows = table(capsys.readouterr().out)
    assert list(rows) == [name for name, _, _ in window.WINDOWS]
    for name, (median, ratio, verdicts, differ, again) in rows.items():
        assert float(median) > 0 and float(ratio) > 0
        assert sum(int(n) for n in re.findall(r"\d+", verdicts)) == 2  # a verdict per word
        assert 0 <= int(differ) <= 2
        assert (again == "-") == (name != "answer window (default)")
    assert rows["30 s"][1] == "1.00" and rows["30 s"][3] == "0"


def test_bench_overhead_times_each_step_and_the_ratio_decides_the_exit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("SAGDET_CACHE", str(tmp_path / "cache"))
    argv = ["--size", "tiny", "--runs", "2", "--tokens", "2", "--cache", str(tmp_path)]

    code = overhead.main(parse(overhead, argv))

    report = capsys.readouterr().out
    rows = {name: float(cells[0].split()[0]) for name, cells in table(report).items()}
    assert set(rows) >= {"read the file", "to 16 kHz mono", "silence gate", "features",
                         "the project's path (transcribe the file)",
                         "bare backend (features + model)"}  # fmt: skip
    assert all(ms >= 0 for ms in rows.values())
    ratio = float(re.search(r"path: ([\d.]+)x the bare backend", report).group(1))
    assert ratio == pytest.approx(rows["the project's path (transcribe the file)"]
                                  / rows["bare backend (features + model)"], rel=0.02)  # fmt: skip
    assert code == (0 if ratio <= overhead.TARGET else 1)
    assert "decoded at 10 s" in report  # a 30 s model's answer window


@pytest.mark.parametrize("name", ["window", "overhead"])
def test_they_are_bench_commands(name: str) -> None:
    assert name in bench_main.BENCHMARKS
    with pytest.raises(SystemExit):
        bench_main.main([name, "--help"])
