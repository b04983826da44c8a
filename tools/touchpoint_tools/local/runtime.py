"""Runs the real handlers the way AWS would: API routes, the SQS event source, the schedule.

Every invocation gets its function's environment from template.yaml (process
environment wins for variables that are set, as with `sam local --env-vars`), a
Lambda-like context and the event shape AWS sends.
"""

from __future__ import annotations

import base64
import gc
import importlib.util
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote

from touchpoint import aws, config
from touchpoint.profiles.models import reset_connections
from touchpoint_tools.local.emulation import Resources
from touchpoint_tools.local.template import Function, Template, TemplateError, resolve


@dataclass
class Context:
    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = ""
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = ""
    deadline: float = 0.0  # time.monotonic() when the function's Timeout runs out

    def get_remaining_time_in_millis(self) -> int:
        """As Lambda counts it; nothing stops a local invocation at its end."""
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes


class LocalRuntime:
    def __init__(self, template: Template) -> None:
        self.template = template
        self.resources = Resources(template, config.table_name())
        self._modules: dict[str, ModuleType] = {}
        self._lock = threading.RLock()
        # In-process moto (tests, a throw-away `invoke`) is not safe under concurrent writers, so
        # invocations take turns. Against an endpoint (the moto server `serve` starts, which takes
        # one request at a time, or real AWS) they run side by side, as Lambda runs them: a Sender
        # waiting on a slow provider never holds up a webhook.
        self.serialize = not os.environ.get("AWS_ENDPOINT_URL")

    def bootstrap(self) -> None:
        self.resources.ensure()
        reset_connections()
        if not self.serialize:
            os.environ.update(self._shared_environment())

    def _shared_environment(self) -> dict[str, str]:
        """Every function's environment but the per-function names, set once for the process:
        invocations that run side by side must not swap environment variables under each other."""
        shared: dict[str, str] = {}
        for fn in self.template.functions.values():
            for name, value in self.environment(fn).items():
                if name in PER_FUNCTION:
                    continue
                if shared.get(name, value) != value:
                    raise TemplateError(f"{name} differs between functions; `serve` needs one value")
                shared[name] = value
        return shared

    # -- invoking ---------------------------------------------------------------------------

    def function(self, logical_id: str) -> Function:
        try:
            return self.template.functions[logical_id]
        except KeyError:
            known = ", ".join(sorted(self.template.functions))
            raise TemplateError(f"no function '{logical_id}' in template.yaml (known: {known})") from None

    def environment(self, fn: Function) -> dict[str, str]:
        refs, attrs = self.resources.refs(), self.resources.attrs()
        env = {name: resolve(value, refs, attrs) for name, value in fn.environment.items()}
        for name in env:
            if os.environ.get(name) and name not in (
                "POWERTOOLS_SERVICE_NAME",
                "OUTBOUND_QUEUE_URL",
                "SECRETS_ARN",
                "LINK_SECRETS_ARN",
            ):
                env[name] = os.environ[name]
        env["AWS_LAMBDA_FUNCTION_NAME"] = fn.logical_id
        return env

    @contextmanager
    def _env(self, values: dict[str, str]) -> Iterator[None]:
        saved = {k: os.environ.get(k) for k in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for key, old in saved.items():
                if old is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = old

    def _handler(self, fn: Function) -> Callable[[Any, Any], Any]:
        module_file, _, attr = fn.handler.rpartition(".")
        if fn.logical_id not in self._modules:
            path = fn.code_dir / f"{module_file.replace('.', '/')}.py"
            spec = importlib.util.spec_from_file_location(f"touchpoint_fn_{fn.logical_id}", path)
            if spec is None or spec.loader is None:
                raise TemplateError(f"cannot load handler {path}")
            module = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
            finally:
                # a module that fails to load never lets the collector run again (coldstart.py);
                # Lambda would discard the process, this one goes on
                gc.enable()
            self._modules[fn.logical_id] = module
        handler: Callable[[Any, Any], Any] = getattr(self._modules[fn.logical_id], attr)
        return handler

    def invoke(self, logical_id: str, event: Any) -> Any:
        fn = self.function(logical_id)
        context = Context(
            function_name=logical_id,
            aws_request_id=str(uuid.uuid4()),
            invoked_function_arn=f"arn:aws:lambda:{aws.region()}:123456789012:function:{logical_id}",
            deadline=time.monotonic() + fn.timeout,
        )
        service = fn.environment.get("POWERTOOLS_SERVICE_NAME")
        with self.as_function(logical_id), _logs_as(service if isinstance(service, str) else None):
            return self._loaded(fn)(event, context)

    def _loaded(self, fn: Function) -> Callable[[Any, Any], Any]:
        """The handler, imported once under the function's own environment (its service name)."""
        if fn.logical_id not in self._modules:
            with self._lock, self._env(self.environment(fn)):
                return self._handler(fn)
        return self._handler(fn)

    @contextmanager
    def as_function(self, logical_id: str) -> Iterator[None]:
        """Run code as if inside that function: its environment (one invocation at a time on
        in-process moto)."""
        if not self.serialize:
            yield
            return
        with self._lock, self._env(self.environment(self.function(logical_id))):
            yield

    # -- HTTP API --------------------------------------------------------------------------

    def route(self, method: str, path: str) -> tuple[Function, str, dict[str, str]] | None:
        """The function, the route's template path and its path parameters, as API Gateway
        matches them: `/unsubscribe/{token}` takes one path segment."""
        for route in self.template.routes:
            params = match_path(route.path, path)
            if route.method == method and params is not None:
                return self.template.functions[route.function], route.path, params
        return None

    def http(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes, source_ip: str = "127.0.0.1"
    ) -> HttpResponse:
        path, _, query = raw_path.partition("?")
        found = self.route(method, path)
        if found is None:
            return _json_response(404, {"message": "Not Found"})
        fn, route_path, params = found
        event = http_event(method, path, query, headers, body, source_ip)
        event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} {route_path}"
        if params:
            event["pathParameters"] = params
        try:
            result = self.invoke(fn.logical_id, event)
        except Exception as exc:  # our fault or AWS's: a 500, as API Gateway answers
            print(f"{fn.logical_id} failed: {exc!r}", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
            return _json_response(500, {"message": "Internal Server Error"})
        return _from_lambda(result)

    # -- SQS event source and schedule -----------------------------------------------------

    def drain(self, rounds: int = 20, functions: Collection[str] | None = None) -> dict[str, int]:
        """Deliver queued messages to their functions (to these only, when named), as an event
        source mapping would."""
        totals = {"delivered": 0, "failed": 0}
        sqs = aws.client("sqs")
        for fn in self.template.functions.values():
            for queue, batch_size in fn.queues if functions is None or fn.logical_id in functions else ():
                url = self.resources.queue_urls[queue]
                for _ in range(rounds):
                    received = sqs.receive_message(
                        QueueUrl=url, MaxNumberOfMessages=min(batch_size, 10), AttributeNames=["All"]
                    ).get("Messages", [])
                    if not received:
                        break
                    failed = self._deliver_batch(fn, url, received)
                    totals["delivered"] += len(received) - len(failed)
                    totals["failed"] += len(failed)
                    if len(failed) == len(received):
                        break  # only failures this round: leave them for the next drain
        return totals

    def _deliver_batch(self, fn: Function, url: str, messages: list[dict[str, Any]]) -> set[str]:
        sqs = aws.client("sqs")
        arn = self.resources.queue_arns.get(next(q for q, _ in fn.queues), "")
        event = {"Records": [sqs_record(m, arn) for m in messages]}
        try:
            result = self.invoke(fn.logical_id, event) or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        except Exception as exc:
            print(f"{fn.logical_id} failed: {exc!r}", file=sys.stderr)
            failed = {m["MessageId"] for m in messages}
        for message in messages:
            if message["MessageId"] in failed:
                sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return failed

    def scheduled(self) -> list[Function]:
        return [fn for fn in self.template.functions.values() if fn.schedules]

    def dispatch(self, at: datetime) -> dict[str, Any]:
        """The scheduled work as if the clock read `at`, then the resulting sends. What waits on
        other queues goes first (S3's notices of new archive objects, for the Watches function),
        so the sends are taken the moment they are enqueued."""
        self.drain(functions=[name for name in self.template.functions if name != SENDER])
        results: dict[str, Any] = {}
        for fn in self.scheduled():
            results[fn.logical_id] = self.invoke(fn.logical_id, scheduled_event(at, fn.logical_id))
        results["delivery"] = self.drain(functions=[SENDER])
        self._settle(SENDER)
        return results

    def _settle(self, logical_id: str, timeout: float = 30.0) -> None:
        """Wait while another consumer (a running `serve`) still holds messages of this function's
        queues: a send it took is finished when `dispatch` returns."""
        sqs, deadline = aws.client("sqs"), time.monotonic() + timeout
        for queue, _ in self.function(logical_id).queues:
            url = self.resources.queue_urls[queue]
            while time.monotonic() < deadline:
                held = sqs.get_queue_attributes(
                    QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
                )["Attributes"]["ApproximateNumberOfMessagesNotVisible"]
                if int(held) == 0:
                    break
                time.sleep(0.1)

    def background(
        self, stop: threading.Event, drain_every: float = 1.0, dispatch_every: float = 60.0
    ) -> threading.Thread:
        def loop() -> None:
            next_dispatch = time.monotonic()
            while not stop.is_set():
                try:
                    if time.monotonic() >= next_dispatch:
                        next_dispatch += dispatch_every
                        for fn in self.scheduled():
                            self.invoke(fn.logical_id, scheduled_event(datetime.now(UTC), fn.logical_id))
                    self.drain(rounds=5)
                except Exception as exc:  # keep serving; the next tick retries
                    print(f"background work failed: {exc!r}", file=sys.stderr)
                stop.wait(drain_every)

        thread = threading.Thread(target=loop, name="touchpoint-scheduler", daemon=True)
        thread.start()
        return thread


PER_FUNCTION = ("POWERTOOLS_SERVICE_NAME", "AWS_LAMBDA_FUNCTION_NAME")
SENDER = "SenderFunction"  # its deliveries are what `dispatch` reports: the sends


def http_event(
    method: str, path: str, query: str, headers: dict[str, str], body: bytes, source_ip: str
) -> dict[str, Any]:
    """An API Gateway HTTP API payload (format 2.0)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode("ascii"), True
    now = datetime.now(UTC)
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": lowered,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": lowered.get("host", "localhost"),
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "body": text,
        "isBase64Encoded": encoded,
    }


def match_path(pattern: str, path: str) -> dict[str, str] | None:
    """Path parameters when `path` fits the route `pattern`, else None."""
    want, got = pattern.strip("/").split("/"), path.strip("/").split("/")
    if len(want) != len(got):
        return None
    params: dict[str, str] = {}
    for expected, actual in zip(want, got, strict=True):
        if expected.startswith("{") and expected.endswith("}"):
            if not actual:
                return None
            params[expected[1:-1]] = unquote(actual)
        elif expected != actual:
            return None
    return params


def sqs_record(message: dict[str, Any], arn: str) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": aws.region(),
    }


def scheduled_event(at: datetime, name: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": aws.region(),
        "resources": [f"arn:aws:events:{aws.region()}:123456789012:rule/{name}"],
        "detail": {},
    }


def _json_response(status: int, body: dict[str, Any]) -> HttpResponse:
    return HttpResponse(status, {"content-type": "application/json"}, json.dumps(body).encode())


def _from_lambda(result: Any) -> HttpResponse:
    if not isinstance(result, dict) or "statusCode" not in result:
        return _json_response(200, result if isinstance(result, dict) else {"result": result})
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode("utf-8")
    headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
    return HttpResponse(int(result["statusCode"]), headers, raw)


def find_template(explicit: str | None = None) -> Path:
    candidates = (
        [Path(explicit)]
        if explicit
        else [Path.cwd() / "template.yaml", Path(__file__).resolve().parents[3] / "template.yaml"]
    )
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise TemplateError("template.yaml not found: run from the project folder or pass --template")


@contextmanager
def _logs_as(service: str | None) -> Iterator[None]:
    """Log lines of this invocation carry its function's service name. In Lambda each function
    is its own process; here shared modules' child loggers hang under whichever function imported
    them first, so the service goes into Powertools' per-context keys for the invocation."""
    if not service:
        yield
        return
    from aws_lambda_powertools.logging.formatter import THREAD_LOCAL_KEYS

    token = THREAD_LOCAL_KEYS.set({**THREAD_LOCAL_KEYS.get(), "service": service})
    try:
        yield
    finally:
        THREAD_LOCAL_KEYS.reset(token)
