"""The remote backend against real servers: faster-whisper-server, and tiny scripted ones.

faster-whisper-server (requirements-dev.txt) serves the tiny offline "hund" model from
tests/whisper_tiny.py on a loopback port, so the whole path runs: WAV encoding, multipart, the
server's decoder, JSON back. Failure modes (5xx, 4xx, nonsense, a hung engine) come from a small
`http.server` in a thread that answers from a script. Requests are counted with an httpx event
hook on the backend's own client: nothing of the HTTP layer is replaced.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import http.server
import importlib.util
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile
from whisper_tiny import cached_ct2

import asr
from asr import EngineUnavailable
from asr.remote import RemoteBackend, normalise_url
from tests.conftest import voiced

SERVER_DEADLINE = 60.0  # seconds for faster-whisper-server to answer /health
SILENCE = np.zeros(16_000, dtype=np.float32)


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def counted(backend: RemoteBackend) -> list[str]:
    """The URLs of every request the backend sends from now on, retries included."""
    sent: list[str] = []
    backend.client.event_hooks["request"].append(lambda request: sent.append(str(request.url)))
    return sent


# faster-whisper-server ------------------------------------------------------------------------


def _server_config(model_dir: Path, path: Path) -> Path:
    # Config mode, because the tiny model needs `without_timestamps`: its vocabulary has no
    # timestamp tokens, and with timestamps on faster-whisper emits a stray byte first (") hund").
    # The server reads the form field `model_name` (default "whisper-1") and ignores the OpenAI
    # field `model`, so the one model is named "whisper-1".
    config = {
        "models": [
            {
                "name": "whisper-1",
                "path": str(model_dir),
                "model_options": {"device": "cpu", "compute_type": "int8", "cpu_threads": 1},
                "transcribe_options": {"without_timestamps": True, "beam_size": 1},
            }
        ]
    }
    path.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    return path


def _wait_for_health(url: str, process: subprocess.Popen) -> str | None:
    """None once /health answers; otherwise why not."""
    deadline = time.monotonic() + SERVER_DEADLINE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return f"exited with {process.returncode}"
        try:
            if httpx.get(f"{url}/health", timeout=1.0, trust_env=False).is_success:
                return None
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return f"did not answer /health within {SERVER_DEADLINE:.0f} s"


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def engine_url(whisper_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a faster-whisper-server on 127.0.0.1 serving a model that hears "hund"."""
    if importlib.util.find_spec("faster_whisper_server") is None:
        pytest.skip("faster-whisper-server is not installed (pip install -r requirements-dev.txt)")
    folder = tmp_path_factory.mktemp("engine")
    config = _server_config(cached_ct2(whisper_root, hears="hund"), folder / "models.yaml")
    port = free_port()
    log_path = folder / "server.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "faster_whisper_server", "--config", str(config)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "info"]
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        problem = _wait_for_health(url, process)
        if problem:
            tail = log_path.read_text(errors="replace")[-2000:]
            pytest.skip(f"faster-whisper-server {problem}; its log ends:\n{tail}")
        yield url
    finally:
        _stop(process)


@pytest.fixture
def engine(engine_url: str) -> Iterator[RemoteBackend]:
    backend = RemoteBackend(engine_url, "remote-test", retries=0)
    yield backend
    backend.close()


def test_a_voiced_clip_comes_back_as_the_word(engine):
    sent = counted(engine)
    (decoded,) = engine.decode([voiced()])
    assert decoded.text == "hund"
    assert (decoded.tokens, decoded.hit_limit) == (0, False)
    assert sent == [engine.endpoint]


def test_the_transcriber_end_to_end_keeps_silence_local(engine):
    transcriber = asr.Transcriber(asr.TranscriberOptions(model="remote-test"), engine)
    sent = counted(engine)
    quiet = transcriber.transcribe((16_000, SILENCE))
    assert quiet.no_speech and quiet.reason == "silence" and not quiet.text
    assert sent == []  # the no-speech gate answered; the engine never heard it
    heard = transcriber.transcribe((16_000, voiced()))
    assert heard.text == "hund" and not heard.no_speech
    assert (heard.backend, heard.device) == ("remote", engine.device)
    assert len(sent) == 1


def test_a_batch_comes_back_in_order_with_silence_skipped(engine):
    transcriber = asr.Transcriber(asr.TranscriberOptions(model="remote-test"), engine)
    sent = counted(engine)
    batch = [(16_000, voiced(0.6)), (16_000, SILENCE), (16_000, voiced(1.5)), (16_000, voiced())]
    results = transcriber.transcribe_batch(batch)
    assert [r.text for r in results] == ["hund", "", "hund", "hund"]
    assert [r.reason for r in results] == ["", "silence", "", ""]
    assert len(sent) == 3


# Scripted servers ----------------------------------------------------------------------------

Answer = tuple[int, bytes, dict[str, str]]
Script = Callable[[http.server.BaseHTTPRequestHandler, bytes], Answer]


class Stub:
    """An HTTP server on 127.0.0.1 whose answers come from `script(handler, body)`."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.posts: list[tuple[str, bytes, str]] = []  # path, body, content type
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with stub._lock:
                    stub.posts.append((self.path, body, self.headers.get("Content-Type", "")))
                    stub.in_flight += 1
                    stub.most_in_flight = max(stub.most_in_flight, stub.in_flight)
                try:
                    status, payload, headers = stub.script(self, body)
                finally:
                    with stub._lock:
                        stub.in_flight -= 1
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                # The timeout test's client hangs up before the answer is written.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(payload)

            def log_message(self, *args: object) -> None:  # keep pytest's output clean
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub() -> Iterator[Callable[[Script], Stub]]:
    started: list[Stub] = []

    def start(script: Script) -> Stub:
        started.append(Stub(script))
        return started[-1]

    yield start
    for server in started:
        server.close()


def answers(*replies: Answer) -> Script:
    """A script that gives these answers in turn, then the last one again."""
    queue = list(replies)
    return lambda handler, body: queue.pop(0) if len(queue) > 1 else queue[0]


def ok(text: str) -> Answer:
    return 200, json.dumps({"text": text}).encode(), {}


def form_fields(body: bytes, content_type: str) -> dict[str, tuple[str | None, str, bytes]]:
    """A multipart body as {name: (filename, content type, bytes)}."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    return {
        part.get_param("name", header="content-disposition"): (
            part.get_filename(),
            part.get_content_type(),
            part.get_payload(decode=True),
        )
        for part in message.iter_parts()
    }


def test_the_request_speaks_the_openai_form(stub):
    server = stub(answers(ok(" katt ")))
    with RemoteBackend(server.url + "/v1/", "kb-whisper-small") as backend:
        assert backend.decode([voiced()])[0].text == "katt"
    ((path, body, content_type),) = server.posts
    assert path == "/v1/audio/transcriptions"
    fields = form_fields(body, content_type)
    values = {name: data.decode() for name, (_, _, data) in fields.items() if name != "file"}
    assert values == {
        "model": "kb-whisper-small",
        "language": "sv",
        "temperature": "0",
        "response_format": "verbose_json",  # its segments say what the model knows
    }
    filename, file_type, wav = fields["file"]
    assert (filename, file_type) == ("answer.wav", "audio/wav")
    samples, rate = soundfile.read(io.BytesIO(wav), dtype="float32")
    info = soundfile.info(io.BytesIO(wav))
    assert (rate, info.subtype, len(samples)) == (16_000, "PCM_16", 16_000)
    np.testing.assert_allclose(samples, voiced(), atol=1 / 16_000)


def test_a_verbose_answer_passes_on_what_the_model_knows(stub):
    segments = [{"text": " en", "no_speech_prob": 0.8, "avg_logprob": -0.5},
                {"text": " katt", "no_speech_prob": 0.1, "avg_logprob": -0.3}]  # fmt: skip
    body = json.dumps({"text": " en katt", "segments": segments}).encode()
    server = stub(answers((200, body, {})))
    with RemoteBackend(server.url, "m") as backend:
        decoded = backend.decode([voiced()])[0]
    assert decoded.text == "en katt"
    assert decoded.no_speech_prob == 0.1  # one spoken segment makes it speech
    assert decoded.avg_logprob == pytest.approx(-0.4)


@pytest.mark.parametrize(
    "body", [{"text": "katt"}, {"text": "katt", "segments": "odd"},
             {"text": "katt", "segments": [{"no_speech_prob": "x"}, 3]}],
)  # fmt: skip
def test_an_answer_without_figures_has_none(stub, body):
    server = stub(answers((200, json.dumps(body).encode(), {})))
    with RemoteBackend(server.url, "m") as backend:
        decoded = backend.decode([voiced()])[0]
    assert (decoded.text, decoded.no_speech_prob, decoded.avg_logprob) == ("katt", None, None)


@pytest.mark.parametrize("status", [400, 422])
def test_an_engine_that_refuses_verbose_json_is_asked_for_json_from_then_on(stub, status):
    def only_json(handler, body: bytes) -> Answer:
        fields = form_fields(body, handler.headers["Content-Type"])
        if fields["response_format"][2] != b"json":
            return status, json.dumps({"error": {"message": "unsupported format"}}).encode(), {}
        return ok("katt")

    server = stub(only_json)
    with RemoteBackend(server.url, "m", retries=0) as backend:
        assert backend.decode([voiced()])[0].text == "katt"
        assert backend.decode([voiced()])[0].text == "katt"
    formats = [form_fields(b, t)["response_format"][2] for _, b, t in server.posts]
    assert formats == [b"verbose_json", b"json", b"json"]


def test_a_batch_runs_concurrently_and_keeps_its_order(stub):
    def by_length(handler, body: bytes) -> Answer:
        fields = form_fields(body, handler.headers["Content-Type"])
        seconds = soundfile.info(io.BytesIO(fields["file"][2])).duration
        time.sleep(0.1 * (2.0 - seconds))  # the short clip answers last
        return ok(f"{seconds:.1f}")

    server = stub(by_length)
    with RemoteBackend(server.url, "m") as backend:
        texts = [d.text for d in backend.decode([voiced(s) for s in (0.5, 1.0, 1.5)])]
    assert texts == ["0.5", "1.0", "1.5"]
    assert server.most_in_flight > 1


def test_an_engine_that_is_down_fails_soon_and_keeps_its_url_for_the_log(caplog):
    url = f"http://127.0.0.1:{free_port()}"
    started = time.perf_counter()
    with (
        RemoteBackend(url, "m", retries=2, backoff=0.01) as backend,
        pytest.raises(EngineUnavailable, match="not answering") as caught,
    ):
        backend.decode([voiced()])
    assert time.perf_counter() - started < 5
    assert caught.value.url == url and "type your answer" in str(caught.value)
    assert "127.0.0.1" not in str(caught.value)  # learners are not shown the engine's address
    assert caught.value.url == url
    retries = [r for r in caplog.records if r.name == "asr.remote" and "retry" in r.message]
    assert len(retries) == 2 and all(r.levelname == "WARNING" for r in retries)
    assert "ConnectError" in retries[0].message


def test_busy_answers_are_retried_until_one_succeeds(stub):
    busy = (503, b'{"error": {"message": "overloaded"}}', {})
    server = stub(answers(busy, busy, ok("katt")))
    with RemoteBackend(server.url, "m", retries=2, backoff=0.01) as backend:
        sent = counted(backend)
        assert backend.decode([voiced()])[0].text == "katt"
    assert len(server.posts) == 3 and len(sent) == 3


def test_retries_run_out(stub):
    server = stub(answers((503, b"", {}), (503, b"", {}), ok("katt")))
    with (
        RemoteBackend(server.url, "m", retries=1, backoff=0.01) as backend,
        pytest.raises(EngineUnavailable, match="not answering"),
    ):
        backend.decode([voiced()])
    assert len(server.posts) == 2


@pytest.mark.parametrize(
    ("retry_after", "at_least", "below"), [("0.3", 0.3, 1.5), ("3600", 0.5, 1.5)]
)
def test_retry_after_is_honoured_but_capped(stub, monkeypatch, retry_after, at_least, below):
    monkeypatch.setattr("asr.remote.MAX_RETRY_AFTER", 0.5)
    server = stub(answers((429, b"{}", {"Retry-After": retry_after}), ok("katt")))
    started = time.perf_counter()
    with RemoteBackend(server.url, "m", retries=1, backoff=0.0) as backend:
        assert backend.decode([voiced()])[0].text == "katt"
    assert at_least <= time.perf_counter() - started < below
    assert len(server.posts) == 2


@pytest.mark.parametrize(
    ("status", "body", "shown"),
    [
        (400, {"error": {"message": "bad model"}}, "bad model"),  # OpenAI, vLLM
        (422, {"detail": "Unsupported file"}, "Unsupported file"),  # FastAPI
        (400, {"detail": {"error": {"message": "unknown model: m"}}}, "unknown model: m"),
        (422, {"detail": [{"loc": ["body", "file"], "msg": "Field required"}]}, "Field required"),
        (404, "<html>Not Found</html>", "HTTP 404"),
    ],
)
def test_a_refusal_is_not_retried_and_says_why(stub, status, body, shown):
    payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    server = stub(answers((status, payload, {}), ok("katt")))
    with (
        RemoteBackend(server.url, "m", retries=3, backoff=0.01) as backend,
        pytest.raises(EngineUnavailable, match="refused the recording") as caught,
    ):
        backend.decode([voiced()])
    assert len(server.posts) == 1
    assert shown in str(caught.value) and "Traceback" not in str(caught.value)


@pytest.mark.parametrize("payload", [b"<html>upstream says hi</html>", b'{"txt": "hund"}', b"[1]"])
def test_an_answer_without_text_is_not_understood(stub, payload):
    server = stub(answers((200, payload, {"Content-Type": "text/html"})))
    with (
        RemoteBackend(server.url, "m", retries=3) as backend,
        pytest.raises(EngineUnavailable, match="answer that was not understood") as caught,
    ):
        backend.decode([voiced()])
    assert caught.value.url == server.url and server.url not in str(caught.value)
    assert len(server.posts) == 1


# One deadline per answer ----------------------------------------------------------------------

IN_TIME = "The speech engine did not answer in time: type your answer, or try again in a moment."


def stall(seconds: float) -> Script:
    """A script that takes the clip and answers only after `seconds`: a stalled engine."""

    def hang(handler, body: bytes) -> Answer:
        time.sleep(seconds)
        return ok("too late")

    return hang


@pytest.mark.parametrize(
    ("timeout", "deadline", "gives_up_after"),
    [
        (30.0, 0.8, 0.8),  # the deadline cuts the try's own 30 s short
        (0.3, 5.0, 0.3),  # the try times out first, and is not retried though time is left
    ],
)
def test_a_stalled_engine_gets_one_try_within_the_deadline(
    stub, caplog, timeout, deadline, gives_up_after
):
    server = stub(stall(gives_up_after + 2.0))
    started = time.perf_counter()
    with (
        RemoteBackend(
            server.url, "m", timeout=timeout, retries=3, backoff=0.01, deadline=deadline
        ) as backend,
        pytest.raises(EngineUnavailable) as caught,
    ):
        sent = counted(backend)
        backend.decode([voiced()])
    assert time.perf_counter() - started < gives_up_after + 1.0
    assert len(sent) == 1 and len(server.posts) == 1
    assert str(caught.value) == IN_TIME and caught.value.url == server.url
    (record,) = [r for r in caplog.records if r.name == "asr.remote"]
    assert "ReadTimeout" in record.message and "try 1" in record.message
    assert f"deadline {deadline:.1f} s" in record.message


@pytest.mark.parametrize("engine", ["busy", "down"])
def test_retries_stop_before_the_deadline(stub, caplog, engine):
    # Tries at about 0, 0.1, 0.3 and 0.7 s; the next would start at 1.5 s, past the deadline.
    if engine == "busy":
        url = stub(answers((503, b"", {}))).url
    else:
        url = f"http://127.0.0.1:{free_port()}"
    started = time.perf_counter()
    with (
        RemoteBackend(url, "m", retries=10, backoff=0.1, deadline=1.5) as backend,
        pytest.raises(EngineUnavailable) as caught,
    ):
        sent = counted(backend)
        backend.decode([voiced()])
    assert time.perf_counter() - started < 1.5 + 1.0
    assert len(sent) == 4
    assert str(caught.value) == IN_TIME
    last = [r.message for r in caplog.records if r.name == "asr.remote"][-1]
    assert "giving up after 4 tries" in last and "1.5 s deadline" in last


@pytest.mark.parametrize(("retry_after", "deadline"), [("3", 2.0), ("1", 0.8)])
def test_a_retry_after_past_the_deadline_is_not_waited_for(stub, retry_after, deadline):
    server = stub(answers((429, b"{}", {"Retry-After": retry_after}), ok("katt")))
    started = time.perf_counter()
    with (
        RemoteBackend(server.url, "m", retries=3, backoff=0.0, deadline=deadline) as backend,
        pytest.raises(EngineUnavailable, match="did not answer in time"),
    ):
        backend.decode([voiced()])
    assert time.perf_counter() - started < deadline / 2  # gave up at once, did not sleep
    assert len(server.posts) == 1


@pytest.mark.parametrize("deadline", [0.0, -1.0])
def test_a_deadline_must_be_positive(deadline):
    with pytest.raises(ValueError, match=f"deadline={deadline}"):
        RemoteBackend("http://127.0.0.1:1", "m", deadline=deadline)


def test_the_transcriber_passes_its_deadline_to_the_engine():
    from asr import remote

    asr.clear_cache()
    default = asr.load_transcriber("m", "remote", url="http://127.0.0.1:1", warm_up=False)
    try:
        assert default.backend.deadline == remote.DEADLINE  # one default
    finally:
        default.backend.close()
        asr.clear_cache()
    transcriber = asr.load_transcriber(
        "m", "remote", url="http://127.0.0.1:1", remote_deadline=0.7, warm_up=False
    )
    try:
        assert transcriber.backend.deadline == 0.7
    finally:
        transcriber.backend.close()
        asr.clear_cache()


# URLs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "base"),
    [
        ("http://h:1", "http://h:1"),
        ("http://h:1/", "http://h:1"),
        ("http://h:1/v1", "http://h:1"),
        ("http://h:1/v1/", "http://h:1"),
        (" https://asr.example.org/whisper/v1 ", "https://asr.example.org/whisper"),
    ],
)
def test_urls_are_normalised(given, base):
    assert normalise_url(given) == base
    with RemoteBackend(given, "m") as backend:
        assert backend.endpoint == f"{base}/v1/audio/transcriptions"
        assert backend.device == base.split("/")[2]


@pytest.mark.parametrize(
    "given", ["ftp://x", "h:1", "localhost:8000", "http://", "", "file:///tmp/x", "http://h/?q=1"]
)
def test_urls_that_are_not_http_are_refused(given):
    with pytest.raises(ValueError, match="speech engine URL"):
        normalise_url(given)


# The app on the engine ------------------------------------------------------------------------


def _feedback_for(transcriber: asr.Transcriber, wav: Path, work: Path) -> str:
    """The feedback the app shows for `wav` said on a one-card deck ("en hund")."""
    import re

    from gradio_client import Client, handle_file

    import app
    from game import Card, Deck
    from tests.conftest import png_bytes

    (work / "hund.png").write_bytes(png_bytes())
    deck = Deck("Engine", (Card("hund", "en", image=work / "hund.png"),))
    options = app.AppOptions(secret="e" * 32, work_dir=work)
    demo = app.build_demo({deck.name: deck}, app.Model(ready=transcriber, name="m"), options)
    _, url, _ = app.launch(
        demo, prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, ssr_mode=False
    )
    try:
        player = Client(url, verbose=False)
        player.predict("Engine", api_name="/new_round")
        result = player.predict(handle_file(str(wav)), "Engine", True, api_name="/answer_audio")
    finally:
        app.close(demo)
    return re.sub(r"recognised in [\d.]+ s", "recognised in N s", result[3])


def test_the_app_on_the_engine_says_what_it_says_on_the_local_model(
    engine_url, whisper_root, tmp_path
):
    asr.clear_cache()
    wav = tmp_path / "said.wav"
    soundfile.write(wav, np.concatenate([np.zeros(8000), voiced(1.0), np.zeros(8000)]), 16_000)
    remote = asr.load_transcriber("whisper-1", "remote", url=f"{engine_url}/v1/")
    assert (remote.options.backend, remote.options.device) == ("remote", engine_url)
    local = asr.load_transcriber(cached_ct2(whisper_root, hears="hund"), "ctranslate2", "cpu")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    on_engine = _feedback_for(remote, wav, tmp_path / "a")
    on_local = _feedback_for(local, wav, tmp_path / "b")
    asr.clear_cache()
    assert "Right" in on_engine and "hund" in on_engine
    assert on_engine == on_local


def test_the_app_keeps_going_when_the_engine_is_down(tmp_path):
    import app

    backend = RemoteBackend(f"http://127.0.0.1:{free_port()}", "m", retries=1, backoff=0.01)
    transcriber = asr.Transcriber(asr.TranscriberOptions("m", "remote"), backend)
    transcriber.warm_up()  # logs, does not raise: the engine may come up later
    wav = tmp_path / "said.wav"
    soundfile.write(wav, voiced(1.0), 16_000)
    message = app._transcribe(app.Model(ready=transcriber, name="m"), str(wav))
    assert isinstance(message, str) and "not answering" in message and "type" in message
