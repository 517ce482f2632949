"""`python -m train sweep`: which learning rate? One short fine-tune per rate, same everything else.

Every run has the same steps, seed, data and evaluation subset, so the rates are all that
differs. Each finished rate appends a row to `sweep.csv` at once; a rerun of the same command
skips the rates already there (and an interrupted run resumes from its last checkpoint), so a
sweep survives a lost GPU. `sweep.png` plots WER against the rate on a log axis.
"""

from __future__ import annotations

import csv
import dataclasses
import logging
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

from train.data import open_source
from train.errors import TrainError
from train.evaluate import evaluate_model, load_recognizer
from train.finetune import finetune
from train.options import FinetuneOptions, SweepOptions

log = logging.getLogger(__name__)

CSV_FILE = "sweep.csv"
PLOT_FILE = "sweep.png"


@dataclass(frozen=True)
class SweepRow:
    learning_rate: float
    max_steps: int
    seed: int
    eval_split: str
    n: int
    wer: float
    cer: float
    wer_orthographic: float
    cer_orthographic: float
    final_loss: float
    seconds: float

    @classmethod
    def from_csv(cls, row: dict[str, str]) -> SweepRow:
        kinds = {f.name: f.type for f in dataclasses.fields(cls)}
        convert = {"float": float, "int": int, "str": str}
        return cls(**{name: convert[kinds[name]](row[name]) for name in kinds})


def rate_key(rate: float) -> str:
    """How a rate is written in the CSV and folder names: 1e-05, 3.16e-05."""
    return f"{rate:.3g}"


def learning_rates(options: SweepOptions) -> list[float]:
    """The rates to try: --learning-rates, plus --lr-range MIN:MAX:COUNT spaced on a log scale."""
    rates = list(options.learning_rates)
    if options.lr_range:
        try:
            low, high, count = options.lr_range.split(":")
            low_f, high_f, n = float(low), float(high), int(count)
            if not (0 < low_f < high_f and n >= 2):
                raise ValueError
        except ValueError as e:
            raise TrainError(
                f"--lr-range {options.lr_range!r}: write MIN:MAX:COUNT with 0 < MIN < MAX and "
                "COUNT >= 2, e.g. 1e-6:1e-4:5."
            ) from e
        step = (math.log10(high_f) - math.log10(low_f)) / (n - 1)
        rates += [10 ** (math.log10(low_f) + i * step) for i in range(n)]
    if not rates:
        raise TrainError("Give the learning rates: --learning-rates 1e-5 3e-5 or --lr-range.")
    if any(rate <= 0 for rate in rates):
        raise TrainError(f"Learning rates must be positive: {rates}.")
    unique = {rate_key(rate): float(rate_key(rate)) for rate in rates}
    return sorted(unique.values())


def read_rows(path: Path, options: SweepOptions) -> dict[str, SweepRow]:
    """Rows already done, by rate; refuses a CSV from a sweep with other settings."""
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as f:
        rows = [SweepRow.from_csv(row) for row in csv.DictReader(f)]
    for row in rows:
        if (row.max_steps, row.seed, row.eval_split) != (
            options.max_steps,
            options.seed,
            options.eval_split,
        ):
            raise TrainError(
                f"{path} holds a sweep with other settings (steps {row.max_steps}, seed "
                f"{row.seed}, evaluation {row.eval_split!r}): rates would not be comparable. "
                "Use another --output-dir, or the same settings."
            )
    return {rate_key(row.learning_rate): row for row in rows}


def append_row(path: Path, row: SweepRow) -> None:
    new = not path.is_file()
    with path.open("a", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[f.name for f in dataclasses.fields(SweepRow)])
        if new:
            writer.writeheader()
        writer.writerow(dataclasses.asdict(row))


def plot(rows: list[SweepRow], path: Path, title: str) -> Path:
    """WER (normalised and orthographic) against learning rate, log x-axis, best rate marked."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a training server
    from matplotlib.figure import Figure

    rows = sorted(rows, key=lambda r: r.learning_rate)
    figure = Figure(figsize=(6.4, 4.0), layout="constrained")
    axes = figure.subplots()
    rates = [r.learning_rate for r in rows]
    axes.plot(rates, [r.wer for r in rows], "o-", label="WER (normalised)")
    axes.plot(rates, [r.wer_orthographic for r in rows], "s--", label="WER (orthographic)")
    best = min(rows, key=lambda r: r.wer)
    axes.annotate(f"best {rate_key(best.learning_rate)}", (best.learning_rate, best.wer),
                  textcoords="offset points", xytext=(0, 10), ha="center")  # fmt: skip
    axes.margins(x=0.08, y=0.15)
    axes.set_xscale("log")
    axes.set_xlabel("learning rate")
    axes.set_ylabel("WER (%)")
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.savefig(path, dpi=120)
    return path


def sweep(options: SweepOptions) -> list[SweepRow]:
    rates = learning_rates(options)
    out = Path(options.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    done = read_rows(out / CSV_FILE, options)
    eval_source = open_source(options.eval_dataset or options.dataset)
    base = {f.name: getattr(options, f.name) for f in dataclasses.fields(FinetuneOptions)}
    for rate in rates:
        key = rate_key(rate)
        if key in done:
            log.info("learning rate %s: done already (WER %.2f), skipped", key, done[key].wer)
            continue
        run_dir = out / "runs" / f"lr-{key}"
        log.info("learning rate %s: training %d steps in %s", key, options.max_steps, run_dir)
        run = FinetuneOptions(
            **(base | {"output_dir": str(run_dir), "learning_rate": rate, "eval_split": "none"})
        )
        trained = finetune(run)
        recognizer = load_recognizer(str(run_dir), "transformers", "auto", 128)
        result = evaluate_model(
            recognizer, eval_source, options.eval_split, model_name=str(run_dir),
            backend="transformers", batch_size=options.eval_batch_size, keep_examples=0,
        )  # fmt: skip
        s = result.scores
        row = SweepRow(
            learning_rate=rate, max_steps=options.max_steps, seed=options.seed,
            eval_split=options.eval_split, n=s.n, wer=round(s.wer, 3), cer=round(s.cer, 3),
            wer_orthographic=round(s.wer_orthographic, 3),
            cer_orthographic=round(s.cer_orthographic, 3),
            final_loss=round(trained.losses[-1][1], 4) if trained.losses else float("nan"),
            seconds=round(trained.seconds + result.seconds, 1),
        )  # fmt: skip
        append_row(out / CSV_FILE, row)
        done[key] = row
        log.info("learning rate %s: WER %.2f", key, row.wer)
        if not options.keep_models:
            shutil.rmtree(run_dir, ignore_errors=True)
    rows = [done[rate_key(rate)] for rate in rates]
    title = f"{options.max_steps} steps, seed {options.seed}, {options.eval_split}"
    plot(list(done.values()), out / PLOT_FILE, title)
    best = min(rows, key=lambda r: r.wer)
    log.info("best learning rate %s (WER %.2f); wrote %s", rate_key(best.learning_rate),
             best.wer, out / PLOT_FILE)  # fmt: skip
    return rows
