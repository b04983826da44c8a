"""A function's cold start with the garbage collector held.

Loading a function builds about 90,000 objects that the collector tracks (botocore's service
models, pydantic's validators, the playbook), none of them garbage, and CPython's collector walks
the growing heap again and again while it happens: holding it saves about 15 to 20 ms of
WebEvent's 350 ms cold start (fresh interpreters, old and new alternated). Every function loads
the pipeline and the playbook while its module is imported, so all of that happens with the
collector held. A function's module imports this module first, which holds collection; its last
line calls `loaded()`, which moves everything loading built into the collector's permanent
generation (no later pass walks it again) and lets collection run again, before any request.

A module whose import fails never reaches `loaded()`; Lambda then discards the process, and the
local runtime, which keeps its process, turns collection back on itself (local/runtime.py).
"""

from __future__ import annotations

import gc

gc.disable()
_held = [True]  # until loaded(): a process freezes what it loaded once


def loaded() -> None:
    """Everything the function needs is loaded: keep it out of every later pass, collect again.
    Only the first call does anything."""
    if not _held:
        return
    _held.clear()
    gc.freeze()
    gc.enable()
