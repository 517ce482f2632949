"""Säg det! in the browser: a thin Gradio layer over the `game` package.

Run `python app.py`. For now the learner types the Swedish word; spoken answers arrive with the
`asr` package. `build_demo()` builds the Blocks without launching, so tests can drive it.
"""

from __future__ import annotations

import argparse
import html
import logging
import os
import random
import re
from pathlib import Path

import gradio as gr

import game

log = logging.getLogger(__name__)

ASSETS = Path(__file__).parent / "assets"
DEFAULT_DECKS = ASSETS / "decks"
COLOURS = {"correct": "#1b7f3b", "close": "#b36b00", "wrong": "#b3261e", "no_speech": "#555"}


def load_decks(*roots: Path) -> dict[str, game.Deck]:
    """Every valid deck under `roots`, by name; invalid ones are logged and left out."""
    decks: dict[str, game.Deck] = {}
    for path in game.find_decks(*roots):
        try:
            deck = game.load_deck(path)
        except game.DeckError as e:
            log.error("%s", e)
            continue
        decks.setdefault(deck.name, deck)
    return decks


def build_demo(decks: dict[str, game.Deck]) -> gr.Blocks:
    names = sorted(decks)
    if not names:
        raise SystemExit("No valid deck found: check the decks folder with `python -m game check`.")

    def view(stored: dict, deck_name: str, message: str = "", verdict: str = ""):
        deck = decks[deck_name]
        state = game.from_dict(stored)
        card = game.current_card(state, deck)
        result = game.summary(state)
        score = f"**Score** {result.score} · **streak** {state.round.streak if state.round else 0}"
        if state.round:
            score += f" · card {min(state.round.position + 1, len(state.round.queue))}"
            score += f" of {len(state.round.queue)}"
        if card is None:
            practise = ", ".join(deck.card(c).display for c in result.to_practise if deck.card(c))
            message += (
                f"\n\n### Round over: {result.accuracy:.0%} right, {result.score} points."
                + (f"\n\nWords to practise: {practise}" if practise else "")
            )
        colour = COLOURS.get(verdict, "inherit")
        feedback = f"<div style='color:{colour};font-size:1.2em'>{_html(message)}</div>"
        image = str(card.image) if card and card.image else None
        return stored, image, feedback, score

    def new_round(stored: dict | None, deck_name: str):
        deck = decks[deck_name]
        state = game.fit_to_deck(game.from_dict(stored), deck)
        state = game.start_round(state, deck, seed=random.randrange(2**32))
        return view(game.to_dict(state), deck_name, "What is this in Swedish?")

    def step(action, stored: dict, deck_name: str, *args):
        deck = decks[deck_name]
        state = game.fit_to_deck(game.from_dict(stored), deck)
        state, feedback = action(state, deck, *args)
        verdict = feedback.judgement.verdict.value if feedback.judgement else ""
        return view(game.to_dict(state), deck_name, feedback.message, verdict)

    def on_answer(text: str, stored: dict, deck_name: str):
        return (*step(_typed_answer, stored, deck_name, text), "")

    with gr.Blocks(title="Säg det!") as demo:
        gr.Markdown("# Säg det!\nSay (for now: type) the Swedish word for the picture.")
        stored = gr.State({})
        deck_name = gr.Dropdown(names, value=names[0], label="Deck")
        picture = gr.Image(type="filepath", label="Picture", height=360, interactive=False)
        feedback = gr.HTML(label="Feedback")
        score = gr.Markdown(label="Score")
        typed = gr.Textbox(label="Your answer", placeholder="en hund")
        with gr.Row():
            submit = gr.Button("Answer", variant="primary")
            hint_button = gr.Button("Hint")
            skip_button = gr.Button("Skip")
            again = gr.Button("New round")
        credits = gr.Markdown(_credits(decks[names[0]]))
        deck_name.change(lambda name: _credits(decks[name]), deck_name, credits, api_name=False)
        outputs = [stored, picture, feedback, score]
        demo.load(new_round, [stored, deck_name], outputs, api_name="start")
        deck_name.change(new_round, [stored, deck_name], outputs, api_name="change_deck")
        again.click(new_round, [stored, deck_name], outputs, api_name="new_round")
        gr.on(
            [submit.click, typed.submit],
            on_answer,
            [typed, stored, deck_name],
            [*outputs, typed],
            api_name="answer",
        )
        hint_button.click(
            lambda s, d: step(game.hint, s, d), [stored, deck_name], outputs, api_name="hint"
        )
        skip_button.click(
            lambda s, d: step(game.skip, s, d), [stored, deck_name], outputs, api_name="skip"
        )
    return demo


def _credits(deck: game.Deck) -> str:
    parts = [deck.description, deck.attribution]
    return "<small>" + html.escape(" · ".join(p for p in parts if p)) + "</small>"


def _typed_answer(state: game.GameState, deck: game.Deck, text: str):
    return game.answer(state, deck, text, typed=True)


def _html(markdown_text: str) -> str:
    """Learner feedback marks Swedish words with *asterisks*; show them in bold."""
    escaped = html.escape(markdown_text).replace("\n", "<br>")
    return re.sub(r"\*([^*]+)\*", r"<b>\1</b>", escaped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--decks", type=Path, default=os.environ.get("SAGDET_DECKS"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    roots = [DEFAULT_DECKS, *([args.decks] if args.decks else [])]
    build_demo(load_decks(*roots)).launch()


if __name__ == "__main__":
    main()
