"""`touchpoint backtest`: deterministic reports, a response model that only acts on delivered
messages, and one-line errors for bad input."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from touchpoint.playbook import loading
from touchpoint_tools import cli
from touchpoint_tools.backtest import engine, memory, response, run, synthetic


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = yaml.safe_load(loading.DEFAULT.read_text())
    first = data["flows"]["cart_abandonment"]["steps"][0]
    first.update(id="email_4h", after="4h")
    path = tmp_path_factory.mktemp("variant") / "cart_4h.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_same_inputs_and_seed_give_a_byte_identical_report(tmp_path: Path, variant: Path) -> None:
    outs = [tmp_path / "one", tmp_path / "two"]
    for out in outs:
        argv = ["backtest", "--synthetic", "400", "--days", "10", "--vs", str(variant), "--seed", "4"]
        assert cli.main([*argv, "--out", str(out)]) == 0
    names = sorted(p.name for p in outs[0].iterdir())
    assert names == sorted(
        [
            "report.html",
            "report.md",
            "sends_and_orders.png",
            "conversion_by_flow.png",
            "send_hours.png",
            "messages_per_customer.png",
        ]
    )
    for name in names:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    text = (outs[0] / "report.md").read_text()
    assert "cart_4h vs default_playbook, per flow" in text and "| cart_abandonment |" in text
    assert text.split("### ")[1].startswith("cart_4h vs default_playbook, per flow")  # the headline first
    assert "Customers whose messages differ" in text and "email_4h" in text and "email_1h" in text
    readout = text.split("### Experiment (default_playbook): cart_abandonment / email_1h")[1].split("###")[0]
    assert "| plain |" in readout and "| urgency |" in readout and "(compared against)" in readout
    explained = text.split("### Orders: attributed, incremental and caused (default_playbook)")[1].split(
        "###"
    )[0]
    for measure in (
        "all orders in the period",
        "attributed (last touch, 7 days)",
        "incremental (sent vs holdout)",
    ):
        assert f"| {measure} |" in explained
    caused = re.search(r"\| caused \(the response model's ground truth\) \| (\d+) \|", explained)
    facts = re.search(
        r"default_playbook \(default_playbook.yaml\): .* orders, (\d+) of them caused by a message", text
    )
    assert caused and facts and caused.group(1) == facts.group(1)  # the header's count, explained
    planning = text.split("### Planning: how long until a holdout can tell (default_playbook)")[1].split(
        "###"
    )[0]
    assert "| cart_abandonment |" in planning and "80% power" in planning
    satisfaction = text.split("### Satisfaction per week (default_playbook;")[1].split("###")[0]
    assert "| week | CSAT [95%] | NPS | CSAT, messaged | CSAT, held out | NPS, held out |" in satisfaction


def test_another_seed_gives_another_shop(tmp_path: Path) -> None:
    for seed in ("1", "2"):
        cli.main(
            ["backtest", "--synthetic", "200", "--days", "7", "--seed", seed, "--out", str(tmp_path / seed)]
        )
    assert (tmp_path / "1" / "report.md").read_bytes() != (tmp_path / "2" / "report.md").read_bytes()


def test_only_delivered_messages_cause_orders() -> None:
    model = run.load_model(run.MODEL)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    shop = synthetic.Shop(model["shop"], 9, start, 14)
    generous = {
        **model["response"],
        "order_given_click": {"default": 1.0},
        "email": {**model["response"]["email"], "open": 1.0, "click_given_open": 1.0},
    }
    playbook = loading.load(loading.DEFAULT)
    result = engine.Driver(
        memory.MemoryShop(playbook), response.ResponseModel(generous, 9), start + timedelta(days=14)
    ).run(engine.arrivals(synthetic.stream(shop, 600)))
    by_id = {(m.customer_id, m.message_id): m for m in result.messages}
    caused = [by_id[(o.customer_id, o.caused_by)] for o in result.orders if o.caused_by]
    assert caused, "a model where every delivered e-mail is clicked and ordered from must cause orders"
    assert all(m.status == "sent" and m.marketing for m in caused)
    assert not any(
        result.effects.get((m.customer_id, m.message_id)) for m in result.messages if m.status == "holdout"
    )
    assert result.ratings and {r.rating for r in result.ratings} <= {
        "good",
        "bad",
    }  # the shop's tickets, rated
    assert all(r.customer_id in result.customers for r in result.ratings)


def test_an_events_file_replays_like_the_archive_exports_it(tmp_path: Path) -> None:
    model = run.load_model(run.MODEL)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    events = list(synthetic.stream(synthetic.Shop(model["shop"], 3, start, 5), 100))
    lines = [
        json.dumps(
            {"received_at": e.occurred_at.isoformat(), "source": e.source, "event": e.model_dump(mode="json")}
        )
        for e in events
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert cli.main(["backtest", "--events", str(path), "--days", "3", "--out", str(tmp_path / "r")]) == 0
    assert f"{len(events)} archived events from events.jsonl" in (tmp_path / "r" / "report.md").read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--synthetic", "0"], "--synthetic: must be at least 1"),
        (["--synthetic", "10", "--playbook", "nope.yaml"], "--playbook: no such file: nope.yaml"),
        (["--events", "missing.jsonl"], "--events: no such file: missing.jsonl"),
    ],
)
def test_bad_options_are_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["backtest", *argv])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_bad_events_line_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"event": {"source": "x"}}\n')
    with pytest.raises(SystemExit):
        cli.main(["backtest", "--events", str(path)])
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"touchpoint: {path}:1: not a canonical event") and len(err.splitlines()) == 1


def _reports(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_any_number_of_workers_gives_the_same_report(tmp_path: Path, variant: Path) -> None:
    argv = ["backtest", "--synthetic", "300", "--days", "8", "--vs", str(variant), "--seed", "5"]
    for workers in ("1", "2", "3"):
        assert cli.main([*argv, "--workers", workers, "--out", str(tmp_path / workers)]) == 0
    one = _reports(tmp_path / "1")
    assert one == _reports(tmp_path / "2") == _reports(tmp_path / "3")


def test_an_archive_replays_the_same_in_shards_that_keep_each_customer_whole(tmp_path: Path) -> None:
    model = run.load_model(run.MODEL)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    events = list(synthetic.stream(synthetic.Shop(model["shop"], 6, start, 6), 150))
    path = tmp_path / "events.jsonl"
    path.write_text(
        "".join(
            json.dumps({"received_at": e.occurred_at.isoformat(), "event": e.model_dump(mode="json")}) + "\n"
            for e in events
        )
    )
    for workers in ("1", "3"):
        argv = ["backtest", "--events", str(path), "--days", "3", "--workers", workers]
        assert cli.main([*argv, "--out", str(tmp_path / workers)]) == 0
    assert _reports(tmp_path / "1") == _reports(tmp_path / "3")


def test_a_visitor_who_signs_in_later_stays_in_one_shard() -> None:
    from touchpoint.events import Identity, Kind, TouchpointEvent
    from touchpoint_tools.backtest import shards

    at = datetime(2026, 10, 1, tzinfo=UTC)

    def event(n: int, **identity: str) -> tuple[datetime, TouchpointEvent]:
        seen = TouchpointEvent(
            source="t",
            event_id=str(n),
            kind=Kind.PRODUCT_VIEWED,
            occurred_at=at,
            identity=Identity(**identity),
        )
        return at, seen

    arrivals = [
        event(1, anonymous_id="anon-1"),
        *(event(10 + n, email=f"other{n}@example.com") for n in range(40)),
        event(2, anonymous_id="anon-1", email="Ann@Example.com"),
        event(3, email="ann@example.com", phone="+12125550100"),
        event(4, phone="+1 212 555 0100"),
    ]
    parts = shards.split(arrivals, 4)
    assert sum(map(len, parts)) == len(arrivals) and sum(1 for p in parts if p) > 1
    holding = [p for p in parts if any(e.event_id in {"1", "2", "3", "4"} for _, e in p)]
    assert len(holding) == 1 and [
        e.event_id for _, e in holding[0] if e.event_id in {"1", "2", "3", "4"}
    ] == [
        "1",
        "2",
        "3",
        "4",
    ]
