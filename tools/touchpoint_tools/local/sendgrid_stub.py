"""A loopback stand-in for SendGrid's v3 API: records mail/send requests, answers like SendGrid.

The demo and the tests point SENDGRID_API_HOST at it, so the real sendgrid client runs.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class SendGridStub:
    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, on_mail: Callable[[dict[str, Any]], None] | None = None
    ) -> None:
        self.requests: list[dict[str, Any]] = []
        self.on_mail = on_mail  # called with each accepted mail/send body (the outbox writes it)
        self.fail_with: int | None = None  # answer this status instead of 202 (tests of retries)
        self.fail_every = 0  # answer 503 to every n-th request (fault injection); 0: never
        self.delay_seconds = 0.0  # accept the mail, then answer this late (a client timeout)
        # faults by request, cycled: "ok", a status ("429", "503"), "timeout" (accept, answer after
        # hang_seconds), "close" (accept, close unanswered), "drop" (close without accepting)
        self.script: list[str] = []
        self.hang_seconds = 30.0
        self.received = 0
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path != "/v3/mail/send":
                    self._answer(404, b'{"errors":[{"message":"not found"}]}')
                elif not (self.headers.get("Authorization") or "").startswith("Bearer "):
                    self._answer(401, b'{"errors":[{"message":"authorization required"}]}')
                else:
                    stub.mail_send(self, body)

            def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                try:
                    self.send_response(status)
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout test): as SendGrid, we keep the mail

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def mail_send(self, handler: Any, body: dict[str, Any]) -> None:
        """One authorised mail/send: the scripted fault, else accepted and answered 202."""
        with self.lock:
            self.received += 1
            fault = self.fault(self.received)
        if fault.isdigit():
            handler._answer(int(fault), b'{"errors":[{"message":"stub failure"}]}')
            return
        if fault == "drop":  # the connection ends before SendGrid took the mail
            handler.close_connection = True
            return
        self.accept(handler.path, body, dict(handler.headers.items()))
        if fault == "close":  # SendGrid took the mail, the answer never arrives
            handler.close_connection = True
            return
        time.sleep(self.hang_seconds if fault == "timeout" else self.delay_seconds)
        handler._answer(202, b"", {"X-Message-Id": uuid.uuid4().hex[:22]})

    def fault(self, n: int) -> str:
        """What the n-th request meets."""
        if self.script:
            return self.script[(n - 1) % len(self.script)]
        if self.fail_every and n % self.fail_every == 0:
            return "503"
        return str(self.fail_with) if self.fail_with else "ok"

    def accept(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> None:
        self.requests.append({"path": path, "body": body, "headers": headers})
        if self.on_mail is not None:
            self.on_mail(body)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def recipients(self) -> list[str]:
        return [
            to["email"]
            for r in self.requests
            for p in r["body"].get("personalizations", [])
            for to in p.get("to", [])
        ]

    def __enter__(self) -> SendGridStub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
