"""`touchpoint serve`: the HTTP API on a loopback port, handled by the LocalRuntime."""

from __future__ import annotations

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from touchpoint_tools.local.runtime import LocalRuntime

API_GATEWAY_LIMIT = 10 * 1024 * 1024


def make_server(runtime: LocalRuntime, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = _content_length(
                self.headers.get("Content-Length"), self.headers.get("Transfer-Encoding")
            )
            if length is None:
                self._send(400, {"content-type": "application/json"}, b'{"message":"Bad Content-Length"}')
                self.close_connection = True
                return
            if length > API_GATEWAY_LIMIT:
                self._send(
                    413, {"content-type": "application/json"}, b'{"message":"Request Entity Too Large"}'
                )
                self.close_connection = True
                return
            body = self.rfile.read(length) if length else b""
            response = runtime.http(
                self.command, self.path, dict(self.headers.items()), body, self.client_address[0]
            )
            self._send(response.status, response.headers, response.body)

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                if key != "content-length":
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _handle

        def log_message(self, format: str, *args: object) -> None:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    server = _Server((host, port), Handler)
    server.daemon_threads = True
    return server


class _Server(ThreadingHTTPServer):
    # the standard library listens with a backlog of 5: a burst of connections gets resets
    request_queue_size = 128


def _content_length(value: str | None, transfer_encoding: str | None) -> int | None:
    """The body length a request declares; None when it is not a non-negative integer."""
    if value is None or value.strip() == "":
        return 0 if not transfer_encoding else None  # chunked bodies are not accepted here
    text = value.strip()
    return int(text) if text.isdigit() else None
