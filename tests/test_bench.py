"""`python -m asr bench --quick`: every path measured end to end on random-weight whisper-tiny."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from asr import bench, bench_worker

QUICK = ["--quick", "--runs", "2", "--tokens", "4", "--windows", "30,5", "--retries", "0"]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    return parser.parse_args(argv)


def table_rows(report: str) -> list[dict[str, str]]:
    lines = [line for line in report.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    return [
        dict(zip(header, (cell.strip() for cell in line.strip("|").split("|")), strict=True))
        for line in lines[1:]
    ]


def test_tokenizer_has_whisper_ids() -> None:
    tokenizer = bench_worker.build_tokenizer()
    ids = tokenizer.convert_tokens_to_ids
    assert len(tokenizer) == bench_worker.VOCAB_SIZE
    assert [ids("<|endoftext|>"), ids("<|startoftranscript|>"), ids("<|sv|>")] == [
        50257,
        50258,
        50273,
    ]
    assert [ids("<|transcribe|>"), ids("<|notimestamps|>"), ids("<|30.00|>")] == [
        50359,
        50363,
        51864,
    ]
    assert tokenizer.all_special_ids[-1] == 50363  # ids above it are timestamps


def test_quick_bench_measures_every_path(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "bench.md"
    args = parse([*QUICK, "--out", str(out), "--cache", str(tmp_path / "models")])

    assert bench.main(args) == 0

    report, progress = capsys.readouterr()
    assert out.read_text(encoding="utf-8") == report
    assert report.startswith("Machine: ")
    rows = table_rows(report)
    assert [(r["size"], r["window"], r["path"]) for r in rows] == [
        ("tiny", window, path) for window in ("30 s", "5 s") for path in bench.VARIANTS
    ]
    baselines = {r["window"]: float(r["p50 s"]) for r in rows if r["path"] == bench.BASELINE}
    for row in rows:
        p50, p90 = float(row["p50 s"]), float(row["p90 s"])
        assert 0 < p50 <= p90
        # The table prints p50 to 3 decimals and the ratio to 2: allow for both roundings.
        ratio = p50 / baselines[row["window"]]
        assert float(row["vs baseline"]) == pytest.approx(ratio, abs=0.011, rel=0.03)
        assert float(row["peak MB (total)"]) > float(row["peak MB (model)"]) > 0
        assert (row["tokens"], row["beams"]) == ("4", "1"), row  # the same decoding everywhere
        assert row["encoder runs"] == "1", row  # one decode per call, the baseline included
        if row["path"] == bench.BASELINE:
            assert row["asr overhead ms"] == "-"
        else:
            assert 0 < float(row["asr overhead ms"]) < 1000
    assert progress.count("encoder ran 1x per call (baseline sanity check") == 2
    targets = report.split("Targets")[1].splitlines()[1:]
    assert len(targets) == 4  # two windows, small at 5 s (skipped), overhead
    assert all(line.startswith(("- PASS", "- FAIL", "- SKIP")) for line in targets)
