"""Command line: `python -m asr transcribe FILE`, `python -m asr models`.

The speed benchmark lives beside the package: `python -m bench speed`.
"""

from __future__ import annotations

import argparse
import logging
import sys

from asr.errors import AsrError
from asr.models import ALIASES, DEFAULT_MODEL, KNOWN_MODELS


def _transcribe(args: argparse.Namespace) -> int:
    from asr.transcriber import load_transcriber

    try:
        transcriber = load_transcriber(args.model, args.backend, args.device, args.precision)
        for path in args.files:
            result = transcriber.transcribe(path)
            text = result.text if not result.no_speech else f"(no speech: {result.reason})"
            print(f"{path}\t{text}\t{result.seconds:.2f} s")
    except AsrError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


def _models(_: argparse.Namespace) -> int:
    short = {v: k for k, v in ALIASES.items()}
    print("| model | short name | size | WER CV | WER FLEURS | WER NST | note |")
    print("|---|---|---|---|---|---|---|")
    for info in KNOWN_MODELS.values():
        cells = [info.wer_common_voice, info.wer_fleurs, info.wer_nst]
        wers = " | ".join("" if w is None else f"{w:g}" for w in cells)
        print(f"| {info.repo} | {short.get(info.repo, '')} | {info.size} | {wers} | {info.note} |")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m asr", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("transcribe", help="transcribe audio files (wav, flac, ogg, mp3...)")
    p.add_argument("files", nargs="+", help="audio files")
    p.add_argument("--model", default=DEFAULT_MODEL, help="short name, hub id or directory")
    p.add_argument("--backend", default="auto", choices=["auto", "transformers", "ctranslate2"])
    p.add_argument("--device", default="auto", help="cpu, cuda or auto")
    p.add_argument("--precision", default="auto", choices=["auto", "fp32", "fp16", "bf16", "int8"])
    p.set_defaults(run=_transcribe)
    p = commands.add_parser("models", help="list the known models and their Swedish WER")
    p.set_defaults(run=_models)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
