"""A Gradio client for what `gradio_client` cannot do: stream a microphone as the browser does.

One `Session` is one browser tab (its own `session_hash`): it calls events by their place in the
app's config and reads the replies from the session's server-sent events (`/queue/data`, protocol
"sse_v3"). A streaming event is opened with its first piece (`/queue/join`); each later piece is
uploaded (`/upload`) and posted to `/stream/{event_id}`, and the handler's reply to it comes as a
"process_streaming" message. Like Gradio's own recorder, a piece recorded while the server still
handles the one before waits and goes with the next, all of them in one file under the first
piece's WAV header.

Everything is asyncio on one `httpx.AsyncClient`, so one process drives sixty tabs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

API = "/gradio_api"


class StreamClosed(RuntimeError):
    """The server ended the stream (an error in its handler, or its own time-out)."""


@dataclass(frozen=True)
class Event:
    """One event of the app's config: where to call it and what it takes and gives."""

    fn_index: int
    trigger_id: int | None
    inputs: tuple[int, ...]  # component ids
    outputs: tuple[int, ...]

    def place(self, component: int) -> int:
        return self.outputs.index(component)


class App:
    """The app's config, read once: its events and components."""

    def __init__(self, url: str, config: dict) -> None:
        self.url = url.rstrip("/")
        self.components = {c["id"]: c for c in config["components"]}
        self.events = config["dependencies"]

    @classmethod
    async def read(cls, http: httpx.AsyncClient, url: str) -> App:
        response = await http.get(f"{url.rstrip('/')}/config")
        response.raise_for_status()
        return cls(url, response.json())

    def component(self, elem_id: str) -> int:
        for cid, component in self.components.items():
            if component.get("props", {}).get("elem_id") == elem_id:
                return cid
        raise KeyError(f"no component with elem_id {elem_id!r}")

    def event(self, *, api_name: str = "", trigger: tuple[int, str] | None = None) -> Event:
        """The event with this API name, or on this (component id, event name)."""
        for index, dep in enumerate(self.events):
            targets = [tuple(t) for t in dep["targets"]]
            if (api_name and dep.get("api_name") == api_name) or (trigger and trigger in targets):
                trigger_id = targets[0][0] if targets else None
                fn = dep.get("id", index)
                return Event(fn, trigger_id, tuple(dep["inputs"]), tuple(dep["outputs"]))
        raise KeyError(f"no event {api_name or trigger}")

    def is_state(self, component: int) -> bool:
        return self.components[component]["type"] == "state"


class Session:
    """One browser tab. `call` runs an event to its end; `open`/`send`/`close` stream."""

    def __init__(self, http: httpx.AsyncClient, app: App) -> None:
        self.http = http
        self.app = app
        self.session_hash = secrets.token_hex(6)
        self._inbox: dict[str, asyncio.Queue[dict]] = {}
        self._early: dict[str, list[dict]] = {}  # messages that came before their event's id
        self._reader: asyncio.Task | None = None

    async def call(self, event: Event, values: dict[int, Any], timeout: float = 120) -> list:
        """Run `event` with `values` (by component id; state inputs are the server's) and
        return its outputs."""
        event_id = await self._join(event, values)
        async with asyncio.timeout(timeout):
            while True:
                message = await self._inbox[event_id].get()
                if message.get("msg") == "process_completed":
                    self._inbox.pop(event_id, None)
                    output = message.get("output") or {}
                    if not message.get("success", False):
                        raise RuntimeError(f"event {event.fn_index} failed: {output}")
                    return output.get("data", [])

    async def upload(self, data: bytes, name: str = "audio.wav") -> dict:
        files = {"files": (name, data, "audio/wav")}
        response = await self._post(f"{self.app.url}{API}/upload", files=files)
        response.raise_for_status()
        path = response.json()[0]
        return {"path": path, "orig_name": name, "size": len(data), "mime_type": "audio/wav",
                "meta": {"_type": "gradio.FileData"}}  # fmt: skip

    async def open(self, event: Event, values: dict[int, Any]) -> str:
        """Open a streaming event with its first piece; its replies come from `reply`."""
        return await self._join(event, values)

    async def send(self, event: Event, event_id: str, values: dict[int, Any]) -> None:
        body = self._body(event, values)
        response = await self._post(f"{self.app.url}{API}/stream/{event_id}", json=body)
        if response.status_code == 404:
            raise StreamClosed(f"the server has no stream {event_id} any more")
        response.raise_for_status()

    async def reply(self, event_id: str, timeout: float) -> dict:
        """The next message of an event: a "process_streaming" reply to a piece, or its end."""
        queue = self._inbox[event_id]
        async with asyncio.timeout(timeout):
            while True:
                message = await queue.get()
                if message.get("msg") in ("process_streaming", "process_completed"):
                    return message

    async def close(self, event_id: str) -> None:
        with contextlib.suppress(httpx.HTTPError):
            await self.http.post(f"{self.app.url}{API}/stream/{event_id}/close", json={})
        self._inbox.pop(event_id, None)

    async def stop(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    async def _post(self, url: str, **kwargs: Any) -> httpx.Response:
        """POST, once more on a connection that the server closed as it was reused (a kept-alive
        connection's time-out racing the request): a browser retries that too."""
        try:
            return await self.http.post(url, **kwargs)
        except (httpx.ReadError, httpx.RemoteProtocolError):
            return await self.http.post(url, **kwargs)

    def _body(self, event: Event, values: dict[int, Any]) -> dict:
        data = [None if self.app.is_state(c) else values.get(c) for c in event.inputs]
        return {"data": data, "event_data": None, "fn_index": event.fn_index,
                "trigger_id": event.trigger_id, "session_hash": self.session_hash}  # fmt: skip

    async def _join(self, event: Event, values: dict[int, Any]) -> str:
        # Through `_post`: a join on a kept-alive connection the server has just closed is sent
        # again, as a browser does (seen as a rare ReadError under a class's load).
        response = await self._post(f"{self.app.url}{API}/queue/join",
                                    json=self._body(event, values))  # fmt: skip
        response.raise_for_status()
        event_id = response.json()["event_id"]
        queue = self._inbox.setdefault(event_id, asyncio.Queue())
        for message in self._early.pop(event_id, []):
            queue.put_nowait(message)
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read())
        return event_id

    async def _read(self) -> None:
        """Route the session's server-sent messages to their events, until the server closes."""
        url = f"{self.app.url}{API}/queue/data"
        params = {"session_hash": self.session_hash}
        async with self.http.stream("GET", url, params=params, timeout=None) as response:
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("msg") == "close_stream":
                    break
                event_id = message.get("event_id")
                if event_id in self._inbox:
                    self._inbox[event_id].put_nowait(message)
                elif event_id:
                    self._early.setdefault(event_id, []).append(message)
        self._reader = None
        if self._inbox:  # events still open: listen again (the server closed an idle stream)
            self._reader = asyncio.create_task(self._read())


def joined(header: bytes, bodies: Iterable[bytes]) -> bytes:
    """Pieces the browser held back, sent as one file under the first piece's header."""
    return header + b"".join(bodies)
