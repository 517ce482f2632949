"""Säg det! in the browser: the Gradio app over the `game` and `asr` packages.

- `context`: what handlers share (decks, model, options, served files)
- `play`, `decks`: the handlers, plain functions of a `Context` and one player's inputs
- `screen`, `render`: what a step shows; `text`: every string in English and Swedish
- `layout`: the components; `wiring`: the events

`build_demo(decks, model, options)` builds the Blocks without launching, so tests can drive it
with a fake transcriber; `app.py` is the entry point a Space runs.
"""

from __future__ import annotations

import atexit

import gradio as gr

import game
from game.library import DeckLibrary
from ui.context import AppOptions, Context, Model, load_decks
from ui.layout import build_layout
from ui.wiring import wire

__all__ = ["AppOptions", "Context", "Model", "build_demo", "load_decks"]


def build_demo(
    decks: dict[str, game.Deck] | DeckLibrary, model: Model, options: AppOptions
) -> gr.Blocks:
    """The whole app. `model` may be loading still, failed, or a fake in tests."""
    ctx = Context.create(decks, model, options)
    atexit.register(ctx.classes.close)  # answers still queued for a class are written first
    # Gradio's cache holds every recording and upload: files older than a day go, checked hourly.
    with gr.Blocks(title="Säg det!", delete_cache=(3600, 86_400)) as demo:
        wire(demo, ctx, build_layout(ctx))
    return demo
