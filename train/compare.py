"""`python -m train compare`: models × test sets, one table (Markdown for people, CSV for tools).

The question it was written for: how does the Common Voice model do on NST, and the NST model on
Common Voice? Each model is loaded once and run on every test set; each cell is the normalised
WER with the orthographic one beside it.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path

from train.clips import ClipLimits
from train.data import open_source
from train.errors import TrainError
from train.evaluate import EvalResult, evaluate_model, load_recognizer
from train.options import CompareOptions

log = logging.getLogger(__name__)

CSV_COLUMNS = (
    "model",
    "dataset",
    "split",
    "n",
    "wer",
    "cer",
    "wer_orthographic",
    "cer_orthographic",
)


@dataclass(frozen=True)
class Named:
    name: str
    value: str


def parse_named(items: list[str], what: str) -> list[Named]:
    """`["cv=out/cv", "out/nst"]` → [Named("cv", "out/cv"), Named("out/nst", "out/nst")]."""
    named = []
    for item in items:
        name, sep, value = item.partition("=")
        # "hub:x?text=y" has an "=" that is not a name: a name has no ':', '/', '?' in it
        if not sep or any(c in name for c in ":/?") or not value:
            name, value = item, item
        named.append(Named(name, value))
    duplicates = sorted({n.name for n in named if [m.name for m in named].count(n.name) > 1})
    if duplicates:
        raise TrainError(f"Two {what} are called {', '.join(duplicates)}: name them NAME=...")
    return named


def _split_of(spec: str, default: str) -> str:
    """The split a test set names after '@' (`nst@train[:2000]`), else the common one."""
    return spec.rpartition("@")[2] if "@" in spec else default


@dataclass(frozen=True)
class Comparison:
    models: list[str]
    datasets: list[str]
    results: dict[tuple[str, str], EvalResult]
    """(model name, data set name) → its result."""

    def markdown(self) -> str:
        lines = [
            "WER in % (lower is better): normalised, with the orthographic WER (capitals and "
            "punctuation counted) in brackets.",
            "",
            "| model | " + " | ".join(self.datasets) + " |",
            "|---|" + "---:|" * len(self.datasets),
        ]
        for model in self.models:
            cells = []
            for dataset in self.datasets:
                s = self.results[model, dataset].scores
                cells.append(f"{s.wer:.2f} ({s.wer_orthographic:.2f})")
            lines.append(f"| {model} | " + " | ".join(cells) + " |")
        sizes = ", ".join(
            f"{d} ({self.results[self.models[0], d].split}): "
            f"{self.results[self.models[0], d].scores.n} clips"
            for d in self.datasets
        )
        return "\n".join([*lines, "", f"Test sets: {sizes}."]) + "\n"

    def write_csv(self, path: Path) -> None:
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(CSV_COLUMNS)
            for (model, dataset), result in self.results.items():
                s = result.scores
                writer.writerow(
                    [model, dataset, result.split, s.n]
                    + [f"{v:.2f}" for v in (s.wer, s.cer, s.wer_orthographic, s.cer_orthographic)]
                )


def compare(options: CompareOptions) -> Comparison:
    models = parse_named(options.models, "models")
    datasets = parse_named(options.datasets, "test sets")
    splits = {d.name: _split_of(d.value, options.split) for d in datasets}
    # Bad specs fail here, before any model loads.
    sources = {d.name: open_source(d.value.rpartition("@")[0] or d.value) for d in datasets}
    for name, source in sources.items():
        source.check(splits[name])
    results: dict[tuple[str, str], EvalResult] = {}
    for model in models:
        recognizer = load_recognizer(
            model.value, options.backend, options.device, options.max_new_tokens
        )
        for dataset in datasets:
            result = evaluate_model(
                recognizer,
                sources[dataset.name],
                splits[dataset.name],
                model_name=model.value,
                backend=options.backend,
                batch_size=options.batch_size,
                limits=ClipLimits.for_window(recognizer.window_seconds, options.min_seconds, None),
            )
            log.info(result.summary())
            results[model.name, dataset.name] = result
    comparison = Comparison([m.name for m in models], [d.name for d in datasets], results)
    out = Path(options.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "comparison.md").write_text(comparison.markdown(), encoding="utf-8")
    comparison.write_csv(out / "comparison.csv")
    log.info("wrote %s and %s", out / "comparison.md", out / "comparison.csv")
    return comparison
