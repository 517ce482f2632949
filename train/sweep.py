"""`python -m train sweep`: which learning rate? One short fine-tune per rate, same everything else.

Every run has the same steps, seed, data and evaluation subset, so the rates are all that
differs. Each finished rate appends a row to `sweep.csv` at once; a rerun of the same command
skips the rates already there (and an interrupted run resumes from its last checkpoint), so a
sweep survives a lost GPU. `sweep.png` plots WER against the rate on a log axis (the y-axis
cut to the useful range) beside each rate's training loss curve (kept in `losses.csv`).
"""

from __future__ import annotations

import csv
import dataclasses
import logging
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from train.clips import ClipLimits
from train.data import open_source
from train.errors import TrainError
from train.evaluate import evaluate_model, load_recognizer
from train.finetune import finetune
from train.options import FinetuneOptions, SweepOptions

log = logging.getLogger(__name__)

CSV_FILE = "sweep.csv"
LOSSES_FILE = "losses.csv"
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


def append_losses(path: Path, rate: float, losses: list[tuple[int, float]]) -> None:
    """The training loss curve of one rate, appended to `losses.csv` (for the loss plot)."""
    new = not path.is_file()
    with path.open("a", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        if new:
            writer.writerow(["learning_rate", "step", "loss"])
        writer.writerows([rate_key(rate), step, f"{loss:.6g}"] for step, loss in losses)


def read_losses(path: Path) -> dict[str, list[tuple[int, float]]]:
    """Loss curves by rate key (empty for a sweep made before losses were kept)."""
    curves: dict[str, list[tuple[int, float]]] = {}
    if path.is_file():
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                curve = curves.setdefault(row["learning_rate"], [])
                step = int(row["step"])
                if curve and step <= curve[-1][0]:  # a rate run again after an interruption
                    curve.clear()
                curve.append((step, float(row["loss"])))
    return curves


def y_range(values: list[float]) -> tuple[float, float]:
    """A WER axis that shows the useful rates: from a little under the best to a cap.

    A rate that diverged can score hundreds of percent (a model that loops), which would flatten
    every other point; the axis stops at twice the best WER (at least 20 points above it) and
    such rates are drawn at the edge with their value written beside.
    """
    finite = [v for v in values if math.isfinite(v)] or [0.0]
    best, worst = min(finite), max(finite)
    top = min(worst, max(2 * best, best + 20))
    span = max(top - best, 1.0)
    return max(0.0, best - 0.3 * span), top + 0.2 * span


def figure(rows: list[SweepRow], curves: dict[str, list[tuple[int, float]]], title: str) -> Any:
    """WER against learning rate (log x, useful y-range, best marked) beside the loss curves."""
    from matplotlib.figure import Figure

    rows = sorted(rows, key=lambda r: r.learning_rate)
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    wer_axes, loss_axes = fig.subplots(1, 2)
    rates = [r.learning_rate for r in rows]
    low, high = y_range([r.wer for r in rows] + [r.wer_orthographic for r in rows])
    for values, style, label in (
        ([r.wer for r in rows], "o-", "WER (normalised)"),
        ([r.wer_orthographic for r in rows], "s--", "WER (orthographic)"),
    ):
        wer_axes.plot(rates, [min(v, high) for v in values], style, label=label)
        for rate, value in zip(rates, values, strict=True):
            if value > high:
                wer_axes.annotate(f"↑ {value:.0f}", (rate, high), textcoords="offset points",
                                  xytext=(4, -12), fontsize=8)  # fmt: skip
    best = min(rows, key=lambda r: r.wer)
    wer_axes.annotate(f"best {rate_key(best.learning_rate)}", (best.learning_rate, best.wer),
                      textcoords="offset points", xytext=(0, 10), ha="center")  # fmt: skip
    wer_axes.set(xscale="log", ylim=(low, high), xlabel="learning rate", ylabel="WER (%)")
    wer_axes.set_title(title)
    wer_axes.margins(x=0.08)
    wer_axes.grid(True, which="both", alpha=0.3)
    wer_axes.legend()
    for row in rows:
        curve = curves.get(rate_key(row.learning_rate), [])
        if curve:
            steps, losses = zip(*curve, strict=True)
            loss_axes.plot(steps, losses, label=rate_key(row.learning_rate))
    loss_axes.set(xlabel="step", ylabel="training loss", title="training loss by learning rate")
    if loss_axes.lines:
        loss_axes.set_yscale("log")
        loss_axes.legend(title="learning rate")
    loss_axes.grid(True, which="both", alpha=0.3)
    return fig


def plot(
    rows: list[SweepRow], path: Path, title: str,
    curves: dict[str, list[tuple[int, float]]] | None = None,
) -> Path:  # fmt: skip
    """`figure` saved as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a training server
    figure(rows, curves or {}, title).savefig(path, dpi=120)
    return path


def sweep(options: SweepOptions) -> list[SweepRow]:
    rates = learning_rates(options)
    out = Path(options.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    done = read_rows(out / CSV_FILE, options)
    eval_source = open_source(options.eval_dataset or options.dataset)
    eval_source.check(options.eval_split)  # before the first run trains for an hour
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
        recognizer = load_recognizer(
            str(run_dir), "transformers", "auto", options.generation_max_length
        )
        result = evaluate_model(
            recognizer, eval_source, options.eval_split, model_name=str(run_dir),
            backend="transformers", batch_size=options.eval_batch_size, keep_examples=0,
            limits=ClipLimits.for_window(
                recognizer.window_seconds, options.min_seconds, options.max_seconds
            ),
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
        append_losses(out / LOSSES_FILE, rate, trained.losses)
        append_row(out / CSV_FILE, row)
        done[key] = row
        log.info("learning rate %s: WER %.2f", key, row.wer)
        if not options.keep_models:
            shutil.rmtree(run_dir, ignore_errors=True)
    rows = [done[rate_key(rate)] for rate in rates]
    title = f"{options.max_steps} steps, seed {options.seed}, {options.eval_split}"
    plot(list(done.values()), out / PLOT_FILE, title, read_losses(out / LOSSES_FILE))
    best = min(rows, key=lambda r: r.wer)
    log.info("best learning rate %s (WER %.2f); wrote %s", rate_key(best.learning_rate),
             best.wer, out / PLOT_FILE)  # fmt: skip
    return rows
