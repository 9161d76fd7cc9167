"""A browser tab without a browser, for load tests of a Solara app (no tests in here).

Speaks the protocol Solara's page speaks over its websocket: it takes the session cookie from the
page, opens the kernel's websocket, asks the ``solara.control`` comm to run the app, keeps the
state of every widget the server opens or updates (as the page's widget manager does), and clicks
buttons by sending the same ``custom`` click event a Vuetify button sends. It draws nothing, so
the server does all its work (the render, the widget messages, their JSON and the websocket) while
the client costs little: many of them fit on a machine where as many Chromium tabs do not.

What it leaves out, compared with a page: the browser's own work; the frontend's replies to
widgets that expect them (none of the app's widgets here); binary buffers are received but not
decoded (a download's bytes).
"""

from __future__ import annotations

import asyncio
import json
import re
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import Any

import websockets

SESSION_COOKIE = "solara-session-id"


class WidgetClient:
    """One tab: ``await WidgetClient.open(url)``, then ``click(model_id)``, ``find(...)``, ``text_of(...)``."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/") + "/"
        self.session = str(uuid.uuid4())
        self.widgets: dict[str, dict[str, Any]] = {}  # comm id -> the widget's state as the server sent it
        self.changed = asyncio.Event()  # set at every message that opened or updated a widget
        self.messages = 0
        self.bytes_received = 0
        self._ws: Any = None
        self._reader: asyncio.Task | None = None
        self._control = str(uuid.uuid4())
        self._finished = asyncio.Event()

    @classmethod
    async def open(cls, url: str, timeout: float = 120.0) -> WidgetClient:
        client = cls(url)
        await client._connect(timeout)
        return client

    async def _connect(self, timeout: float) -> None:
        cookie = await asyncio.to_thread(self._session_cookie)
        ws_url = re.sub(r"^http", "ws", self.url) + f"jupyter/api/kernels/{uuid.uuid4()}/channels?session_id={self.session}"
        self._ws = await websockets.connect(ws_url, additional_headers={"Cookie": f"{SESSION_COOKIE}={cookie}"},
                                            max_size=None, open_timeout=timeout)
        self._reader = asyncio.create_task(self._read())
        await self._send("comm_open", {"comm_id": self._control, "target_name": "solara.control", "data": {}})
        await self._send("comm_msg", {"comm_id": self._control, "data": {
            "method": "run", "args": {"path": "", "appName": None, "dark": False, "themes": None}}})
        await asyncio.wait_for(self._finished.wait(), timeout)

    def _session_cookie(self) -> str:
        with urllib.request.urlopen(self.url, timeout=60) as response:  # noqa: S310 - our own local server
            for header in response.headers.get_all("Set-Cookie") or []:
                found = re.match(rf"{SESSION_COOKIE}=([^;]+)", header)
                if found:
                    return found.group(1)
        raise RuntimeError(f"{self.url} set no {SESSION_COOKIE} cookie")

    async def _send(self, msg_type: str, content: dict[str, Any]) -> None:
        header = {"msg_id": str(uuid.uuid4()), "msg_type": msg_type, "username": "load-test",
                  "session": self.session, "date": datetime.now(UTC).isoformat(), "version": "5.3"}
        await self._ws.send(json.dumps({"header": header, "parent_header": {}, "metadata": {}, "content": content,
                                        "channel": "shell", "buffers": []}))

    async def _read(self) -> None:
        async for frame in self._ws:
            self.messages += 1
            self.bytes_received += len(frame)
            if isinstance(frame, bytes):  # a message with binary buffers: JSON after the offsets
                count = int.from_bytes(frame[:4], "big")
                offsets = [int.from_bytes(frame[4 + 4 * k: 8 + 4 * k], "big") for k in range(count)]
                frame = frame[offsets[0]:offsets[1] if count > 1 else None].decode("utf-8")
            msg = json.loads(frame)
            kind, content = msg["header"]["msg_type"], msg.get("content", {})
            if kind == "comm_open" and content.get("target_name") == "jupyter.widget":
                self.widgets[content["comm_id"]] = dict(content["data"].get("state", {}))
                self.changed.set()
            elif kind == "comm_msg":
                data = content.get("data", {})
                if content.get("comm_id") == self._control and data.get("method") == "finished":
                    self._finished.set()
                elif data.get("method") in ("update", "echo_update") and content.get("comm_id") in self.widgets:
                    self.widgets[content["comm_id"]].update(data.get("state", {}))
                    self.changed.set()
            elif kind == "comm_close":
                self.widgets.pop(content.get("comm_id"), None)

    def find(self, **state: Any) -> list[str]:
        """The ids of the widgets whose state has these values (``class_`` matches one class among several)."""
        def matches(widget: dict[str, Any]) -> bool:
            for key, value in state.items():
                if key == "class_":
                    if value not in str(widget.get("class_") or "").split():
                        return False
                elif widget.get(key) != value:
                    return False
            return True

        return [comm_id for comm_id, widget in self.widgets.items() if matches(widget)]

    def text_of(self, comm_id: str) -> str:
        """A widget's own text (its string children)."""
        return "".join(c for c in self.widgets.get(comm_id, {}).get("children", []) if isinstance(c, str))

    def text(self, css_class: str) -> str:
        """The own texts of the widgets that have this class, one a line (a widget re-made has a new id)."""
        return "\n".join(self.text_of(comm_id) for comm_id in self.find(class_=css_class))

    async def click(self, comm_id: str) -> None:
        """What a click on a Vuetify button sends."""
        await self._send("comm_msg", {"comm_id": comm_id, "data": {"method": "custom", "content": {
            "event": "click", "data": {"altKey": False, "ctrlKey": False, "metaKey": False, "shiftKey": False}}}})

    async def set_state(self, comm_id: str, **state: Any) -> None:
        """What the page sends when a person changes a widget's value (a typed text, a slider)."""
        self.widgets[comm_id].update(state)
        await self._send("comm_msg", {"comm_id": comm_id, "data": {"method": "update", "state": state,
                                                                   "buffer_paths": []}})

    async def until(self, condition: Any, timeout: float) -> None:
        """Wait until ``condition()`` holds, looking again at every widget message."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not condition():
            self.changed.clear()
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError("the page did not reach the state waited for")
            try:
                await asyncio.wait_for(self.changed.wait(), min(left, 1.0))
            except TimeoutError:
                continue

    async def close(self) -> None:
        await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
