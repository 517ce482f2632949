"""Command line: `python -m train COMMAND --help` says what every option does.

    finetune   fine-tune Whisper (the published recipe by default), resumable
    evaluate   WER/CER of a model on a data set, as JSON
    compare    models x test sets, as Markdown and CSV tables
    sweep      one short fine-tune per learning rate, CSV and plot, resumable
    export     CTranslate2 int8 copy for asr's CPU backend, model card, optional hub push

Bad input ends with one line saying what to change (exit status 1), never a traceback; -v shows
the library errors behind it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from typing import Any

from train import options as opts
from train.errors import TrainError

log = logging.getLogger("train")


def _finetune(o: opts.FinetuneOptions) -> None:
    from train.finetune import finetune
    from train.processes import is_main_process

    result = finetune(o)
    if not is_main_process():  # under torchrun or accelerate launch, one process speaks
        return
    split = None if o.eval_split.lower() == "none" else o.eval_split
    if result.already_done:
        print(f"nothing to do: {result.output_dir} holds this run, finished: "
              f"{result.describe(split)}")  # fmt: skip
    else:
        print(f"saved the model to {result.output_dir}: {result.describe(split)}")
    if result.scores:
        s = result.scores
        print(
            f"WER {s.wer:.2f} (orthographic {s.wer_orthographic:.2f}), CER {s.cer:.2f} "
            f"on {o.eval_split!r}"
        )


def _evaluate(o: opts.EvaluateOptions) -> None:
    from train.evaluate import evaluate

    result = evaluate(o)
    print(result.summary())
    if o.output:
        print(f"wrote {o.output}")


def _compare(o: opts.CompareOptions) -> None:
    from train.compare import compare

    print(compare(o).markdown(), end="")
    print(f"wrote {o.output_dir}/comparison.md and comparison.csv")


def _sweep(o: opts.SweepOptions) -> None:
    from train.sweep import CSV_FILE, PLOT_FILE, rate_key, sweep

    rows = sweep(o)
    print("| learning rate | WER | WER (orthographic) | final loss |")
    print("|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {rate_key(row.learning_rate)} | {row.wer:.2f} | {row.wer_orthographic:.2f} | "
            f"{row.final_loss:.4f} |"
        )
    print(f"wrote {o.output_dir}/{CSV_FILE} and {PLOT_FILE}")


def _export(o: opts.ExportOptions) -> None:
    from train.export import export

    exported = export(o)
    print(f"wrote {exported.ct2_dir} (CTranslate2, {o.quantization}) with {exported.card.name}")
    if exported.repo_url:
        print(f"pushed to {exported.repo_url}")


COMMANDS: dict[str, tuple[type, Callable[[Any], None], str]] = {
    "finetune": (opts.FinetuneOptions, _finetune, "fine-tune Whisper on Swedish speech"),
    "evaluate": (opts.EvaluateOptions, _evaluate, "WER and CER of a model on a data set"),
    "compare": (opts.CompareOptions, _compare, "several models on several test sets"),
    "sweep": (opts.SweepOptions, _sweep, "learning-rate sweep with a CSV and a plot"),
    "export": (opts.ExportOptions, _export, "CTranslate2 copy, model card, hub push"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m train",
        description="Fine-tune and evaluate Whisper on Swedish speech.",
        epilog=__doc__.split("\n\n")[-1],
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (options, _, summary) in COMMANDS.items():
        sub = commands.add_parser(
            name,
            help=summary,
            description=(options.__doc__ or summary).strip(),
        )
        sub.add_argument("-v", "--verbose", action="store_true", help="debug log, tracebacks")
        opts.add_arguments(sub, options)
    return parser


def _setup_logging(verbose: bool) -> None:
    from train.processes import is_main_process, process_rank

    # Under torchrun or accelerate launch only the main process logs; the others still warn.
    level = logging.DEBUG if verbose else logging.INFO
    if not is_main_process():
        level = logging.WARNING
    rank = f"[rank {process_rank()}] " if not is_main_process() else ""
    logging.basicConfig(
        level=level,
        format=f"%(asctime)s %(levelname)s {rank}%(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    logging.getLogger("train").setLevel(level)
    for noisy in ("httpx", "urllib3", "filelock", "fsspec", "datasets", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(logging.INFO if verbose else logging.WARNING)
    try:
        from transformers.utils import logging as hf_logging

        if verbose and is_main_process():
            hf_logging.set_verbosity_info()
        else:  # the Trainer's own bar stays; "Loading weights" and "Writing shards" bars go
            hf_logging.set_verbosity_warning()
            hf_logging.disable_progress_bar()
    except ImportError:
        pass


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    options, run, _ = COMMANDS[args.command]
    try:
        run(opts.from_namespace(options, args))
    except TrainError as e:
        if args.verbose:
            log.exception("failed")
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: run the same command again to resume", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
