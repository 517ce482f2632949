"""A recognition engine behind an HTTP endpoint: the OpenAI-style transcription API.

`RemoteBackend(url, model)` sends each clip to `POST {url}/v1/audio/transcriptions` (multipart
`file`, `model`, `language`, `temperature`, `response_format=verbose_json`) and reads its
`text`, and, where the engine gives segments, their `no_speech_prob` and `avg_logprob` (what the
model itself knows about the clip). An engine that refuses `verbose_json` (HTTP 400, 415 or 422
whose message names the format) is asked again with `json`, and from then on.
vLLM serves this API for Whisper checkpoints on a GPU, the whisper.cpp server on a CPU
(`--inference-path /v1/audio/transcriptions`), faster-whisper-server anywhere; the app then needs
no model of its own.

The transcriber still runs its local no-speech gate (`asr.audio.prepare`) before calling
`decode`: a silent or too-short recording never leaves the machine, which saves a round trip per
empty answer and keeps Whisper from hallucinating text ("Tack för att du tittade") on silence.

Failures become `EngineUnavailable`, whose message a learner can read: the game falls back to a
typed answer rather than showing a traceback. A learner waits for one word, so each answer has one
deadline (`deadline`, 10 s by default) that every try, every wait between tries and each try's
timeout fit in; a read timeout is not retried, since the engine has the clip and is stalled.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
import numpy as np
import soundfile

from asr.backends import LANGUAGE, Decoded
from asr.errors import EngineUnavailable

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
CONNECT_TIMEOUT = 5.0  # a host that does not accept a connection in 5 s is not coming back soon
MAX_RETRY_AFTER = 5.0  # a learner waits for one word; a longer Retry-After is not worth honouring
MAX_WORKERS = 8  # clips of one batch in flight at once; the engine batches across requests
DEADLINE = 10.0  # seconds for one answer, retries included; past that, typing is quicker
MIN_TRY = 0.2  # seconds: a retry with less time left than this cannot get an answer back
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_PLEASE = "type your answer, or try again in a moment."
# Timeouts of a try that reached the engine: on a read timeout it has the clip and is stalled, on
# a write timeout it stopped taking it, on a pool timeout such tries hold every connection.
# Another try only doubles the learner's wait; a connect timeout is retried.
_STALLED = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout)


def normalise_url(url: str) -> str:
    """The engine's base URL: `scheme://host[:port][/prefix]` without a trailing `/` or `/v1`.

    Accepts what users paste: `http://host:8000`, `http://host:8000/`, `http://host:8000/v1`.
    Raises `ValueError` for anything that is not an http(s) URL with a host.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"The speech engine URL must look like http://host:port, not {url!r} "
            "(only http and https are spoken)."
        )
    if parts.query or parts.fragment:
        raise ValueError(f"The speech engine URL {url!r} must not have a query or a fragment.")
    path = parts.path.rstrip("/")
    if path.endswith("/v1"):
        path = path[: -len("/v1")]
    return f"{parts.scheme}://{parts.netloc}{path}"


def encode_wav(samples: np.ndarray) -> bytes:
    """16 kHz mono float32 as 16-bit PCM WAV bytes: every server reads it, at half float's size."""
    buffer = io.BytesIO()
    # libsndfile wraps out-of-range floats around instead of clipping them: a loud peak would
    # become a click of the opposite sign.
    soundfile.write(buffer, np.clip(samples, -1.0, 1.0), SAMPLE_RATE, "PCM_16", format="WAV")
    return buffer.getvalue()


class RemoteBackend:
    """Whisper on a transcription server. Thread-safe: one pooled HTTP client, no shared state."""

    name = "remote"
    precision = "remote"
    window_seconds = 30.0  # Whisper's window; the server cuts or refuses longer clips itself
    concurrent = True
    """Safe to call from many threads at once, and the engine batches across requests itself:
    the transcriber must neither serialise calls nor gather clips into one batch for it."""

    def __init__(
        self,
        url: str,
        model: str,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        deadline: float = DEADLINE,
    ) -> None:
        """`retries`: extra tries after a failed one (so `retries + 1` at most), waiting
        `backoff`, then twice that, and so on; `timeout`: seconds to wait for each answer;
        `deadline`: seconds for one clip from start to give-up, every try and wait included."""
        if retries < 0 or backoff < 0 or timeout <= 0 or deadline <= 0:
            raise ValueError(
                f"retries and backoff must be >= 0, timeout and deadline > 0 (got retries="
                f"{retries}, backoff={backoff}, timeout={timeout}, deadline={deadline})"
            )
        self.url = normalise_url(url)
        self.endpoint = f"{self.url}/v1/audio/transcriptions"
        self.device = urlsplit(self.url).netloc
        self.model = model
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.deadline = deadline
        self.response_format = "verbose_json"  # "json" once the engine has refused it
        self.client = httpx.Client(
            timeout=_timeout(timeout),
            limits=httpx.Limits(max_connections=4 * MAX_WORKERS, max_keepalive_connections=8),
            trust_env=False,  # a proxy from the environment must not sit between app and engine
        )
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RemoteBackend({self.url!r}, model={self.model!r})"

    def decode(self, batch: list[np.ndarray]) -> list[Decoded]:
        if len(batch) <= 1:  # the usual case: one player's answer, no thread hop
            return [self._transcribe(clip) for clip in batch]
        return list(self._executor().map(self._transcribe, batch))

    def close(self) -> None:
        """Close the connections and the worker threads; the backend cannot be used after."""
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
        self.client.close()

    def __enter__(self) -> RemoteBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(MAX_WORKERS, thread_name_prefix="asr-remote")
            return self._pool

    def _transcribe(self, samples: np.ndarray) -> Decoded:
        give_up_at = time.monotonic() + self.deadline
        response = self._post(encode_wav(samples), give_up_at)
        try:
            body = response.json()
            text = body["text"]
        except (ValueError, KeyError, TypeError) as e:
            log.warning("speech engine %s: unreadable answer %r", self.url, response.text[:200])
            raise self._unavailable("gave an answer that was not understood") from e
        if not isinstance(text, str):
            raise self._unavailable("gave an answer that was not understood")
        no_speech, logprob = _segment_figures(body)
        # The API does not say tokens.
        return Decoded(text.strip(), 0, False, avg_logprob=logprob, no_speech_prob=no_speech)

    def _post(self, wav: bytes, give_up_at: float) -> httpx.Response:
        """The engine's successful answer, tried until `give_up_at` (`time.monotonic()`)."""
        data = {
            "model": self.model,
            "language": LANGUAGE,  # one-word clips make Whisper guess the language wrongly
            "temperature": "0",  # decode once: the fallback ladder costs seconds per word
            "response_format": self.response_format,
        }
        files = {"file": ("answer.wav", wav, "audio/wav")}
        for attempt in range(self.retries + 1):
            wait = self.backoff * 2**attempt
            left = max(give_up_at - time.monotonic(), 0.0)
            timeout = _timeout(min(self.timeout, left))
            try:
                response = self.client.post(self.endpoint, data=data, files=files, timeout=timeout)
            except _STALLED as e:
                log.warning(
                    "speech engine %s: %s after %.1f s on try %d; not retried (deadline %.1f s)",
                    self.url,
                    type(e).__name__,
                    timeout.read,
                    attempt + 1,
                    self.deadline,
                )
                raise self._unavailable("did not answer in time") from e
            except httpx.RequestError as e:  # refused, reset, connect timeout, a broken answer
                reason = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
                cause: Exception = e
            else:
                if response.is_success:
                    return response
                if data["response_format"] != "json" and _refuses_format(response):
                    log.warning("speech engine %s refused verbose_json (%s): asking for json",
                                self.url, _error_message(response))  # fmt: skip
                    self.response_format = data["response_format"] = "json"
                    response = self.client.post(self.endpoint, data=data, files=files,
                                                timeout=timeout)  # fmt: skip
                    if response.is_success:
                        return response
                if response.status_code not in _RETRY_STATUS:
                    message = _error_message(response)
                    log.warning("speech engine %s refused: %s", self.url, message)
                    raise self._unavailable(f"refused the recording ({message})")
                reason = f"HTTP {response.status_code} {_error_message(response)}"
                wait = _retry_after(response) or wait
                cause = httpx.HTTPStatusError(reason, request=response.request, response=response)
            if attempt == self.retries:
                log.warning("speech engine %s: %s; giving up", self.url, reason)
                raise self._unavailable() from cause
            if time.monotonic() + wait + MIN_TRY > give_up_at:
                log.warning(
                    "speech engine %s: %s; giving up after %d tries: a retry in %.1f s would "
                    "pass the %.1f s deadline",
                    self.url,
                    reason,
                    attempt + 1,
                    wait,
                    self.deadline,
                )
                raise self._unavailable("did not answer in time") from cause
            log.warning(
                "speech engine %s: %s; retry %d of %d in %.1f s",
                self.url,
                reason,
                attempt + 1,
                self.retries,
                wait,
            )
            time.sleep(wait)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _unavailable(self, what: str = "") -> EngineUnavailable:
        # Learners read this: the engine's address is for the log and `e.url`, not for them.
        text = f"The speech engine {what or 'is not answering'}: {_PLEASE}"
        return EngineUnavailable(text, url=self.url)


_FORMAT_REFUSED = (400, 415, 422)  # how engines refuse a response_format they do not speak


def _refuses_format(response: httpx.Response) -> bool:
    """The engine refused the response format (its message says so), not the recording."""
    return response.status_code in _FORMAT_REFUSED and "format" in response.text.casefold()


def _segment_figures(body: object) -> tuple[float | None, float | None]:
    """(no-speech probability, mean log-probability) from a verbose answer's segments: the
    lowest no-speech probability (one spoken segment makes it speech) and the mean of the
    segments' log-probabilities; None where the answer has no such figures."""
    segments = body.get("segments") if isinstance(body, dict) else None
    if not isinstance(segments, list):
        return None, None

    def figures(key: str) -> list[float]:
        values = [s.get(key) for s in segments if isinstance(s, dict)]
        return [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]

    no_speech, logprobs = figures("no_speech_prob"), figures("avg_logprob")
    return (min(no_speech) if no_speech else None,
            sum(logprobs) / len(logprobs) if logprobs else None)  # fmt: skip


def _timeout(seconds: float) -> httpx.Timeout:
    """Wait `seconds` for each step of a try, but at most `CONNECT_TIMEOUT` for the connection."""
    return httpx.Timeout(seconds, connect=min(CONNECT_TIMEOUT, seconds))


def _error_message(response: httpx.Response) -> str:
    """The engine's own words for an error, from the usual JSON shapes, or the HTTP status."""
    fallback = f"HTTP {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        return fallback
    for _ in range(3):  # FastAPI wraps OpenAI's shape: {"detail": {"error": {"message": ...}}}
        if not isinstance(body, dict):
            break
        body = body.get("error", body.get("detail", body.get("message")))
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            body = body["message"]
        if isinstance(body, list) and body and isinstance(body[0], dict):  # FastAPI validation
            body = body[0].get("msg")
        if isinstance(body, str) and body.strip():
            return " ".join(body.split())[:200]
    return fallback


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds the engine asks us to wait, if it gives a number; HTTP dates are ignored."""
    try:
        seconds = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)
