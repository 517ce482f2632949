"""Command line for teachers: `python -m game check PATH...`, `python -m game import-anki`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from game.deck import DeckError, load_deck


def check(paths: list[Path], pronunciation: bool = False) -> int:
    """Validate decks; print a summary or the problems of each. 1 if any deck is invalid.
    With `pronunciation`, also what Listen says against the Swedish lexicon (advice only)."""
    lexicon = None
    if pronunciation:
        from game.lexicon import Lexicon

        lexicon = Lexicon.installed()
        if lexicon is None:
            print("! the Swedish lexicon is not installed: pip install gruut-lang-sv==2.0.1")
    failed = 0
    for path in paths:
        try:
            deck = load_deck(path)
        except DeckError as e:
            failed += 1
            print(f"✗ {e}")
            continue
        print(f"✓ {path}: {deck.name!r}, {len(deck.cards)} cards")
        for warning in deck.warnings:
            print(f"  ! {warning}")
        if lexicon is not None:
            from game import voice
            from game.lexicon import advice

            for line in advice(deck, lexicon, voice.spoken_ipa):
                print(f"  ? {line}")
    if len(paths) > 1:
        print(f"{len(paths) - failed} of {len(paths)} decks are valid.")
    return 1 if failed else 0


def _field(value: str | None) -> str | int | None:
    """A note field named on the command line: a name, or a 0-based number."""
    return int(value) if value is not None and value.isdigit() else value


def import_anki(
    apkg: Path,
    out_dir: Path,
    answer_field: str | None,
    name: str | None,
    pronunciation_field: str | None = None,
) -> int:
    from game.anki import AnkiImportError
    from game.anki import import_anki as run_import

    try:
        result = run_import(
            apkg,
            out_dir,
            answer_field=_field(answer_field),
            name=name,
            pronunciation_field=_field(pronunciation_field),
        )
    except AnkiImportError as e:
        print(f"✗ {e}")
        return 1
    print(
        f"✓ wrote {result.cards} card{'s' if result.cards != 1 else ''} to {result.deck_dir} "
        f"(note fields: {', '.join(result.fields)})"
    )
    for line in result.skipped:
        print(f"  - skipped {line}")
    return check([result.deck_dir])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m game", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    p_check = commands.add_parser("check", help="validate deck folders and list every problem")
    p_check.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="deck folders")
    p_check.add_argument(
        "--pronunciation",
        action="store_true",
        help="compare what Listen says with a Swedish lexicon (needs gruut-lang-sv)",
    )
    p_anki = commands.add_parser("import-anki", help="turn an Anki .apkg into a deck folder")
    p_anki.add_argument("apkg", type=Path, help="the .apkg file (exported from Anki)")
    p_anki.add_argument("out_dir", type=Path, help="the deck folder to create (new or empty)")
    p_anki.add_argument(
        "--answer-field",
        help="the note field with the Swedish word, by name or 0-based number "
        "(default: the first field with text and no picture)",
    )
    p_anki.add_argument(
        "--pronunciation-field",
        help="the note field with how Listen says the word, IPA in [ ] or a respelling "
        "(default: a field named Pronunciation, Uttal or IPA)",
    )
    p_anki.add_argument("--name", help="the deck's name (default: the Anki deck's name)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    if args.command == "check":
        return check(args.paths, args.pronunciation)
    return import_anki(
        args.apkg, args.out_dir, args.answer_field, args.name, args.pronunciation_field
    )


if __name__ == "__main__":
    sys.exit(main())
