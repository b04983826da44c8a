"""`touchpoint serve --outbox DIR`: the first webhook-to-e-mail works without a SendGrid account.

A local SendGrid stub takes every mail the Sender sends and writes it to DIR (`NNNN-email-<to>`
as .html, .txt and the request as .json); SMS the Sender publishes through the embedded moto
SNS are written as `NNNN-sms-<phone>.txt`. `touchpoint outbox list` shows what is there.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
from pathlib import Path
from typing import Any

from touchpoint_tools.local import emulation
from touchpoint_tools.local.sendgrid_stub import SendGridStub


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9@.+_-]", "_", text)[:80] or "unknown"


class Outbox:
    def __init__(self, folder: Path, host: str = "127.0.0.1") -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        start = max((int(p.name[:4]) for p in folder.glob("[0-9][0-9][0-9][0-9]-*")), default=0)
        self._numbers = itertools.count(start + 1)
        self._lock = threading.Lock()
        self.stub = SendGridStub(host, on_mail=self._mail)
        self._sms_seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch_sms, name="touchpoint-outbox", daemon=True)

    def start(self) -> Outbox:
        self.stub.__enter__()
        os.environ["SENDGRID_API_HOST"] = self.stub.url
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.stub.__exit__()

    def _next(self) -> int:
        with self._lock:
            return next(self._numbers)

    def _mail(self, body: dict[str, Any]) -> None:
        to = next((t["email"] for p in body.get("personalizations", []) for t in p.get("to", [])), "unknown")
        stem = f"{self._next():04d}-email-{_safe(to)}"  # ends in the address's own ".com"
        parts = {c.get("type"): c.get("value", "") for c in body.get("content", [])}
        (self.folder / f"{stem}.json").write_text(
            json.dumps(body, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        (self.folder / f"{stem}.html").write_text(parts.get("text/html", ""), encoding="utf-8")
        (self.folder / f"{stem}.txt").write_text(
            f"To: {to}\nSubject: {body.get('subject', '')}\n\n{parts.get('text/plain', '')}", encoding="utf-8"
        )

    def _watch_sms(self) -> None:
        while not self._stop.wait(0.5):
            for key, phone, message in emulation.sms_published():
                if key not in self._sms_seen:
                    self._sms_seen.add(key)
                    path = self.folder / f"{self._next():04d}-sms-{_safe(phone)}.txt"
                    path.write_text(f"To: {phone}\n\n{message}\n", encoding="utf-8")


def listing(folder: Path) -> list[dict[str, str]]:
    """One entry per message in the outbox, oldest first."""
    found = []
    for path in sorted(folder.glob("[0-9][0-9][0-9][0-9]-*.txt")):
        head = path.read_text(encoding="utf-8").split("\n\n", 1)[0].splitlines()
        fields = dict(line.split(": ", 1) for line in head if ": " in line)
        kind = "sms" if "-sms-" in path.name else "email"
        entry = {
            "kind": kind,
            "to": fields.get("To", ""),
            "subject": fields.get("Subject", ""),
            "file": str(path),
        }
        if kind == "email":
            entry["html"] = str(path.parent / (path.name.removesuffix(".txt") + ".html"))
        found.append(entry)
    return found
