"""Characters that change how text reads without being seen: bidirectional overrides and
isolates (which can make "moc.elpmaxe" read as "example.com") and zero-width characters. They
are removed from everything a client sends and from every subject and text a shopper reads.
The zero-width joiner stays: emoji sequences need it."""

from __future__ import annotations

import re

_INVISIBLE = re.compile("[\u061c\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def visible(text: str) -> str:
    return _INVISIBLE.sub("", text)
