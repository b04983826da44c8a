"""A function loads with the garbage collector held, and lets it run again before any request."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import touchpoint

ROOT = Path(touchpoint.__file__).parents[2]  # the checkout: functions/ beside shared/
APPS = sorted(ROOT.glob("functions/*/app.py"))


def _run(code: str) -> list[str]:
    env = {"AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "shared")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_the_collector_waits_while_a_function_loads_and_runs_after() -> None:
    seen = _run(
        "import gc; gc.callbacks.append(lambda phase, info: phase == 'start' and print('collected'));"
        "import touchpoint.coldstart; print('held', gc.isenabled());"
        "import runpy; runpy.run_path('functions/web_event/app.py');"
        "print('loaded', gc.isenabled(), gc.get_freeze_count() > 50_000)"
    )
    # nothing collected between the hold and the end of loading; frozen: what loading built
    held, loaded = seen.index("held"), seen.index("loaded")
    assert seen[held + 1] == "False"
    assert "collected" not in seen[held:loaded]
    assert seen[loaded + 1 :] == ["True", "True"]


def test_loaded_freezes_once() -> None:
    seen = _run(
        "import gc; import touchpoint.coldstart as c; c.loaded(); first = gc.get_freeze_count();"
        "kept = [object() for _ in range(1000)]; gc.disable(); c.loaded();"
        "print(first > 0, gc.get_freeze_count() == first, gc.isenabled())"
    )
    assert seen == ["True", "True", "False"]  # a second call is no hold of ours: left alone


def test_every_function_holds_the_collector_first_and_lets_it_go_last() -> None:
    for app in APPS:
        body = ast.parse(app.read_text()).body
        imports = [
            n
            for n in body
            if isinstance(n, ast.Import | ast.ImportFrom) and getattr(n, "module", "") != "__future__"
        ]
        first = imports[0]
        assert isinstance(first, ast.ImportFrom) and first.module == "touchpoint", app
        assert [a.name for a in first.names] == ["coldstart"], app
        assert ast.unparse(body[-1]) == "coldstart.loaded()", app


def test_the_dispatcher_starts_without_the_playbook_or_the_event_models() -> None:
    """It reads the due index and enqueues: building the playbook's and the events' pydantic
    models would only lengthen its cold start."""
    seen = _run(
        "import runpy, sys; runpy.run_path('functions/dispatcher/app.py');"
        "print(*[m for m in ('touchpoint.events', 'touchpoint.decide', 'touchpoint.pipeline') if m in sys.modules])"
    )
    assert seen == []
    checkouts = _run(
        "import runpy, sys; runpy.run_path('functions/cart_abandoned/app.py');"
        "print(*[m for m in ('touchpoint.events', 'touchpoint.decide', 'touchpoint.pipeline') if m in sys.modules])"
    )
    # the same look at a function that does need them finds them
    assert checkouts == ["touchpoint.events", "touchpoint.decide", "touchpoint.pipeline"]


def test_the_sender_starts_with_the_playbook_but_without_the_event_models_or_the_pipeline() -> None:
    """It rechecks and renders but never parses or handles an event: the event models and the
    pipeline's modules would add a few ms to its cold start."""
    seen = _run(
        "import runpy, sys; runpy.run_path('functions/sender/app.py');"
        "print(*[m for m in ('touchpoint.events', 'touchpoint.decide', 'touchpoint.pipeline') if m in sys.modules])"
    )
    assert seen == ["touchpoint.decide"]


def test_the_watches_function_starts_without_pydantic() -> None:
    """It reads archived lines as JSON: the event models would only lengthen its cold start."""
    seen = _run(
        "import runpy, sys; runpy.run_path('functions/watches/app.py');"
        "print(*[m for m in ('pydantic', 'touchpoint.events', 'touchpoint.pipeline') if m in sys.modules])"
    )
    assert seen == []


def test_the_preferences_function_starts_without_jinja2() -> None:
    """A one-click unsubscribe, what mail providers post, renders nothing: Jinja2 waits for the
    first preference page."""
    look = "print(*[m for m in ('jinja2', 'touchpoint.pipeline') if m in sys.modules])"
    seen = _run(f"import runpy, sys; runpy.run_path('functions/preferences/app.py'); {look}")
    assert seen == ["touchpoint.pipeline"]
    sender = _run(f"import runpy, sys; runpy.run_path('functions/sender/app.py'); {look}")
    assert sender == ["jinja2"]  # it renders every message: loaded at start
