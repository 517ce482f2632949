"""`python -m bench speed --quick`: every path measured end to end on random-weight whisper-tiny."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bench import speed, speed_worker

QUICK = ["--quick", "--runs", "2", "--tokens", "4", "--windows", "30,5", "--retries", "0"]
QUICK += ["--batch", "2", "--batch-repeats", "1"]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    speed.add_arguments(parser)
    return parser.parse_args(argv)


def table_rows(report: str) -> list[dict[str, str]]:
    """The rows of the first table in `report`, as {column: cell}."""
    lines = report.split("\n| ", 1)[1].split("\n\n", 1)[0].splitlines()
    lines = ["| " + lines[0], *lines[2:]]  # the separator row is no data
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    return [
        dict(zip(header, (cell.strip() for cell in line.strip("|").split("|")), strict=True))
        for line in lines[1:]
    ]


def test_tokenizer_has_whisper_ids() -> None:
    tokenizer = speed_worker.build_tokenizer()
    ids = tokenizer.convert_tokens_to_ids
    assert len(tokenizer) == speed_worker.VOCAB_SIZE
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

    assert speed.main(args) == 0

    report, progress = capsys.readouterr()
    assert out.read_text(encoding="utf-8") == report
    assert report.startswith("Machine: ")
    main, batching = report.split("\nBatching: ")
    rows = table_rows(main)
    assert [(r["size"], r["window"], r["path"]) for r in rows] == [
        ("tiny", window, path) for window in ("30 s", "5 s") for path in speed.VARIANTS
    ]
    baselines = {r["window"]: float(r["p50 s"]) for r in rows if r["path"] == speed.BASELINE}
    for row in rows:
        p50, p90 = float(row["p50 s"]), float(row["p90 s"])
        assert 0 < p50 <= p90
        # The table prints p50 to 3 decimals and the ratio to 2: allow for both roundings.
        ratio = p50 / baselines[row["window"]]
        assert float(row["vs baseline"]) == pytest.approx(ratio, abs=0.011, rel=0.03)
        assert float(row["peak MB (total)"]) > float(row["peak MB (model)"]) > 0
        assert (row["tokens"], row["beams"]) == ("4", "1"), row  # the same decoding everywhere
        assert row["encoder runs"] == "1", row  # one decode per call, the baseline included
        if row["path"] == speed.BASELINE:
            assert row["asr overhead ms"] == "-"
        else:
            assert 0 < float(row["asr overhead ms"]) < 1000
    assert progress.count("encoder ran 1x per call (baseline sanity check") == 2
    batch_rows = table_rows(batching)
    assert [(r["size"], r["window"], r["path"]) for r in batch_rows] == [
        (r["size"], r["window"], r["path"]) for r in rows
    ]
    for row in batch_rows:
        batch, singles = float(row["batch of N s"]), float(row["N single calls s"])
        assert row["N"] == "2" and batch > 0 and singles > 0
        assert float(row["batch / singles"]) == pytest.approx(batch / singles, abs=0.011, rel=0.05)
    verdicts = batching.split("Does batching pay on this machine?\n")[1].split("\n\n")[0]
    lines = verdicts.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        f"- {backend} at {window} s"
        for window in (30, 5)
        for backend in ("pipeline", "transformers", "ctranslate2")
    ]
    assert all(" batching " in line and " for 2 clips: " in line for line in lines)
    defaults = [line.rsplit("asr's default here: ", 1)[-1] for line in lines if "asr's" in line]
    assert defaults == [
        "1 (fp32), 1 (int8), 8 (bf16) per call",  # bf16 batches at 30 s (AMX: measured 0.57)
        "1 (fp32), 1 (int8) per call",
        "8 (bf16), 8 (fp32), 8 (int8) per call",
        "8 (fp32), 8 (int8) per call",
    ]
    auto = report.split("What auto picks on this CPU")[1].split("\n\n")[0].splitlines()[1:]
    from bench.speed_report import default_cpu_variant

    assert [line.split(": auto takes ")[1].split(",")[0] for line in auto] == [
        default_cpu_variant(30),
        default_cpu_variant(5),
    ]
    assert all(
        line.startswith(("- PASS tiny", "- FAIL tiny")) and "x (target" in line for line in auto
    )
    targets = report.split("Targets")[1].splitlines()[1:]
    assert len(targets) == 4  # two windows, small at 5 s (skipped), overhead
    assert all(line.startswith(("- PASS", "- FAIL", "- SKIP")) for line in targets)


def test_batch_zero_skips_the_batch_measurement() -> None:
    args = parse([*QUICK, "--batch", "0"])

    assert speed.BenchOptions.from_args(args).batch == 0
    assert speed_worker._time_batch(lambda n: None, 0, 3) == {}
    assert speed_worker._time_batch(lambda n: None, 1, 3) == {}


def test_batch_times_n_clips_against_n_single_calls() -> None:
    calls: list[int] = []

    result = speed_worker._time_batch(calls.append, 3, 2)

    assert calls == [3, 3, 1, 1, 1, 3, 1, 1, 1]  # a warm-up batch, then batch and singles in turn
    assert result["batch"] == 3
    assert len(result["batch_seconds"]) == len(result["singles_seconds"]) == 2
