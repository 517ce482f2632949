"""The page: phone first (picture, prompt and microphone in the first screenful), then desktop.

`build_layout` only places components and returns them as a `Layout`; `ui.wiring` connects them
to the handlers. Every string goes through `I18N`, so the page speaks the browser's language.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import gradio as gr
from gradio.components import Component

from ui.context import Context
from ui.screen import Reply, Screen
from ui.text import I18N

STORAGE_KEY = "sag-det-progress"
UPLOADS_KEY = "sag-det-uploads"
PREFS_KEY = "sag-det-settings"
SEAT_KEY = "sag-det-class"


@dataclass
class Layout:
    browser: gr.BrowserState  # the game state, mirrored into the browser's storage
    mine: gr.BrowserState  # tokens of the decks this browser uploaded
    prefs: gr.BrowserState  # the learner's settings (language)
    seat: gr.BrowserState  # the class this browser joined: code, name, rejoin token
    student: gr.State  # the class-mode student playing in this tab, if any
    tabs: gr.Tabs
    stored: gr.State
    uploaded: gr.State
    pending: gr.State  # a finished card kept on screen until "Next" (manual next)
    answered: gr.State  # the card the feedback speaks of, for "Listen"
    progress: gr.HTML
    play_box: gr.Column
    picture: gr.Image
    answer_box: gr.Column  # the microphones: shown while a card waits and recognition works
    mic: gr.Audio  # press to record, stop to answer
    live: gr.Audio  # hands-free: streamed, the answer ends when the learner stops talking
    listener: gr.State  # the hands-free listener of this tab (ui.handsfree.Hearing)
    quiet: gr.State  # until when the listener is deaf: "Listen" is playing the word
    listen_timer: gr.Timer  # ends an answer whose pieces stopped coming (ui.handsfree.tick)
    ready: gr.State  # changes when the listener has something to show (ui.handsfree.show)
    mode: gr.Radio
    feedback: gr.HTML
    controls: gr.Column
    typed: gr.Textbox
    hint_btn: gr.Button
    listen_btn: gr.Button
    skip_btn: gr.Button
    next_btn: gr.Button
    spoken: gr.Audio
    summary_box: gr.Column
    summary: gr.HTML
    points_plot: gr.BarPlot
    accuracy_plot: gr.LinePlot
    again_btn: gr.Button
    practise_btn: gr.Button
    deck_key: gr.Dropdown
    auto: gr.Checkbox
    language: gr.Radio
    reset_btn: gr.Button
    credits: gr.HTML
    status: gr.Markdown
    deck_files: gr.File
    deck_name: gr.Textbox
    check_btn: gr.Button
    report: gr.Markdown
    save_btn: gr.Button
    class_code: gr.Textbox
    student_name: gr.Textbox
    student_pin: gr.Textbox
    join_btn: gr.Button
    joined: gr.Markdown
    new_class: gr.Textbox
    new_class_decks: gr.Dropdown
    create_btn: gr.Button
    created: gr.Markdown
    dash_code: gr.Textbox
    dash_key: gr.Textbox
    dash_btn: gr.Button
    dash_head: gr.Markdown
    dash_students: gr.Dataframe
    dash_words: gr.Dataframe
    show_board: gr.Checkbox
    dash_board: gr.Dataframe
    export_btn: gr.Button
    export_file: gr.File
    dash_timer: gr.Timer
    link_code: gr.Textbox
    class_line: gr.Markdown  # a class student's class, name and PIN, above every tab
    made_class: gr.State  # the class just made here: its code and key, to open its dashboard
    dash_grid: gr.Dataframe  # each student, each word
    dash_pupil: gr.Dropdown  # the student a teacher's action is for
    pin_btn: gr.Button
    pin_said: gr.Markdown
    end_btn: gr.Button
    delete_sure: gr.Checkbox
    delete_btn: gr.Button
    manage_said: gr.Markdown

    def outputs(self, reply: type[Reply]) -> list[Component]:
        """The components a handler's `reply` fills, in the order of its values: by the names
        of its fields (`Reply.names`)."""
        return [getattr(self, name) for name in reply.names()]

    @property
    def screen(self) -> list[Component]:
        """What every play step returns (`ui.screen.Screen`)."""
        return self.outputs(Screen)


def build_layout(ctx: Context) -> Layout:
    """Place the components (inside an open `gr.Blocks`)."""
    parts: dict[str, Any] = {}
    secret = ctx.options.secret
    parts["browser"] = gr.BrowserState({}, storage_key=STORAGE_KEY, secret=secret)
    parts["mine"] = gr.BrowserState({}, storage_key=UPLOADS_KEY, secret=secret)
    parts["prefs"] = gr.BrowserState({"lang": ""}, storage_key=PREFS_KEY, secret=secret)
    parts["seat"] = gr.BrowserState({}, storage_key=SEAT_KEY, secret=secret)
    for name in ("stored", "uploaded"):
        parts[name] = gr.State({})
    for name in ("pending", "answered", "student", "listener"):
        parts[name] = gr.State(None)
    parts["quiet"] = gr.State(0.0)
    parts["ready"] = gr.State(0)
    parts["link_code"] = gr.Textbox(visible=False)  # ?class=CODE of a join link
    parts["made_class"] = gr.State(None)
    gr.HTML("<h1>Säg det!</h1>", elem_id="title", padding=False)
    parts["class_line"] = gr.Markdown(elem_id="class-line")
    with gr.Tabs() as tabs:
        with gr.Tab(I18N("tab_play"), id="play"):
            parts |= _play(ctx)
        with gr.Tab(I18N("tab_class"), id="class"):
            parts |= _class(ctx)
        with gr.Tab(I18N("tab_decks"), id="decks"):
            parts |= _decks()
    parts["tabs"] = tabs
    return Layout(**{f.name: parts[f.name] for f in fields(Layout)})


def _play(ctx: Context) -> dict[str, Any]:
    parts: dict[str, Any] = {"progress": gr.HTML(padding=False)}
    with gr.Column() as play_box:
        parts["picture"] = gr.Image(
            type="filepath", show_label=False, interactive=False, elem_id="picture",
            buttons=["fullscreen"],  # no download: the file would name the answer
        )  # fmt: skip
        with gr.Column(visible=not ctx.model.failed) as answer_box:
            # Paths, decoded by `asr` (soundfile, then PyAV): Gradio's own decoding needs
            # ffmpeg and fails before the handler, where no message can be given.
            parts["live"] = gr.Audio(sources=["microphone"], streaming=True, type="filepath",
                                     label=I18N("mic_free"), elem_id="live")  # fmt: skip
            parts["listen_timer"] = gr.Timer(1.0, active=False)
            parts["mic"] = gr.Audio(sources=["microphone", "upload"], type="filepath",
                                    label=I18N("mic_press"), elem_id="mic",
                                    visible=False)  # fmt: skip
        parts["answer_box"] = answer_box
    parts["play_box"] = play_box
    # The verdict stays in view when the round is over, above the summary.
    parts["feedback"] = gr.HTML(padding=False, elem_id="feedback")
    with gr.Column() as controls:
        # gradio translates the button's text as it does every label; its annotation says str
        parts["typed"] = gr.Textbox(label=I18N("typed"), placeholder=I18N("typed_placeholder"),
                                    submit_btn=I18N("answer"))  # type: ignore[arg-type]  # fmt: skip
        with gr.Row(equal_height=True):
            parts["hint_btn"] = gr.Button(I18N("hint"), min_width=70)
            parts["listen_btn"] = gr.Button(I18N("listen"), min_width=70, visible=False)
            parts["skip_btn"] = gr.Button(I18N("skip"), min_width=70)
            parts["next_btn"] = gr.Button(I18N("next"), variant="primary", visible=False,
                                          min_width=70)  # fmt: skip
        # Rendered (a hidden component never is, and would never play), and small.
        parts["spoken"] = gr.Audio(autoplay=True, show_label=False, interactive=False,
                                   elem_id="listen-audio", buttons=[])  # fmt: skip
    parts["controls"] = controls
    parts |= _summary()
    parts |= _settings(ctx)
    return parts


def _summary() -> dict[str, Any]:
    parts: dict[str, Any] = {}
    with gr.Column(visible=False) as summary_box:
        parts["summary"] = gr.HTML()
        with gr.Row():
            parts["again_btn"] = gr.Button(I18N("play_again"), variant="primary")
            parts["practise_btn"] = gr.Button(I18N("practise"))
        with gr.Row():
            parts["points_plot"] = gr.BarPlot(x="word", y="points", color="result", height=240,
                                              show_label=False)  # fmt: skip
            parts["accuracy_plot"] = gr.LinePlot(x="card", y="accuracy", y_lim=[0, 100],
                                                 height=240, show_label=False)  # fmt: skip
    parts["summary_box"] = summary_box
    return parts


def _settings(ctx: Context) -> dict[str, Any]:
    names = ctx.menu({})  # at build time only; every page load reads the library again
    parts: dict[str, Any] = {
        "deck_key": gr.Dropdown(names, value=names[0], label=I18N("deck"), elem_id="deck-menu")
    }
    with gr.Accordion(I18N("settings"), open=False):
        parts["mode"] = gr.Radio([(I18N("mode_free"), "free"), (I18N("mode_press"), "press")],
                                 value="free", label=I18N("mode"))  # fmt: skip
        parts["auto"] = gr.Checkbox(True, label=I18N("auto_next"))
        parts["language"] = gr.Radio(
            [(I18N("lang_auto"), ""), ("English", "en"), ("Svenska", "sv")],
            value="", label=I18N("language"),
        )  # fmt: skip
        parts["reset_btn"] = gr.Button(I18N("reset"), variant="stop")
    parts["credits"] = gr.HTML(padding=False)
    with gr.Accordion(I18N("operator"), open=False):
        parts["status"] = gr.Markdown()  # said in the page's language on load (ui.wiring)
    return parts


def _class(ctx: Context) -> dict[str, Any]:
    """Students join with a code (or a link); teachers make a class, watch it live and run it."""
    parts: dict[str, Any] = {}
    with gr.Group():
        parts["class_code"] = gr.Textbox(label=I18N("class_code"), max_length=12)
        parts["student_name"] = gr.Textbox(label=I18N("student_name"), max_length=40)
        parts["student_pin"] = gr.Textbox(label=I18N("pin"), max_length=8)
        parts["join_btn"] = gr.Button(I18N("join"), variant="primary")
    parts["joined"] = gr.Markdown()
    with gr.Accordion(I18N("teacher"), open=False):
        gr.Markdown(I18N("class_privacy"))
        parts["new_class"] = gr.Textbox(label=I18N("class_name"), max_length=80)
        # every deck the teacher has: everyone's, and their uploads (ui.teacher.deck_choices);
        # a script may name an upload of its session that the menu was never sent, and the
        # handler checks every name itself
        parts["new_class_decks"] = gr.Dropdown(ctx.choices({}), multiselect=True,
                                               allow_custom_value=True,
                                               label=I18N("class_decks"))  # fmt: skip
        parts["create_btn"] = gr.Button(I18N("create_class"))
        parts["created"] = gr.Markdown()
        with gr.Row():
            parts["dash_code"] = gr.Textbox(label=I18N("class_code"), max_length=12)
            parts["dash_key"] = gr.Textbox(label=I18N("teacher_key"), type="password")
        parts["dash_btn"] = gr.Button(I18N("open_dashboard"))
        parts["dash_head"] = gr.Markdown()
        parts["dash_students"] = gr.Dataframe(label=I18N("students"), interactive=False)
        parts["dash_grid"] = gr.Dataframe(label=I18N("each_word"), interactive=False)
        parts["dash_words"] = gr.Dataframe(label=I18N("missed_most"), interactive=False)
        parts["show_board"] = gr.Checkbox(False, label=I18N("show_board"))
        parts["dash_board"] = gr.Dataframe(label=I18N("leaderboard"), interactive=False,
                                           visible=False)  # fmt: skip
        parts["export_btn"] = gr.Button(I18N("export"))
        parts["export_file"] = gr.File(label=I18N("export_file"), interactive=False)
        with gr.Accordion(I18N("manage"), open=False):
            with gr.Row(equal_height=True):
                # the dashboard fills in the students; the handler checks the name itself
                parts["dash_pupil"] = gr.Dropdown([], label=I18N("pupil"),
                                                  allow_custom_value=True)  # fmt: skip
                parts["pin_btn"] = gr.Button(I18N("new_pin"))
            parts["pin_said"] = gr.Markdown()
            with gr.Row(equal_height=True):
                parts["end_btn"] = gr.Button(I18N("end_class"))
                parts["delete_sure"] = gr.Checkbox(False, label=I18N("delete_sure"))
                parts["delete_btn"] = gr.Button(I18N("delete_class"), variant="stop")
            parts["manage_said"] = gr.Markdown()
        parts["dash_timer"] = gr.Timer(5.0, active=False)  # live while a dashboard is open
    return parts


def _decks() -> dict[str, Any]:
    gr.Markdown(I18N("upload_intro"))
    return {
        "deck_files": gr.File(
            file_count="multiple", label=I18N("deck_files"), elem_id="deck-files"
        ),
        "deck_name": gr.Textbox(label=I18N("deck_name"), placeholder=I18N("deck_name_placeholder")),
        "check_btn": gr.Button(I18N("check"), variant="primary"),
        "report": gr.Markdown(elem_id="deck-report"),
        "save_btn": gr.Button(I18N("save"), visible=False),
    }
