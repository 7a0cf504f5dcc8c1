"""A small OpenAI-compatible chat-completions server for the tests of ``bench run``.

It listens on 127.0.0.1 on a port the OS picks, serves ``POST
/v1/chat/completions`` from a thread, records every request (headers, body,
arrival time) and answers each one with whatever the test's ``respond``
function returns: a chat completion, an HTTP error, or a dropped connection.
Real sockets and real HTTP, so the runner's client is exercised as it is
against vLLM, llama.cpp's server, Ollama or a hosted API.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

CHAT_PATH = "/v1/chat/completions"
_INSTANCE_LINE = re.compile(r"^Instance: (\S+)$", re.MULTILINE)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    path: str
    headers: dict[str, str]
    body: Any
    received_at: float

    @property
    def messages(self) -> list[dict[str, str]]:
        return self.body["messages"]

    @property
    def instance(self) -> str:
        """The instance the prompt is about (from its "Instance: <id>" line)."""
        match = _INSTANCE_LINE.search(self.messages[0]["content"])
        return match.group(1) if match else "?"

    @property
    def response_format(self) -> str:
        """The requested response_format type, or "none"."""
        return self.body.get("response_format", {}).get("type", "none")


@dataclass(frozen=True)
class CannedReply:
    """What the server sends back; ``drop`` closes the connection without an answer."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    drop: bool = False


def chat_completion(content: str, *, finish_reason: str = "stop") -> CannedReply:
    """A successful chat completion whose assistant message is ``content``."""
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1755284400,
        "model": "test-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
    return CannedReply(body=json.dumps(body).encode("utf-8"), headers=(("Content-Type", "application/json"),))


def error_reply(status: int, message: str, *, headers: tuple[tuple[str, str], ...] = ()) -> CannedReply:
    """An error in OpenAI's shape: {"error": {"message": ...}}."""
    body = json.dumps({"error": {"message": message, "type": "invalid_request_error"}}).encode("utf-8")
    return CannedReply(status=status, body=body, headers=(("Content-Type", "application/json"), *headers))


DROP_CONNECTION = CannedReply(drop=True)


class OpenAIServer:
    """The server, as a context manager: ``with OpenAIServer(respond) as server: ... server.base_url``."""

    def __init__(self, respond: Callable[[RecordedRequest], CannedReply]):
        self.respond = respond
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        # A short poll interval: shutdown() waits for the serving loop to notice.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> OpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                recorded = RecordedRequest(self.path, dict(self.headers.items()), json.loads(raw), time.monotonic())
                with server._lock:
                    server.requests.append(recorded)
                reply = server.respond(recorded) if self.path == CHAT_PATH else error_reply(404, f"no route {self.path}")
                if reply.drop:
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output clean

        return Handler
