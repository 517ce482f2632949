"""Events: which handler each control calls, with which inputs, and under which API name.

Every action has an API name, so a script can play as the README shows; every other event is
private (`api_visibility="private"`: not in the API's docs, not callable by its clients). No
handler that takes a player's state is batched by Gradio (it would fill every state input from
the first player).
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any

import gradio as gr

from ui import classes, decks, handsfree, play, teacher
from ui.context import Context, Prefs, Update, from_browser
from ui.layout import Layout
from ui.screen import Reply
from ui.text import LOAD_JS, SWITCH_JS


def bind(handler: Callable[..., Any], ctx: Context) -> Callable[..., Any]:
    """`handler` with `ctx` filled in, keeping the signature and annotations Gradio reads (a
    `gr.Request` parameter is found by its annotation, which `functools.partial` hides). A
    `Reply` goes to Gradio as its values, in the order of `Layout.outputs`."""
    try:  # Gradio finds `gr.Request` by them: unreadable, it would take that for an input
        typing.get_type_hints(handler)
    except (NameError, TypeError) as e:
        raise TypeError(f"the annotations of {handler.__qualname__} cannot be read") from e

    if inspect.iscoroutinefunction(handler):  # Gradio awaits it on its event loop

        @functools.wraps(handler)
        async def run(*args: Any, **kwargs: Any) -> Any:
            return _given(await handler(ctx, *args, **kwargs))

    else:

        @functools.wraps(handler)
        def run(*args: Any, **kwargs: Any) -> Any:
            return _given(handler(ctx, *args, **kwargs))

    # `inspect.signature` reads `__signature__` first (set through `vars`: typeshed's type of a
    # wrapped function declares no such attribute).
    signature = inspect.signature(handler)
    vars(run)["__signature__"] = signature.replace(
        parameters=list(signature.parameters.values())[1:]
    )
    return run


def _given(reply: object) -> object:
    """What Gradio is given for a handler's reply."""
    return reply.values() if isinstance(reply, Reply) else reply


def wire(demo: gr.Blocks, ctx: Context, ui: Layout) -> None:
    _wire_start(demo, ctx, ui)
    _wire_answers(ctx, ui)
    _wire_round(ctx, ui)
    _wire_decks(ctx, ui)
    _wire_classes(demo, ctx, ui)
    _wire_status(demo, ctx, ui)


def _wire_start(demo: gr.Blocks, ctx: Context, ui: Layout) -> None:
    loaded = demo.load(
        bind(decks.on_load, ctx),
        [ui.browser, ui.deck_key, ui.uploaded, ui.mine, ui.prefs, ui.seat],
        ui.outputs(decks.PageLoad),
        api_name="start",
    )
    menu = loaded.then(bind(decks.deck_menu, ctx), [ui.deck_key, ui.uploaded, ui.prefs],
                       ui.deck_key, api_name="deck_menu")  # fmt: skip
    # the line under the menu, and the decks a teacher can give a class, in the page's language:
    # a menu set to the value it had, or uploads that stay none, is no change
    menu.then(bind(decks.credits, ctx), [ui.deck_key, ui.uploaded, ui.prefs], ui.credits,
              api_visibility="private")  # fmt: skip
    menu.then(bind(teacher.deck_choices, ctx), [ui.uploaded, ui.prefs], ui.new_class_decks,
              api_visibility="private")  # fmt: skip
    demo.load(_language_on_load, ui.prefs, ui.language, js=LOAD_JS, api_visibility="private")
    demo.load(_mode_on_load, ui.prefs, [ui.mode, ui.mic, ui.live], api_visibility="private")
    ui.deck_key.change(bind(decks.credits, ctx), [ui.deck_key, ui.uploaded, ui.prefs], ui.credits,
                       api_visibility="private")  # fmt: skip
    switched = ui.language.input(_choose_language, [ui.language, ui.prefs], ui.prefs,
                                 js=SWITCH_JS, api_visibility="private")  # fmt: skip
    # The deck menu and the line under it follow the new language at once, as the labels do.
    switched.then(bind(decks.deck_menu, ctx), [ui.deck_key, ui.uploaded, ui.prefs], ui.deck_key,
                  api_visibility="private").then(bind(decks.credits, ctx),
                                                 [ui.deck_key, ui.uploaded, ui.prefs], ui.credits,
                                                 api_visibility="private")  # fmt: skip
    switched.then(bind(teacher.deck_choices, ctx), [ui.uploaded, ui.prefs], ui.new_class_decks,
                  api_visibility="private")  # fmt: skip


def _choose_language(choice: str, prefs: Prefs | None) -> Prefs:
    return {**from_browser(prefs), "lang": choice}


def _wire_answers(ctx: Context, ui: Layout) -> None:
    inputs = [ui.stored, ui.deck_key, ui.uploaded, ui.pending, ui.auto, ui.prefs]
    answers = [*inputs, ui.student]  # in a class, judged answers are recorded for it
    ui.typed.submit(bind(play.answer_text, ctx), [ui.typed, *answers],
                    ui.outputs(play.TypedAnswer), api_name="answer_text")  # fmt: skip
    gr.on(
        [ui.mic.stop_recording, ui.mic.upload],
        bind(play.answer_audio, ctx),
        [ui.mic, *answers],
        ui.screen,
        api_name="answer_audio",
        # Answers wait in `asr`'s batcher, not in Gradio: this only caps how many recordings
        # are held in memory at once.
        concurrency_limit=ctx.options.answer_concurrency,
        concurrency_id="model",
    ).then(_cleared, None, ui.mic, api_visibility="private")  # ready to record the next answer
    # Listening has no limit: an open stream keeps its group's slot for as long as it is
    # open, so a limit here would be a limit on open microphones (ui.handsfree).
    ui.live.stream(
        bind(handsfree.hear, ctx),
        [ui.live, ui.listener, ui.quiet],
        [ui.listener, ui.ready],  # the screen is drawn by `show`, not on every piece
        stream_every=0.5,  # seconds per piece: the browser's latency floor for a verdict
        time_limit=None,  # the learner keeps talking card after card
        concurrency_limit=ctx.options.listen_limit,
        concurrency_id="listen",
        api_visibility="private",
    )
    shown = [ui.listener, *answers]
    # `show` and `tick` share a group of their own, without a limit.
    ui.ready.change(bind(handsfree.show, ctx), shown, ui.outputs(handsfree.Shown),
                    concurrency_limit=None, concurrency_id="show",
                    api_visibility="private")  # fmt: skip
    ui.listen_timer.tick(bind(handsfree.tick, ctx), shown, ui.outputs(handsfree.Shown),
                         concurrency_limit=None, concurrency_id="show",
                         api_visibility="private")  # fmt: skip
    ui.mode.input(_choose_mode, [ui.mode, ui.prefs], [ui.prefs, ui.mic, ui.live],
                  api_visibility="private")  # fmt: skip
    # In a class, hints and skips count too: the server keeps its own score (classroom.scoring)
    ui.hint_btn.click(bind(classes.hint, ctx), answers, ui.screen, api_name="hint")
    ui.skip_btn.click(bind(classes.skip, ctx), answers, ui.screen, api_name="skip")
    ui.listen_btn.click(
        bind(play.listen, ctx),
        [ui.stored, ui.deck_key, ui.uploaded, ui.pending, ui.answered, ui.prefs],
        [ui.spoken, ui.quiet],
        api_name="listen",
    )


def _cleared() -> None:
    """An empty microphone, ready for the next recording."""
    return None


def _choose_mode(mode: str, prefs: Prefs | None) -> tuple[Prefs, Update, Update]:
    """Hands-free (streamed, ends on silence) or press to record; kept in the browser."""
    free = mode != "press"
    prefs = {**from_browser(prefs), "mode": mode}
    return prefs, gr.update(visible=not free), gr.update(visible=free)


# The settings kept in the browser may hold anything (a player can edit them); a value outside
# a radio's choices is an error in the browser, so an unknown one is the default.
def _mode_on_load(prefs: Prefs | None) -> tuple[str, Update, Update]:
    mode = from_browser(prefs).get("mode", "free")
    mode = mode if mode in ("free", "press") else "free"
    _, mic, live = _choose_mode(mode, prefs)
    return mode, mic, live


def _language_on_load(prefs: Prefs | None) -> str:
    lang = from_browser(prefs).get("lang", "")
    return lang if lang in ("en", "sv") else ""


def _wire_round(ctx: Context, ui: Layout) -> None:
    common = [ui.stored, ui.deck_key, ui.uploaded, ui.prefs]
    ui.deck_key.input(bind(play.begin, ctx), common, ui.screen, api_name="change_deck")
    ui.again_btn.click(bind(play.begin, ctx), common, ui.screen, api_name="new_round")
    ui.practise_btn.click(bind(play.practise, ctx), common, ui.screen, api_name="practise_missed")
    ui.next_btn.click(bind(play.next_card, ctx), common, ui.screen, api_name="next")
    ui.reset_btn.click(bind(play.reset, ctx), [ui.deck_key, ui.uploaded, ui.prefs], ui.screen,
                       api_name="reset_progress")  # fmt: skip


def _wire_decks(ctx: Context, ui: Layout) -> None:
    uploaded = ui.check_btn.click(
        bind(decks.upload, ctx),
        [ui.deck_files, ui.deck_name, ui.uploaded, ui.prefs],
        [ui.report, ui.uploaded, ui.deck_key, ui.save_btn],
        api_name="upload_deck",
    )
    uploaded.then(bind(decks.remember, ctx), [ui.deck_key, ui.uploaded, ui.mine], ui.mine,
                  api_visibility="private")  # fmt: skip
    uploaded.then(bind(play.play_deck, ctx), [ui.stored, ui.deck_key, ui.uploaded, ui.prefs],
                  ui.screen, api_visibility="private")  # fmt: skip
    ui.save_btn.click(bind(decks.save_for_everyone, ctx), [ui.deck_key, ui.uploaded, ui.prefs],
                      ui.report,
                      api_name="save_deck")  # fmt: skip


def _wire_classes(demo: gr.Blocks, ctx: Context, ui: Layout) -> None:
    linked = demo.load(
        classes.link_code,
        [ui.class_code, ui.link_code, ui.seat],
        [ui.class_code, ui.tabs],
        js="(code, _, seat) => [code, new URLSearchParams(location.search).get('class') || '', "
        "seat]",
        api_visibility="private",
    )
    # after the link: the code it gave stays in the field
    linked.then(bind(classes.rejoin, ctx), [ui.seat, ui.prefs, ui.class_code],
                [ui.student, ui.joined, ui.seat, ui.class_line, ui.class_code, ui.student_name],
                api_visibility="private")  # fmt: skip
    ui.join_btn.click(
        bind(classes.join_class, ctx),
        [ui.class_code, ui.student_name, ui.student_pin, ui.stored, ui.deck_key, ui.uploaded,
         ui.seat, ui.prefs, ui.mine],
        ui.outputs(classes.Joined),
        api_name="join_class",
    )  # fmt: skip
    _wire_teacher(ctx, ui)


def _wire_teacher(ctx: Context, ui: Layout) -> None:
    """A class on any deck the teacher has, its dashboard at once, and its controls."""
    ui.uploaded.change(bind(teacher.deck_choices, ctx), [ui.uploaded, ui.prefs],
                       ui.new_class_decks, api_visibility="private")  # fmt: skip
    dashboard = ui.outputs(teacher.Dashboard)
    results = bind(teacher.class_results, ctx)
    made = ui.create_btn.click(bind(teacher.create_class, ctx),
                               [ui.new_class, ui.new_class_decks, ui.uploaded, ui.prefs],
                               [ui.created, ui.made_class], api_name="create_class")  # fmt: skip
    made.then(bind(teacher.open_new_class, ctx), [ui.made_class, ui.prefs],
              ui.outputs(teacher.Opened), api_visibility="private")  # fmt: skip
    key, lang = [ui.dash_code, ui.dash_key], [ui.prefs]
    ui.dash_btn.click(results, [*key, *lang], dashboard, api_name="class_results")
    ui.dash_timer.tick(results, [*key, *lang], dashboard, api_visibility="private")
    ui.show_board.change(_shown, ui.show_board, ui.dash_board, api_visibility="private")
    ui.export_btn.click(bind(teacher.export_class, ctx), [*key, *lang], ui.export_file,
                        api_name="export_class")  # fmt: skip
    ui.pin_btn.click(bind(teacher.new_pin, ctx), [*key, ui.dash_pupil, *lang], ui.pin_said,
                     api_name="new_pin")  # fmt: skip
    ended = ui.end_btn.click(bind(teacher.end_class, ctx), [*key, *lang], ui.manage_said,
                             api_name="end_class")  # fmt: skip
    ended.then(results, [*key, *lang], dashboard, api_visibility="private")
    ui.delete_btn.click(bind(teacher.delete_class, ctx), [*key, ui.delete_sure, *lang],
                        ui.outputs(teacher.Deleted), api_name="delete_class")  # fmt: skip


def _shown(show: bool) -> Update:
    return gr.update(visible=show)


def _wire_status(demo: gr.Blocks, ctx: Context, ui: Layout) -> None:
    """The operator's status in the page's language, on every load; while the model loads, the
    status and the microphone once it is ready."""
    model = ctx.model

    def status(prefs: Prefs | None, request: gr.Request | None = None) -> str:
        return model.status(play.lang_of(prefs, request))

    def loading(prefs: Prefs | None,
                request: gr.Request | None = None) -> tuple[str, Update, gr.Timer]:  # fmt: skip
        return (status(prefs, request), gr.update(visible=not model.failed),
                gr.Timer(active=model.loading))  # fmt: skip

    demo.load(status, ui.prefs, ui.status, api_visibility="private")
    timer = gr.Timer(1.0, active=model.loading)
    timer.tick(loading, ui.prefs, [ui.status, ui.answer_box, timer], api_visibility="private")
