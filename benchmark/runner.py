"""``bench run``: produce a submission from any OpenAI-compatible chat-completions endpoint.

Every system run through here reads the same versioned prompt
(``benchmark/prompts/v1.md``: the field rules in brief, the JSON Schema of one
summary, the article or articles of the instance), so that the leaderboard
compares models rather than prompts. The runner speaks plain HTTP with the
standard library, so one code path serves hosted APIs and local servers
(vLLM, llama.cpp's server, Ollama).

Per instance: ask for JSON (``response_format`` with the JSON Schema, falling
back to ``json_object`` and then to the prompt's instructions alone when the
server rejects a format; the working format is kept for the rest of the run);
parse the reply strictly and validate it as a ``Summary``; on an unusable
reply, ask again with the problems listed, at most ``max_retries`` times;
after that the instance is written as an empty summary and reported.

Transient HTTP failures (429, 5xx, timeouts, dropped connections) are retried
with exponential backoff, honouring ``Retry-After``. The output file and a
resume sidecar (``<output>.partial.json``) are rewritten after every instance,
so an interrupted run picks up where it stopped when started again with the
same settings.

The API key only ever lives in memory: it is sent in the Authorization
header and scrubbed from any server message that is shown.
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import functools
import hashlib
import http.client
import json
import re
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, Callable, Literal, TextIO

from benchmark.data import sources_of
from benchmark.errors import BenchError, EndpointError, InputError, Problem
from benchmark.escape import escape
from benchmark.files import atomic_write, read_capped, refuse_symlink
from benchmark.records import PromptRecord, write_bench_run_record
from benchmark.schema import INSTANCE_IDS, SCHEMA_VERSION, Submission, Summary, SystemInfo
from benchmark.submission import parse_json_bytes, validate_submission_data

PROMPT_VERSION = "v1"
PROMPTS_DIR = files("benchmark") / "prompts"
PARTIAL_SUFFIX = ".partial.json"
_PARTIAL_FORMAT = "bench-run-partial/1"

ResponseFormat = Literal["json_schema", "json_object", "none"]
# Tried in this order; "none" relies on the prompt's instructions alone.
RESPONSE_FORMATS: tuple[ResponseFormat, ...] = ("json_schema", "json_object", "none")

TRANSIENT_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
# A 4xx with one of these words in its message is taken to refuse the
# requested response_format, not the request as a whole.
_FORMAT_REJECTION_WORDS = ("response_format", "response format", "json_schema", "json schema", "json_object", "schema", "grammar", "structured output")
_MAX_RETRY_AFTER = 120.0
_MAX_BACKOFF = 60.0
_MAX_FEEDBACK_PROBLEMS = 20
_MAX_SERVER_MESSAGE = 300
_MAX_RESPONSE_BYTES = 4 * 1024 * 1024
# A chat completion is about 5 levels deep; the summary inside it is a string.
# A deeper reply is refused before it is parsed (a 200,000-deep one would
# exhaust Python's recursion limit).
MAX_REPLY_NESTING = 32

EXIT_OK = 0
EXIT_SOME_EMPTY = 1


# --- The prompt --------------------------------------------------------------


@dataclass(frozen=True)
class Prompt:
    """A versioned prompt template, identified by its version and the SHA-256 of its file."""

    version: str
    template: str
    sha256: str

    def render(self, instance_id: str) -> str:
        """The user message for one instance: the rules, the schema and the instance's article(s)."""
        sources = sources_of(instance_id)
        articles = "\n\n".join(f"### Article {article.id}\n\n{article.text.strip()}" for article in sources)
        schema = json.dumps(Summary.model_json_schema(), indent=2, ensure_ascii=False)
        count = "1 article" if len(sources) == 1 else f"{len(sources)} articles, all reporting the same summit"
        return (
            self.template.replace("{{instance}}", instance_id)
            .replace("{{source_count}}", count)
            .replace("{{schema}}", schema)
            .replace("{{articles}}", articles)
        )


def load_prompt(version: str = PROMPT_VERSION) -> Prompt:
    """Read ``benchmark/prompts/<version>.md`` (package data)."""
    data = (PROMPTS_DIR / f"{version}.md").read_bytes()
    return Prompt(version=version, template=data.decode("utf-8"), sha256=hashlib.sha256(data).hexdigest())


# --- Parsing a reply ---------------------------------------------------------

_LEADING_THINKING = re.compile(r"^\s*<think>.*?</think>", re.DOTALL)
_FENCED_BLOCK = re.compile(r"```[A-Za-z]*[ \t]*\n(.*?)\n?[ \t]*```", re.DOTALL)


def extract_json_text(content: str) -> str:
    """The JSON part of a model's reply.

    A leading ``<think>…</think>`` block (reasoning models on local servers)
    is dropped, and so is a Markdown fence when the reply holds exactly one
    fenced block. Anything else is left for the strict parser to judge.
    """
    text = _LEADING_THINKING.sub("", content, count=1)
    blocks = _FENCED_BLOCK.findall(text)
    return blocks[0] if len(blocks) == 1 else text


def parse_reply(content: str, instance_id: str) -> Summary:
    """Parse and validate a reply as the summary of ``instance_id``.

    Uses the submission reader's strict JSON parser (no duplicate keys, no
    NaN, no trailing data) and the submission validator, so that a reply is
    accepted exactly when it would be accepted inside a submission file.

    Raises:
        InputError: one problem per defect, located within the reply
            (``attendees[0].name``, or ``reply:line:column`` for JSON syntax).
    """
    data = parse_json_bytes(extract_json_text(content).encode("utf-8"), source="reply")
    wrapper = {"schema_version": SCHEMA_VERSION, "system": {"name": "reply"}, "predictions": {instance_id: data}}
    try:
        submission, _ = validate_submission_data(wrapper, allow_partial=True)
    except InputError as error:
        prefix = f"predictions.{instance_id}"
        located = [
            Problem(p.where[len(prefix) + 1:] or "$" if p.where.startswith(prefix) else p.where, p.message)
            for p in error.problems
        ]
        raise InputError(located) from None
    return submission.predictions[instance_id]


def feedback_message(problems: list[Problem]) -> str:
    """The follow-up message that shows the model what was wrong with its reply."""
    listed = [f"- {problem}" for problem in problems[:_MAX_FEEDBACK_PROBLEMS]]
    if len(problems) > _MAX_FEEDBACK_PROBLEMS:
        listed.append(f"- … and {len(problems) - _MAX_FEEDBACK_PROBLEMS} more")
    return (
        "Your reply could not be used:\n"
        + "\n".join(listed)
        + "\nReply again with only the corrected JSON object, conforming to the schema, and nothing else."
    )


# --- The endpoint --------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """Where requests go. ``url`` may carry a query and is never shown or recorded; ``host`` is."""

    url: str
    host: str
    identity: str
    """scheme://host[:port]/path without query: what a resumed run must match."""

    @classmethod
    def from_base_url(cls, base_url: str) -> Endpoint:
        """Parse a base URL such as ``https://api.openai.com/v1`` or ``http://localhost:8000/v1``.

        Raises:
            InputError: for anything but an http(s) URL with a host, or a URL carrying credentials.
        """
        try:
            parts = urllib.parse.urlsplit(base_url.strip())
            port = parts.port
        except ValueError as error:
            raise InputError([Problem("--base-url", f"not a valid URL ({error})")]) from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError([Problem("--base-url", "must be an http:// or https:// URL with a host, e.g. http://localhost:8000/v1")])
        if parts.username or parts.password:
            raise InputError([Problem("--base-url", "must not contain credentials; put the API key in an environment variable (--api-key-env)")])
        hostname = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname  # IPv6 literal
        host = hostname if port is None else f"{hostname}:{port}"
        path = parts.path.rstrip("/") + "/chat/completions"
        url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
        return cls(url=url, host=host, identity=f"{parts.scheme}://{host}{path}")


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    # Following a redirect would send the Authorization header to wherever
    # the server points; a redirect surfaces as an error instead.
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102 (urllib's signature)
        return None


class _Deadline:
    """The time limit of one whole request: connecting, sending, the headers and the body.

    A socket timeout bounds each read only, so a server trickling its body a
    byte at a time could hold a request for ever. When the limit passes, a
    timer shuts down the request's sockets, and the read in progress fails
    at once.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:  # already closed, or handed over to TLS
            pass

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            self._shut(sock)

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()


def _watched(connection_class: type) -> type:
    """``connection_class`` with every socket it opens handed to its ``_Deadline``."""

    class Watched(connection_class):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self._deadline = deadline
            create = self._create_connection

            def create_and_watch(*args: Any, **kwargs: Any) -> socket.socket:
                sock = create(*args, **kwargs)
                deadline.watch(sock)  # the TLS handshake too
                return sock

            self._create_connection = create_and_watch

        def connect(self) -> None:
            super().connect()
            self._deadline.watch(self.sock)  # the TLS socket, once wrapped

    return Watched


_WatchedHTTP = _watched(http.client.HTTPConnection)
_WatchedHTTPS = _watched(http.client.HTTPSConnection)


class _DeadlineHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline):
        super().__init__()
        self._deadline = deadline

    def http_open(self, req):  # noqa: D102 (urllib's signature)
        return self.do_open(functools.partial(_WatchedHTTP, deadline=self._deadline), req)


class _DeadlineHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline):
        super().__init__()
        self._deadline = deadline

    def https_open(self, req):  # noqa: D102 (urllib's signature)
        return self.do_open(functools.partial(_WatchedHTTPS, deadline=self._deadline), req, context=self._context)


def _too_deep(payload: bytes, limit: int = MAX_REPLY_NESTING) -> bool:
    """Whether JSON ``payload`` nests arrays and objects more than ``limit`` deep (strings skipped)."""
    depth = 0
    for bracket in _BRACKET.findall(_JSON_STRING.sub(b'""', payload)):
        if bracket in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(rb"[\[\]{}]")


class _RequestRejected(Exception):
    """The endpoint answered 4xx to a well-formed request (the caller decides whether a format fallback helps)."""

    def __init__(self, status: int, message: str):
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try.

    Attributes:
        max_retries: retries after the first attempt, for a transient HTTP
            failure of one request and for an unusable reply of one instance.
        base_delay: seconds before the first retry of a transient failure;
            doubled for every further retry, capped at a minute, replaced by
            the server's ``Retry-After`` when it sends one.
        timeout: seconds one request may take in all, from connecting to the
            last byte of the response (``_Deadline``).
    """

    max_retries: int = 3
    base_delay: float = 1.0
    timeout: float = 120.0


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """The wait a ``Retry-After`` header asks for (seconds or an HTTP date), capped; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = moment.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER)


class ChatClient:
    """Posts chat-completion requests to one endpoint, retrying transient failures."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        api_key: str | None,
        api_key_env: str,
        policy: RetryPolicy,
        note: Callable[[str], None],
    ):
        self.endpoint = endpoint
        self._api_key = api_key
        self._api_key_env = api_key_env
        self._policy = policy
        self._note = note
        self.requests_sent = 0

    def redact(self, text: str) -> str:
        """``text`` with the API key blanked out, for anything shown to the user."""
        return text.replace(self._api_key, "[redacted]") if self._api_key else text

    def _server_message(self, body: bytes) -> str:
        """The human part of an error body (OpenAI, vLLM, Ollama and llama.cpp shapes), short and redacted."""
        text = body.decode("utf-8", errors="replace")
        try:
            parsed = None if _too_deep(body) else json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            error = parsed.get("error")
            if isinstance(error, dict) and isinstance(error.get("message"), str):
                text = error["message"]
            elif isinstance(error, str):
                text = error
            elif isinstance(parsed.get("message"), str):
                text = parsed["message"]
            elif isinstance(parsed.get("detail"), str):
                text = parsed["detail"]
        text = " ".join(self.redact(text).split())
        text = text[:_MAX_SERVER_MESSAGE] + ("…" if len(text) > _MAX_SERVER_MESSAGE else "")
        # Whatever the server wrote is shown escaped: no escape sequence, override or line break reaches the terminal.
        return escape(text) if text else "(no message)"

    def complete(self, body: dict[str, Any]) -> dict[str, Any]:
        """Send one chat-completion request and return the parsed response.

        Raises:
            _RequestRejected: HTTP 400, 413 or 422 (the request itself was refused).
            InputError: the endpoint refused the configuration (401, 403, 404, a redirect, …).
            EndpointError: transient failures persisted through every retry.
        """
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": "alaska-summit-bench"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        host = self.endpoint.host
        attempts = self._policy.max_retries + 1
        attempt = 0
        while True:
            retry_after = None
            self.requests_sent += 1
            deadline = _Deadline(self._policy.timeout)
            opener = urllib.request.build_opener(_RefuseRedirects, _DeadlineHTTPHandler(deadline), _DeadlineHTTPSHandler(deadline))
            try:
                request = urllib.request.Request(self.endpoint.url, data=data, headers=headers, method="POST")
                with deadline:
                    try:
                        with opener.open(request, timeout=self._policy.timeout) as response:
                            payload = response.read(_MAX_RESPONSE_BYTES + 1)
                    except urllib.error.HTTPError as error:
                        error.body = error.read(64 * 1024)  # within the deadline too
                        raise
                # A body cut off by the deadline can end quietly, short of its length.
                parsed, failure = (None, f"no complete response within {self._policy.timeout:g} s (--timeout)") if deadline.expired else _chat_completion(payload)
                if failure is None:
                    return parsed
            except urllib.error.HTTPError as error:
                status = error.code
                message = self._server_message(error.body)
                if status in TRANSIENT_STATUSES or status >= 500:
                    failure = f"HTTP {status} ({message})"
                    retry_after = retry_after_seconds(error.headers.get("Retry-After"))
                elif status in (400, 413, 422):
                    raise _RequestRejected(status, message) from None
                elif status in (401, 403):
                    raise InputError([Problem(
                        f"${self._api_key_env}",
                        f"{host} answered HTTP {status} ({message}); check the API key"
                        + ("" if self._api_key else f" (none was sent: {self._api_key_env} is not set)"),
                    )]) from None
                elif 300 <= status < 400:
                    raise InputError([Problem("--base-url", f"{host} answered HTTP {status} (a redirect, not followed so that the API key stays with this host); use the URL it redirects to")]) from None
                else:
                    hint = "; check --base-url (it usually ends in /v1) and --model" if status == 404 else ""
                    raise InputError([Problem("--base-url", f"{host} answered HTTP {status} ({message}){hint}")]) from None
            except (OSError, http.client.HTTPException) as error:
                # Timeouts, refused or reset connections, truncated responses.
                reason = error.reason if isinstance(error, urllib.error.URLError) else error
                failure = self.redact(f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__)
                if deadline.expired:
                    failure = f"no complete response within {self._policy.timeout:g} s (--timeout)"
            attempt += 1
            if attempt == attempts:
                raise EndpointError(f"{host}: {failure}; gave up after {attempts} attempt{'s' * (attempts > 1)}")
            delay = retry_after if retry_after is not None else min(self._policy.base_delay * 2 ** (attempt - 1), _MAX_BACKOFF)
            self._note(f"{host}: {failure}; retry {attempt} of {self._policy.max_retries} in {delay:.2f} s")
            time.sleep(delay)


def _chat_completion(payload: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """A 200 response parsed as a chat completion, or why it is not a usable one."""
    if len(payload) > _MAX_RESPONSE_BYTES:
        return None, f"response larger than {_MAX_RESPONSE_BYTES:,} bytes"
    if _too_deep(payload):
        return None, f"response nested deeper than {MAX_REPLY_NESTING} levels"
    try:
        parsed = json.loads(payload)
    except (ValueError, RecursionError):
        return None, "response is not JSON"
    choices = parsed.get("choices") if isinstance(parsed, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict) or not isinstance(choices[0].get("message"), dict):
        return None, "response is not a chat completion (no choices[0].message)"
    return parsed, None


# --- One instance --------------------------------------------------------------


@dataclass(frozen=True)
class RunSettings:
    """What decides the replies; a run resumes only under the same settings."""

    model: str
    endpoint: str
    prompt_version: str
    prompt_sha256: str
    temperature: float
    max_tokens: int


@dataclass(frozen=True)
class InstanceOutcome:
    """How one instance ended: a valid summary, or an empty one after replies that never validated."""

    instance_id: str
    status: Literal["ok", "empty"]
    summary: Summary
    requests: int
    error: str | None = None
    reply: str | None = None
    """The last raw reply (None when the endpoint sent no content), for the run record."""


@dataclass
class RequestShape:
    """How requests are shaped for this server, adapted once when it refuses a shape.

    ``response_format`` moves down ``RESPONSE_FORMATS`` when the server refuses
    one; ``token_limit_key`` becomes ``max_completion_tokens`` for hosted
    models that refuse ``max_tokens`` and name the replacement.
    """

    response_format: ResponseFormat = "json_schema"
    token_limit_key: Literal["max_tokens", "max_completion_tokens"] = "max_tokens"


def _response_format(mode: ResponseFormat) -> dict[str, Any] | None:
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": "summary", "schema": Summary.model_json_schema(), "strict": False}}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def _refuses_format(rejection: _RequestRejected) -> bool:
    message = rejection.message.casefold()
    return any(word in message for word in _FORMAT_REJECTION_WORDS)


def request_reply(client: ChatClient, settings: RunSettings, messages: list[dict[str, str]], shape: RequestShape, note: Callable[[str], None]) -> dict[str, Any]:
    """One chat completion, adapting the request's shape while the server refuses it."""
    while True:
        body: dict[str, Any] = {
            "model": settings.model,
            "messages": messages,
            "temperature": settings.temperature,
            shape.token_limit_key: settings.max_tokens,
        }
        response_format = _response_format(shape.response_format)
        if response_format is not None:
            body["response_format"] = response_format
        try:
            return client.complete(body)
        except _RequestRejected as rejection:
            host = client.endpoint.host
            if shape.token_limit_key == "max_tokens" and "max_completion_tokens" in rejection.message:
                note(f"{host} refused max_tokens ({rejection.message}); using max_completion_tokens from now on")
                shape.token_limit_key = "max_completion_tokens"
                continue
            if shape.response_format != "none" and _refuses_format(rejection):
                following = RESPONSE_FORMATS[RESPONSE_FORMATS.index(shape.response_format) + 1]
                note(f"{host} refused response_format {shape.response_format} ({rejection.message}); using {following} from now on")
                shape.response_format = following
                continue
            raise InputError([Problem(host, f"refused the request: {rejection} (check --model, --max-tokens and --temperature for this server)")]) from None


def summarize_instance(
    instance_id: str,
    *,
    client: ChatClient,
    prompt: Prompt,
    settings: RunSettings,
    shape: RequestShape,
    max_retries: int,
    note: Callable[[str], None],
) -> InstanceOutcome:
    """Ask the model for one instance's summary until a reply validates or the retries run out."""
    first_message = {"role": "user", "content": prompt.render(instance_id)}
    messages = [first_message]
    sent_before = client.requests_sent
    error = ""
    for attempt in range(max_retries + 1):
        response = request_reply(client, settings, messages, shape, note)
        choice = response["choices"][0]
        content = choice["message"].get("content")
        if not isinstance(content, str) or not content.strip():
            refusal = choice["message"].get("refusal")
            error = f"reply has no content{f' (refusal: {escape(refusal)})' if isinstance(refusal, str) else ''}"
            problems = [Problem("$", error)]
        else:
            try:
                summary = parse_reply(content, instance_id)
            except InputError as invalid:
                problems = invalid.problems
                error = "; ".join(str(p) for p in problems[:3]) + (f"; … ({len(problems)} problems)" if len(problems) > 3 else "")
                if choice.get("finish_reason") == "length":
                    error += " (reply cut off at --max-tokens)"
            else:
                return InstanceOutcome(instance_id, "ok", summary, client.requests_sent - sent_before, reply=content)
        if attempt < max_retries:
            note(f"{instance_id}: unusable reply ({client.redact(error)}); asking again ({attempt + 1} of {max_retries})")
            # Only the latest attempt is shown back, so the conversation stays short.
            messages = [first_message]
            if isinstance(content, str) and content:
                messages.append({"role": "assistant", "content": content})
            messages.append({"role": "user", "content": feedback_message(problems)})
    reply = content if isinstance(content, str) else None
    return InstanceOutcome(instance_id, "empty", Summary(), client.requests_sent - sent_before, client.redact(error), reply)


# --- The run: resume state, output, progress --------------------------------


def partial_path(output: Path) -> Path:
    """The resume sidecar of an output file."""
    return output.with_name(output.name + PARTIAL_SUFFIX)


@dataclass
class _RunState:
    settings: RunSettings
    response_format: ResponseFormat
    done: dict[str, InstanceOutcome] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        record = {
            "format": _PARTIAL_FORMAT,
            "note": "Resume state of an interrupted `bench run`; deleted when the run completes.",
            "settings": asdict(self.settings),
            "response_format": self.response_format,
            "done": {
                i: {"status": o.status, "requests": o.requests, "error": o.error, "reply": o.reply, "summary": o.summary.model_dump(mode="json")}
                for i, o in self.done.items()
            },
        }
        return (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    @classmethod
    def read(cls, path: Path) -> _RunState:
        damaged = "resume state is damaged; delete it or pass --restart"
        try:
            record = parse_json_bytes(read_capped(path, max_bytes=_MAX_RESPONSE_BYTES * 2), source=escape(str(path)))
            if record.get("format") != _PARTIAL_FORMAT:
                raise ValueError("unknown format")
            settings = RunSettings(**record["settings"])
            done = {
                i: InstanceOutcome(i, entry["status"], Summary.model_validate(entry["summary"]), entry["requests"], entry["error"], entry.get("reply"))
                for i, entry in record["done"].items()
                if i in INSTANCE_IDS
            }
            response_format = record["response_format"]
            if response_format not in RESPONSE_FORMATS or any(o.status not in ("ok", "empty") for o in done.values()):
                raise ValueError("unknown response format or status")
        except (InputError, OSError, ValueError, KeyError, TypeError, AttributeError):
            raise InputError([Problem(str(path), damaged)]) from None
        return cls(settings, response_format, done)


def describe_run(settings: RunSettings, host: str, response_format: ResponseFormat, empty: list[str]) -> str:
    """The submission's ``system.description``: how the predictions were produced, in one readable line."""
    parts = [
        "bench run",
        f"endpoint host {host}",
        f"prompt {settings.prompt_version} (sha256:{settings.prompt_sha256[:12]})",
        f"temperature {settings.temperature:g}",
        f"max_tokens {settings.max_tokens}",
        f"response_format {response_format}",
    ]
    if empty:
        parts.append(f"empty after replies that never validated: {', '.join(empty)}")
    return " · ".join(parts)


class Progress:
    """Instances done, on stderr: a redrawn bar on a terminal, one line per instance otherwise."""

    def __init__(self, stream: TextIO, total: int):
        self._stream = stream
        self._total = total
        self._done = 0
        self._interactive = getattr(stream, "isatty", lambda: False)()

    def _bar(self) -> str:
        width = 24
        filled = width * self._done // self._total if self._total else width
        return f"\r[{'#' * filled}{'.' * (width - filled)}] {self._done}/{self._total} instances"

    def note(self, message: str) -> None:
        """A line above the bar."""
        prefix = "\r\033[K" if self._interactive else ""
        self._stream.write(f"{prefix}note: {escape(message)}\n")
        if self._interactive and self._done < self._total:
            self._stream.write(self._bar())
        self._stream.flush()

    def advance(self, outcome: InstanceOutcome, *, resumed: bool = False) -> None:
        """Count one more instance done."""
        self._done += 1
        how = "resumed" if resumed else f"{outcome.status}, {outcome.requests} request{'s' * (outcome.requests != 1)}"
        if self._interactive:
            self._stream.write(self._bar() + f"  {outcome.instance_id}: {how}\033[K" + ("\n" if self._done == self._total else ""))
        else:
            self._stream.write(f"[{self._done}/{self._total}] {outcome.instance_id}: {how}\n")
        self._stream.flush()


@dataclass(frozen=True)
class RunResult:
    """What a run produced."""

    output: Path
    outcomes: dict[str, InstanceOutcome]
    resumed: tuple[str, ...]
    requests: int
    response_format: ResponseFormat

    @property
    def empty(self) -> list[InstanceOutcome]:
        """Instances written as empty summaries because no reply validated."""
        return [o for o in self.outcomes.values() if o.status == "empty"]

    @property
    def exit_code(self) -> int:
        return EXIT_SOME_EMPTY if self.empty else EXIT_OK


def _settings_mismatch(saved: RunSettings, current: RunSettings) -> list[str]:
    return [
        f"{name} {getattr(saved, name)!r} (saved) vs {getattr(current, name)!r} (now)"
        for name in RunSettings.__dataclass_fields__
        if getattr(saved, name) != getattr(current, name)
    ]


def run_model(
    *,
    base_url: str,
    model: str,
    api_key: str | None,
    api_key_env: str,
    output: Path,
    instances: tuple[str, ...] | None = None,
    system_name: str | None = None,
    temperature: float = 0.0,
    max_tokens: int = 2048,
    policy: RetryPolicy = RetryPolicy(),
    restart: bool = False,
    stderr: TextIO | None = None,
) -> RunResult:
    """Run a model over the instances and write its submission to ``output``.

    Args:
        base_url: the OpenAI-compatible base URL, e.g. ``http://localhost:8000/v1``.
        model: the model name the endpoint expects.
        api_key: sent as a Bearer token; None for a server that needs none.
        api_key_env: the variable the key came from, to name it in messages.
        output: the submission file to write (its directory is created).
        instances: which instances to run, in any order (written in canonical order); all six by default.
        system_name: the leaderboard name; the model name (cut to 64 characters) by default.
        temperature: sampling temperature.
        max_tokens: cap on the reply's length.
        policy: retries, backoff and timeout.
        restart: discard the resume state, or an existing output file, and start over.
        stderr: where progress and notes go (default: ``sys.stderr`` at call time).

    Returns:
        The outcome of every instance. The output file then holds all of them;
        the resume sidecar is deleted.

    Raises:
        InputError: a bad argument, settings that differ from the saved
            state, or the endpoint refusing the configuration (exit 2).
        EndpointError: the endpoint stayed unavailable (exit 3). In both
            cases the instances finished so far are saved and a rerun resumes.
    """
    endpoint = Endpoint.from_base_url(base_url)
    instances = INSTANCE_IDS if instances is None else instances
    unknown = [i for i in instances if i not in INSTANCE_IDS]
    if unknown:
        raise InputError([Problem("--instances", f"unknown instance id {i!r}; allowed: {', '.join(INSTANCE_IDS)}") for i in unknown])
    selected = tuple(i for i in INSTANCE_IDS if i in instances)
    for path in (output, partial_path(output)):
        refuse_symlink(path)  # before any request
    name = system_name if system_name is not None else model[:64]
    try:
        SystemInfo(name=name, model=model)
    except ValueError as error:  # pydantic's ValidationError
        where = {"name": "--system-name", "model": "--model"}
        raise InputError([Problem(where.get(str(d["loc"][0]), "--system-name"), d["msg"]) for d in error.errors()]) from None

    prompt = load_prompt()
    settings = RunSettings(model, endpoint.identity, prompt.version, prompt.sha256, float(temperature), max_tokens)
    sidecar = partial_path(output)
    state = _RunState(settings, RESPONSE_FORMATS[0])
    if restart:
        sidecar.unlink(missing_ok=True)
    elif sidecar.exists():
        saved = _RunState.read(sidecar)
        differences = _settings_mismatch(saved.settings, settings)
        if differences:
            raise InputError([Problem(str(sidecar), "an interrupted run with other settings: " + "; ".join(differences) + ". Rerun with the same settings to resume, or pass --restart to discard it")])
        state = saved
    elif output.exists():
        raise InputError([Problem(str(output), "already exists; pass --restart to overwrite it, or choose another --output")])
    if output.is_dir():
        raise InputError([Problem(str(output), "is a directory; --output names the submission file to write")])
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError([Problem(str(output.parent), f"cannot create the directory: {error.strerror}")]) from None

    progress = Progress(stderr or sys.stderr, len(selected))
    shape = RequestShape(state.response_format)
    client = ChatClient(endpoint, api_key=api_key, api_key_env=api_key_env, policy=policy, note=progress.note)
    resumed = tuple(i for i in selected if i in state.done)
    for instance_id in resumed:
        progress.advance(state.done[instance_id], resumed=True)

    def write(final: bool) -> None:
        empty = [i for i, o in state.done.items() if o.status == "empty"]
        system = SystemInfo(
            name=name,
            description=describe_run(settings, endpoint.host, shape.response_format, sorted(empty, key=INSTANCE_IDS.index)),
            model=model,
            date=_dt.datetime.now(_dt.timezone.utc).date().isoformat(),
        )
        predictions = {i: state.done[i].summary for i in INSTANCE_IDS if i in state.done}
        submission = Submission(schema_version=SCHEMA_VERSION, system=system, predictions=predictions)
        # The sidecar first: if the process dies between the two writes, the
        # sidecar is the fuller record and a rerun rewrites the output from it.
        # It outlives a run of some instances only, so that a later run of
        # the others resumes instead of refusing the existing output.
        complete = all(i in state.done for i in INSTANCE_IDS)
        try:
            if not (final and complete):
                state.response_format = shape.response_format
                atomic_write(sidecar, state.to_bytes())
            atomic_write(output, (submission.model_dump_json(indent=2) + "\n").encode("utf-8"))
            if final and complete:
                write_bench_run_record(
                    output, model=model, host=endpoint.host, prompt=PromptRecord(version=prompt.version, sha256=prompt.sha256),
                    settings={"temperature": settings.temperature, "max_tokens": settings.max_tokens, "response_format": shape.response_format},
                    replies={i: o.reply for i, o in state.done.items()},
                )
                sidecar.unlink(missing_ok=True)
        except OSError as error:
            raise InputError([Problem(str(output), f"cannot write: {error.strerror or error}")]) from None

    try:
        for instance_id in selected:
            if instance_id in state.done:
                continue
            outcome = summarize_instance(
                instance_id, client=client, prompt=prompt, settings=settings, shape=shape,
                max_retries=policy.max_retries, note=progress.note,
            )
            state.done[instance_id] = outcome
            write(final=False)
            progress.advance(outcome)
    except (BenchError, KeyboardInterrupt):
        finished = sum(i in state.done for i in selected)
        if finished:
            progress.note(f"{finished} of {len(selected)} instances saved in {output}; rerun the same command to resume")
        raise
    write(final=True)
    return RunResult(
        output=output,
        outcomes={i: state.done[i] for i in selected},
        resumed=resumed,
        requests=client.requests_sent,
        response_format=shape.response_format,
    )
