"""The backtest's in-memory shop decides exactly as the functions do on moto: the same 500+
synthetic events, with the response model's feedback, give the same messages, statuses and
reasons both ways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from touchpoint.playbook import loading
from touchpoint.profiles.models import MessageItem
from touchpoint_tools.backtest import engine, memory, response, run, synthetic
from touchpoint_tools.backtest.functions import FunctionsShop
from touchpoint_tools.local.runtime import LocalRuntime
from touchpoint_tools.local.sendgrid_stub import SendGridStub

MODEL = yaml.safe_load(run.MODEL.read_text())
START = datetime(2031, 3, 3, tzinfo=UTC)  # the Sender records the later of its clock and the wall clock
DAYS = 6


def record(m: MessageItem) -> tuple[Any, ...]:
    return (
        m.customer_id,
        m.message_id,
        m.flow,
        m.step,
        m.channel,
        m.template,
        m.status,
        tuple(m.reasons or ()),
        m.due_at,
        m.sent_at,
        m.converted_at,
        m.conversion_cents,
    )


@pytest.fixture
def playbook_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default playbook with a holdout large enough to appear among 70 shoppers."""
    data = yaml.safe_load(loading.DEFAULT.read_text())
    data["holdout"]["share"] = 0.2
    path = tmp_path / "playbook.yaml"
    path.write_text(yaml.safe_dump(data))
    monkeypatch.setenv("PLAYBOOK", str(path))
    return path


def replay(shop: engine.Shop, events: list[Any]) -> engine.Replay:
    model = response.ResponseModel(
        {**MODEL["response"], "email": {**MODEL["response"]["email"], "open": 0.9}}, 3
    )
    return engine.Driver(shop, model, START + timedelta(days=DAYS)).run(engine.arrivals(events))


def test_memory_replay_equals_the_functions_on_moto(
    runtime: LocalRuntime, sendgrid: SendGridStub, playbook_file: Path
) -> None:
    shop = synthetic.Shop(
        {**MODEL["shop"], "sessions_per_30_days": 12, "returns_to_order": 0.3}, 5, START, DAYS
    )
    events = list(synthetic.stream(shop, 70))
    assert len(events) >= 500

    playbook = loading.load(playbook_file)
    fast = replay(memory.MemoryShop(playbook), events)
    slow = replay(FunctionsShop(runtime), events)

    assert sorted(map(record, fast.messages)) == sorted(map(record, slow.messages))
    statuses = {m.status for m in slow.messages}
    assert {"sent", "cancelled", "suppressed", "holdout"} <= statuses  # every path was exercised
    assert any(m.converted_at for m in slow.messages)
    assert len(sendgrid.requests) == sum(
        1 for m in slow.messages if m.status == "sent" and m.channel == "email"
    )
    assert fast.orders == slow.orders
    for key in fast.effects:
        if fast.effects[key] != slow.effects[key]:
            print(repr(fast.effects[key]))
            print(repr(slow.effects[key]))
    assert fast.effects == slow.effects
