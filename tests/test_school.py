"""A school served by `deploy.school`, end to end: nginx, two app replicas, PostgreSQL, the engine.

Everything real, started through the script's Python API as a teacher would start it from the
command line: Debian's nginx and postgresql, faster-whisper-server on the tiny offline model
that hears "hund" (tests/whisper_tiny.py), and `python app.py` twice. Students are
gradio_client Clients, each with its own cookie jar, so nginx keeps each on the replica that
first served it. Then one replica is killed with SIGKILL: the class's records survive in the
database, its students reload onto the other replica and go on, and the supervisor brings the
killed one back; last, a real browser (Chromium) on a replica that is killed reloads and goes on.
Skipped, with the reason, where nginx, postgresql or faster-whisper-server is missing (the
browser test also where chromium or Playwright is).
"""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile
from whisper_tiny import cached_ct2

from deploy.nginx import COOKIE, REPLICA_HEADER
from deploy.school import School, SchoolOptions, free_port, missing
from tests.conftest import png_bytes, voiced
from tests.test_browser import PHONE, TIMEOUT_MS, browser  # noqa: F401 (a fixture)

DECK = "Skolans djur"
WORDS = {"hund": "en", "katt": "en"}  # the tiny model hears "hund" in any voice
TEACHER_KEY = "the-test-teachers-key"
STUDENTS = ("Anna", "Omar", "Lea", "Nils")
OPENED: list = []  # every gradio_client Client of this module, closed at the end


@dataclass
class Student:
    name: str
    client: object  # gradio_client.Client
    route: str  # the replica nginx named in the cookie: r1, r2
    seat: dict = field(default_factory=dict)
    result: tuple = ()  # the last screen the app sent back


def _deck_folder(root: Path) -> Path:
    folder = root / "skolans-djur"
    folder.mkdir(parents=True)
    (folder / "deck.toml").write_text(f'name = "{DECK}"\nlanguage = "sv"\nlicense = "CC0-1.0"\n')
    rows = [f"{word}.png,{word},{article},,," for word, article in WORDS.items()]
    header = "image,answer,article,accept,hint,audio"
    (folder / "items.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    for word, color in zip(WORDS, ("red", "blue"), strict=True):
        (folder / f"{word}.png").write_bytes(png_bytes(color=color))
    return root


@pytest.fixture(scope="module")
def school(whisper_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[School]:
    options = SchoolOptions(
        model=str(cached_ct2(whisper_root, hears="hund")),
        replicas=2,
        port=free_port(),
        host="127.0.0.1",
        decks=_deck_folder(tmp_path_factory.mktemp("decks")),
        teacher_key=TEACHER_KEY,
        engine_threads=1,
        start_timeout=120.0,
    )
    lacks = missing(options)
    if lacks:
        pytest.skip("; ".join(lacks))
    with School(options) as started:
        yield started
        with ThreadPoolExecutor(8) as pool:  # each close waits up to 1 s for its heartbeat
            list(pool.map(lambda c: c.close(), OPENED))


def client(url: str, route: str = ""):
    """A new browser session; with `route`, one that carries that cookie already (a reload)."""
    from gradio_client import Client

    cookies = {COOKIE: route} if route else {}
    OPENED.append(Client(url, verbose=False, httpx_kwargs={"cookies": cookies}))
    return OPENED[-1]


def served_by(url: str, route: str) -> tuple[str, str]:
    """(the replica that answers a page load with this cookie, the cookie nginx sets back)."""
    answer = httpx.get(url, cookies={COOKIE: route} if route else {}, trust_env=False)
    assert answer.status_code == 200
    return answer.headers[REPLICA_HEADER], answer.cookies[COOKIE]


def up_now(result) -> str:
    state = next(v for v in result if isinstance(v, dict) and "round" in v)["round"]
    return state["queue"][state["position"]]


def answer(student: Student, wav: Path | None = None) -> None:
    """The card on screen answered: typed, or spoken (the recording of `wav`)."""
    from gradio_client import handle_file

    if wav is None:
        word = up_now(student.result)
        student.result = student.client.predict(
            f"{WORDS[word]} {word}", DECK, True, api_name="/answer_text"
        )
    else:
        student.result = student.client.predict(
            handle_file(str(wav)), DECK, True, api_name="/answer_audio"
        )


def answers_on_dashboard(url: str, code: str, expected: int, route: str = "") -> dict[str, int]:
    """Answers per student on the dashboard, once `expected` are recorded (they are written in
    the background, just after the verdict)."""
    teacher = client(url, route)
    deadline = time.monotonic() + 10
    while True:
        _, table, *_ = teacher.predict(code, TEACHER_KEY, api_name="/class_results")
        counts = {row[0]: row[2] for row in table["data"]}
        if sum(counts.values()) >= expected or time.monotonic() > deadline:
            return counts
        time.sleep(0.2)


@pytest.fixture(scope="module")
def played(school: School, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[Student]]:
    """A class made through the proxy; four students join and answer both cards, one by voice."""
    url = school.url
    teacher = client(url)
    made = teacher.predict("7B", [DECK], api_name="/create_class")
    code = re.search(r"Join code: \*\*(\w+)\*\*", made).group(1)
    assert f"{url}?class={code}" in made  # the link names the proxy, not a replica
    wav = tmp_path_factory.mktemp("said") / "hund.wav"
    soundfile.write(wav, np.concatenate([np.zeros(8000), voiced(1.0), np.zeros(8000)]), 16_000)
    students = []
    for name in STUDENTS:
        c = client(url)
        student = Student(name, c, c.cookies[COOKIE])
        student.result = c.predict(code, name, api_name="/join_class")
        student.seat = next(v for v in student.result if isinstance(v, dict) and "token" in v)
        students.append(student)
    speaker = students[0]
    for student in students:
        for _ in WORDS:
            spoken = student is speaker and up_now(student.result) == "hund"
            answer(student, wav if spoken else None)
    return code, students


def test_the_proxy_serves_the_page_and_gradio_events(school: School) -> None:
    page = httpx.get(school.url, trust_env=False)
    assert page.status_code == 200 and "<html" in page.text.lower()
    replica = page.headers[REPLICA_HEADER]
    assert page.cookies[COOKIE] == replica and replica in ("r1", "r2")
    assert "HttpOnly" in page.headers["set-cookie"] and "SameSite=Lax" in page.headers["set-cookie"]
    # Gradio's REST protocol: a call, then its result as server-sent events, on one replica.
    with httpx.Client(base_url=school.url, cookies={COOKIE: replica}, trust_env=False) as http:
        called = http.post("/gradio_api/call/class_results", json={"data": ["NOCODE", "x"]})
        event = called.json()["event_id"]
        with http.stream("GET", f"/gradio_api/call/class_results/{event}") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            assert stream.headers[REPLICA_HEADER] == replica
            events = [line for line in stream.iter_lines() if line.startswith("event:")]
    assert events and events[-1] == "event: error"  # no such class: told as an event
    # An upload past nginx's default limit of 1 MB (a deck zip may be up to 100 MB).
    big = {"files": ("deck.zip", os.urandom(5 * 2**20), "application/zip")}
    uploaded = httpx.post(f"{school.url}gradio_api/upload", files=big, trust_env=False)
    assert uploaded.status_code == 200 and uploaded.json()[0].endswith("deck.zip")


def test_students_on_both_replicas_and_the_dashboard_shows_every_answer(school, played) -> None:
    code, students = played
    assert {s.route for s in students} == {"r1", "r2"}  # new browsers are spread
    for student in students:  # and each stays where it landed
        assert served_by(school.url, student.route) == (student.route, student.route)
    counts = answers_on_dashboard(school.url, code, len(STUDENTS) * len(WORDS))
    assert counts == {name: len(WORDS) for name in STUDENTS}
    export = client(school.url)
    path = export.predict(code, TEACHER_KEY, api_name="/export_class")
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"))))
    assert len(rows) == len(STUDENTS) * len(WORDS)
    spoken = [r for r in rows if r["typed"] == "no"]
    assert [(r["student"], r["heard"]) for r in spoken] == [(STUDENTS[0], "hund")]


def test_a_killed_replica_loses_no_record_and_its_students_go_on(school, played) -> None:
    code, students = played
    killed = students[0].route
    survivor = next(s.route for s in students if s.route != killed)
    child = school.replicas[int(killed[1:]) - 1]
    old_pid = child.pid
    os.kill(old_pid, signal.SIGKILL)
    child.process.wait(timeout=5)
    before = len(STUDENTS) * len(WORDS)
    assert answers_on_dashboard(school.url, code, before, killed) == {
        name: len(WORDS) for name in STUDENTS
    }  # the cookie names the dead replica: the other one answers
    moved = [s for s in students if s.route == killed]
    for student in moved:  # a reload: the old cookie, answered by the survivor, a new cookie
        assert served_by(school.url, killed) == (survivor, survivor)
        student.client, student.route = client(school.url, survivor), survivor
        student.result = student.client.predict(
            code, student.name, "", DECK, student.seat, api_name="/join_class"
        )
        assert "Welcome back" in student.result[0]
        answer(student)
    counts = answers_on_dashboard(school.url, code, before + len(moved))
    assert counts == {s.name: len(WORDS) + (s in moved) for s in students}
    # The supervisor starts the killed replica again; nginx sends its cookie there once it is
    # back, and the students who moved stay where they are.
    deadline = time.monotonic() + 60
    while served_by(school.url, killed)[0] != killed:
        assert time.monotonic() < deadline, f"replica {killed} did not come back"
        time.sleep(0.5)
    assert child.restarts == 1 and child.pid != old_pid
    assert served_by(school.url, survivor)[0] == survivor
    assert answers_on_dashboard(school.url, code, before + len(moved), killed) == counts


def answers_by_picture(decks: Path) -> dict[str, str]:
    """The answer to every picture the replicas serve, by the picture's served name (the start
    of its content's hash): the default decks' and the school's."""
    import app
    from ui.files import digest

    served = app.load_decks(app.DEFAULT_DECKS, decks).values()
    return {
        digest(c.image): f"{c.article} {c.answer}".strip()
        for d in served
        for c in d.cards
        if c.image
    }


def type_answer(page, answers: dict[str, str]) -> None:
    from playwright.sync_api import expect

    src = page.locator("#picture img").get_attribute("src")
    box = page.get_by_label("No microphone? Type it")
    box.fill(next(said for name, said in answers.items() if name in src))
    box.press("Enter")
    expect(page.locator("#feedback .feedback")).to_contain_text("Right")


def route_of(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == COOKIE)


def test_a_browser_on_a_dying_replica_reloads_onto_the_other_and_goes_on(
    school,
    played,
    browser,  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    code, _ = played
    answers = answers_by_picture(school.options.decks)
    before = sum(answers_on_dashboard(school.url, code, 0).values())
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{school.url}?class={code}")
    page.get_by_label("Your name").fill("Maja")
    page.get_by_role("button", name="Join the class").click()
    page.locator("#picture img").wait_for()
    type_answer(page, answers)
    killed = route_of(context)
    child = school.replicas[int(killed[1:]) - 1]
    os.kill(child.pid, signal.SIGKILL)
    child.process.wait(timeout=5)
    page.reload()  # the session on the dead replica is gone; the browser's storage is not
    # The seat, kept in the browser under the shared secret, opens on the other replica: the
    # page stays on Play (the join link in the address is this browser's own class), the class
    # line is back, and the Class tab welcomes the student back with their points.
    expect(page.locator("#picture img")).to_be_visible()
    expect(page.get_by_text("Maja · PIN")).to_be_visible()
    assert route_of(context) != killed
    page.get_by_role("tab", name="Class").click()
    expect(page.get_by_text("Welcome back: 10 points so far.")).to_be_visible()
    page.get_by_role("tab", name="Play").click()
    page.locator("#picture img").wait_for()
    type_answer(page, answers)
    counts = answers_on_dashboard(school.url, code, before + 2)
    assert counts["Maja"] == 2 and sum(counts.values()) == before + 2
    context.close()
