"""`python -m bench <benchmark> [options]`: a small dispatcher over the benchmark modules.

Each benchmark is a module with `add_arguments(parser)` and `main(args) -> int`; adding one is a
line in `BENCHMARKS`. Modules are imported only when chosen, so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

BENCHMARKS: dict[str, tuple[str, str]] = {
    "class": ("bench.microphones", "a class of hands-free learners, every microphone open"),
    "handsfree": ("bench.handsfree", "hands-free answering: end of speech to verdict, VAD + asr"),
    "load": ("bench.load", "concurrent spoken players against the app; checks states stay apart"),
    "overhead": ("bench.overhead", "the time asr spends around the model on one answer, by step"),
    "window": ("bench.window", "a model's transcripts, verdicts and time at each encoder window"),
    "speed": ("bench.speed", "latency, memory and batching of each asr path, random-weight models"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="benchmark", required=True, metavar="BENCHMARK")
    modules = {}
    chosen = (argv if argv is not None else sys.argv[1:])[:1]
    for name, (module_name, help_text) in BENCHMARKS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        if chosen == [name]:  # only the chosen module is imported
            modules[name] = importlib.import_module(module_name)
            modules[name].add_arguments(sub)
    args = parser.parse_args(argv)
    return modules[args.benchmark].main(args)


if __name__ == "__main__":
    sys.exit(main())
