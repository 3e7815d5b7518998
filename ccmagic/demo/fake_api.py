"""A scripted fake of the Anthropic Messages API, served on loopback.

The real Claude Code CLI talks to it when ``ANTHROPIC_BASE_URL`` points here, so tests and the
offline demo exercise the real SDK and CLI with only the model replaced. Replies are taken from
a script (a queue of :class:`Reply` objects) and, when the script is empty, from a responder
function -- by default :func:`ccmagic.demo.model.demo_reply`, the offline demo model.
"""

from __future__ import annotations

import base64
import io
import json
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted model reply: text, optional tool calls, or an HTTP error.

    ``delay`` is slept between streamed chunks (a slow stream); ``status`` other than 200 makes
    the reply an HTTP error with ``error_type`` and ``text`` as its message.
    """

    text: str = ""
    tool_uses: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    input_tokens: int = 100
    output_tokens: int = 20
    cache_read_tokens: int = 0
    cache_creation_tokens: int = 0
    chunk_size: int = 8
    delay: float = 0.0
    status: int = 200
    error_type: str = "api_error"
    thinking: str = ""

    @property
    def usage(self) -> dict[str, int]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_read_input_tokens": self.cache_read_tokens,
            "cache_creation_input_tokens": self.cache_creation_tokens,
        }


def http_error(status: int, message: str = "", error_type: str = "") -> Reply:
    """A reply that is an HTTP error, typed as the real API types it."""
    default_types = {
        400: "invalid_request_error",
        401: "authentication_error",
        403: "permission_error",
        404: "not_found_error",
        429: "rate_limit_error",
        500: "api_error",
        529: "overloaded_error",
    }
    kind = error_type or default_types.get(status, "api_error")
    return Reply(text=message or f"fake {kind}", status=status, error_type=kind)


# text blocks Claude Code adds to a user message: reminders, and where it keeps each image
NOT_WRITTEN_BY_THE_USER = ("<system-reminder>", "[Image: source:")


@dataclass(frozen=True)
class ImageSeen:
    """An image block a request carried: where (``prompt`` or the tool whose result held
    it), its media type, its size in bytes and, when Pillow can read it, in pixels."""

    where: str
    media_type: str
    size: int
    width: int | None = None
    height: int | None = None

    @classmethod
    def of(cls, block: dict[str, Any], where: str) -> ImageSeen:
        source = block.get("source") or {}
        data = base64.b64decode(str(source.get("data", "")))
        width = height = None
        try:
            from PIL import Image

            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
        except Exception:  # noqa: BLE001 - no Pillow, or not an image it reads: bytes only
            pass
        return cls(where, str(source.get("media_type", "")), len(data), width, height)


@dataclass
class RecordedRequest:
    """A request the fake received; ``body`` is the parsed JSON, credentials are not kept."""

    path: str
    body: dict[str, Any]

    @property
    def texts(self) -> list[str]:
        """Every text the request carried in its messages, oldest first."""
        out: list[str] = []
        for message in self.body.get("messages", []):
            content = message.get("content")
            if isinstance(content, str):
                out.append(content)
                continue
            for block in content or []:
                if block.get("type") == "text":
                    out.append(block.get("text", ""))
                elif block.get("type") == "tool_result":
                    inner = block.get("content")
                    out.append(inner if isinstance(inner, str) else json.dumps(inner))
        return out

    @property
    def last_user_text(self) -> str:
        """The last user-written text (what the prompt of this request was)."""
        for message in reversed(self.body.get("messages", [])):
            if message.get("role") != "user":
                continue
            content = message.get("content")
            if isinstance(content, str):
                return content
            texts = [str(b.get("text", "")) for b in content or [] if b.get("type") == "text"]
            texts = [t for t in texts if not t.lstrip().startswith(NOT_WRITTEN_BY_THE_USER)]
            if texts:
                return texts[-1]
        return ""

    @property
    def images(self) -> list[ImageSeen]:
        """The image blocks of the last message (the prompt's, or those in its tool results),
        in order. (Claude Code follows each with a text block naming its own copy.)"""
        messages = [m for m in self.body.get("messages", []) if m.get("role") != "system"]
        content = messages[-1].get("content") if messages else None
        if not isinstance(content, list):
            return []
        names = self._tool_use_names()
        found = []
        for block in content:
            if block.get("type") == "image":
                found.append(ImageSeen.of(block, "prompt"))
            elif block.get("type") == "tool_result" and isinstance(block.get("content"), list):
                tool = names.get(block.get("tool_use_id"), "")
                found += [ImageSeen.of(b, tool) for b in block["content"]
                          if b.get("type") == "image"]  # fmt: skip
        return found

    def _tool_use_names(self) -> dict[Any, str]:
        return {
            block.get("id"): str(block.get("name"))
            for message in self.body.get("messages", [])
            if message.get("role") == "assistant" and isinstance(message.get("content"), list)
            for block in message["content"]
            if block.get("type") == "tool_use"
        }

    @property
    def tool_names(self) -> set[str]:
        """The tools the model was offered."""
        return {str(t.get("name")) for t in self.body.get("tools", [])}

    def tool_results(self) -> list[tuple[str, str]]:
        """(tool name, result text) for each tool result the last message carries."""
        messages = [m for m in self.body.get("messages", []) if m.get("role") != "system"]
        if not messages or not isinstance(messages[-1].get("content"), list):
            return []
        names = self._tool_use_names()
        found = []
        for block in messages[-1]["content"]:
            if block.get("type") == "tool_result":
                inner = block.get("content")
                if isinstance(inner, list):
                    inner = "\n".join(str(b.get("text", "")) for b in inner if "text" in b)
                found.append((str(names.get(block.get("tool_use_id"), "")), str(inner or "")))
        return found

    @property
    def questions(self) -> int:
        """How many user messages carry words of the user (not only tool results)."""
        count = 0
        for message in self.body.get("messages", []):
            content = message.get("content")
            if message.get("role") != "user":
                continue
            texts = (
                [content]
                if isinstance(content, str)
                else [b.get("text", "") for b in content or [] if b.get("type") == "text"]
            )
            if any(not t.lstrip().startswith(NOT_WRITTEN_BY_THE_USER) for t in texts):
                count += 1
        return count


Responder = Callable[[RecordedRequest], Reply]
DEMO_MODEL = "claude-demo-offline"


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def _chunks(text: str, size: int) -> Iterator[str]:
    for start in range(0, len(text), max(size, 1)):
        yield text[start : start + size]


class FakeAnthropicAPI:
    """A loopback HTTP server speaking enough of the Messages API for Claude Code.

    Use as a context manager or call :meth:`start` / :meth:`stop`. :meth:`script` queues replies
    for the next model calls; :attr:`requests` lists the model calls received.
    """

    def __init__(
        self,
        responder: Responder | None = None,
        model: str = DEMO_MODEL,
        *,
        tokens_by_length: bool = False,
    ) -> None:
        from ccmagic.demo.model import demo_reply

        self.responder = responder or demo_reply
        self.model = model
        # input tokens as a real model counts them, growing with what it receives: the
        # characters of the request's messages / 4 (instead of each reply's fixed count)
        self.tokens_by_length = tokens_by_length
        self.requests: list[RecordedRequest] = []
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control -----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake API is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def env(self) -> dict[str, str]:
        """Environment that points the Claude Code CLI at this server, offline."""
        return {
            "ANTHROPIC_BASE_URL": self.url,
            "ANTHROPIC_API_KEY": "sk-ant-fake-test-key-0000",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        }

    def script(self, *replies: Reply | str) -> None:
        """Queue replies (a plain string is a text reply) for the next model calls."""
        with self._lock:
            self._script.extend(Reply(text=r) if isinstance(r, str) else r for r in replies)

    def clear_script(self) -> None:
        """Drop the replies not used yet."""
        with self._lock:
            self._script.clear()

    @property
    def prompts(self) -> list[str]:
        """The prompt each model call answered (its last user text), in order."""
        with self._lock:
            return [r.last_user_text for r in self.requests]

    def wait_for_prompt(self, text: str, timeout: float = 60.0) -> RecordedRequest:
        """Block until a model call whose prompt contains ``text`` has arrived; return it.

        Lets a test act while a reply streams (interrupt, kill) without guessing a delay.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for request in self.requests:
                    if text in request.last_user_text:
                        return request
            time.sleep(0.01)
        raise TimeoutError(f"no model call with {text!r} within {timeout} s")

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._script)

    def start(self) -> FakeAnthropicAPI:
        handler = type("Handler", (_Handler,), {"api": self})
        self._server = _QuietServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-anthropic-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeAnthropicAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- serving -----------------------------------------------------------------------------
    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            reply = self._script.popleft() if self._script else None
        reply = reply or self.responder(request)
        if self.tokens_by_length:
            length = len(json.dumps(request.body.get("messages", []))) // 4
            reply = replace(reply, input_tokens=length)
        return reply


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (an interrupted turn, a killed process) is no error to print:
    in the demo this server runs in the kernel, and a traceback would land in the cell."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    api: FakeAnthropicAPI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Stay quiet: test output is for test results."""

    def do_HEAD(self) -> None:
        self._send_json(200, {})

    def do_GET(self) -> None:
        self._send_json(200, {"data": [], "has_more": False})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._send_json(400, _error_body("invalid_request_error", "body is not JSON"))
            return
        path = self.path.split("?", 1)[0]
        if path.endswith("/count_tokens"):
            self._send_json(200, {"input_tokens": 100})
            return
        if not path.endswith("/v1/messages"):
            self._send_json(404, _error_body("not_found_error", f"no route {path}"))
            return
        reply = self.api._next_reply(RecordedRequest(path=path, body=body))
        if reply.status != 200:
            self._send_json(reply.status, _error_body(reply.error_type, reply.text))
        elif body.get("stream"):
            self._stream(reply, body)
        else:
            self._send_json(200, self._message(reply, body))

    def _message(self, reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
        content: list[dict[str, Any]] = []
        if reply.text:
            content.append({"type": "text", "text": reply.text})
        for name, tool_input in reply.tool_uses:
            content.append(
                {"type": "tool_use", "id": _tool_id(), "name": name, "input": tool_input}
            )
        return {
            "id": f"msg_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model") or self.api.model,
            "content": content,
            "stop_reason": "tool_use" if reply.tool_uses else "end_turn",
            "stop_sequence": None,
            "usage": reply.usage,
        }

    def _stream(self, reply: Reply, body: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        start_usage = dict(reply.usage, output_tokens=1)
        message = self._message(reply, body) | {"content": [], "usage": start_usage}
        try:
            self._write(_sse("message_start", {"type": "message_start", "message": message}))
            index = 0
            if reply.thinking:
                self._block(
                    index,
                    {"type": "thinking", "thinking": "", "signature": ""},
                    "thinking_delta",
                    "thinking",
                    reply.thinking,
                    reply,
                )
                index += 1
            if reply.text:
                self._block(
                    index, {"type": "text", "text": ""}, "text_delta", "text", reply.text, reply
                )
                index += 1
            for name, tool_input in reply.tool_uses:
                start = {"type": "tool_use", "id": _tool_id(), "name": name, "input": {}}
                self._block(
                    index, start, "input_json_delta", "partial_json", json.dumps(tool_input), reply
                )
                index += 1
            stop = "tool_use" if reply.tool_uses else "end_turn"
            self._write(
                _sse(
                    "message_delta",
                    {
                        "type": "message_delta",
                        "delta": {"stop_reason": stop, "stop_sequence": None},
                        "usage": {"output_tokens": reply.output_tokens},
                    },
                )
            )
            self._write(_sse("message_stop", {"type": "message_stop"}))
        except (BrokenPipeError, ConnectionResetError):
            return  # the client hung up (an interrupt): nothing more to send

    def _block(
        self,
        index: int,
        start: dict[str, Any],
        delta_type: str,
        key: str,
        payload: str,
        reply: Reply,
    ) -> None:
        self._write(
            _sse(
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": start},
            )
        )
        for piece in _chunks(payload, reply.chunk_size):
            if reply.delay:
                time.sleep(reply.delay)
            self._write(
                _sse(
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": delta_type, key: piece},
                    },
                )
            )
        self._write(_sse("content_block_stop", {"type": "content_block_stop", "index": index}))

    def _write(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _error_body(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


def _tool_id() -> str:
    return f"toolu_{uuid.uuid4().hex[:24]}"


def serve_forever() -> None:
    """``python -m ccmagic.demo.fake_api``: run the demo model until interrupted, print its URL."""
    with FakeAnthropicAPI() as api:
        print(api.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    serve_forever()
