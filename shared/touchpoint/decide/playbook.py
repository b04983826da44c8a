"""Declarative playbooks: YAML a marketer can read, validated on load.

A bad file fails with the line of the offending entry, so nobody deploys a
typo that silently turns a flow off.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from touchpoint.events import Kind

_DURATION = re.compile(r"^(\d+)\s*(m|h|d)$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class PlaybookError(ValueError):
    pass


def parse_duration(value: str | int) -> timedelta:
    if isinstance(value, int):
        return timedelta(minutes=value)
    match = _DURATION.match(value.strip())
    if not match:
        raise ValueError(f"'{value}' is not a duration like 30m, 1h or 7d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Fallback(Strict):
    channel: Literal["email", "sms"]
    template: str


META_EVENTS = {"InitiateCheckout", "AddToCart", "ViewContent", "Purchase", "Lead", "audience_remove"}


class Step(Strict):
    id: str
    after: str | int
    channel: Literal["email", "sms", "retargeting"]  # retargeting: template is the Meta event name
    template: str
    offer: str | None = None
    variants: dict[str, str] = Field(default_factory=dict)  # variant name -> template
    fallback: Fallback | None = None  # when the channel is unreachable or not consented

    @field_validator("after")
    @classmethod
    def _duration(cls, value: str | int) -> str | int:
        parse_duration(value)
        return value

    @property
    def delay(self) -> timedelta:
        return parse_duration(self.after)


class Flow(Strict):
    trigger: Kind
    marketing: bool = True
    # what one run of the flow is keyed by: the trigger (checkout, order, ticket), the
    # customer (once ever, e.g. welcome) or the day (at most once a day, e.g. browsing)
    key: Literal["trigger", "customer", "day"] = "trigger"
    # for flows fed by anonymous traffic: no message record at all for people we cannot reach
    skip_unreachable: bool = False
    exit_on: list[Kind] = Field(default_factory=list)
    requires: list[Literal["first_order", "repeat_order", "bad_rating"]] = Field(default_factory=list)
    steps: list[Step] = Field(min_length=1)


class Template(Strict):
    subject: str = ""
    body: str


class Offer(Strict):
    kind: Literal["percent", "amount", "free_shipping"]
    value: float = 0
    code: str
    max_discount_share: float = Field(default=0.2, ge=0, le=1)


class QuietHours(Strict):
    start: int = Field(default=21, ge=0, le=23)
    end: int = Field(default=8, ge=0, le=23)
    channels: list[Literal["email", "sms"]] = Field(default_factory=lambda: ["sms"])  # type: ignore[arg-type]
    fallback_timezone: str = "America/New_York"


class Cap(Strict):
    max: int = Field(ge=0)
    days: int = Field(ge=1)


class Holdout(Strict):
    share: float = Field(ge=0, le=0.5)
    salt: str = "holdout-v1"


class Catalog(Strict):
    best_sellers: list[str] = Field(default_factory=list)  # the fallback when we know nothing yet
    unavailable: list[str] = Field(default_factory=list)  # out of stock or discontinued: never recommended


class Timing(Strict):
    # the UTC hour your list opens most (from your reports): used for customers whose own hour
    # is not learned yet; unset keeps their e-mails exactly on the step's delay
    population_send_hour_utc: int | None = Field(default=None, ge=0, le=23)


class Costs(Strict):
    """What a channel costs, and when it is worth it."""

    sms_min_cart_value: float = Field(default=0, ge=0)  # an SMS about a cart only if it is worth this much


class Incentives(Strict):
    loyal_orders: int = Field(default=3, ge=1)  # this many orders, none discounted: no incentive
    free_shipping_threshold: float | None = None  # nudge carts that are close to it
    first_order_offer: str | None = None  # on-site offer for a prospect with a cart


class Retargeting(Strict):
    remove_on_opt_out: bool = True  # drop people from the Custom Audience when they withdraw consent


class Playbook(Strict):
    version: Literal[1]
    retargeting: Retargeting = Retargeting()
    catalog: Catalog = Catalog()
    incentives: Incentives = Incentives()
    costs: Costs = Costs()
    timing: Timing = Timing()
    holdout: Holdout = Holdout(share=0.0)
    quiet_hours: QuietHours = QuietHours()
    frequency_caps: dict[Literal["email", "sms"], Cap] = Field(default_factory=dict)
    flows: dict[str, Flow]
    templates: dict[str, Template]
    offers: dict[str, Offer] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _references(self) -> Playbook:
        for name, flow in self.flows.items():
            for step in flow.steps:
                if step.channel == "retargeting":
                    if step.template not in META_EVENTS:
                        raise ValueError(
                            f"flow '{name}' step '{step.id}': retargeting template must be one of "
                            f"{', '.join(sorted(META_EVENTS))}"
                        )
                    continue
                fallback = [step.fallback.template] if step.fallback else []
                for template in (step.template, *step.variants.values(), *fallback):
                    if template not in self.templates:
                        raise ValueError(f"flow '{name}' step '{step.id}' uses unknown template '{template}'")
                if step.offer and step.offer not in self.offers:
                    raise ValueError(f"flow '{name}' step '{step.id}' uses unknown offer '{step.offer}'")
        first = self.incentives.first_order_offer
        if first and first not in self.offers:
            raise ValueError(f"incentives.first_order_offer names unknown offer '{first}'")
        return self


def _line_of(root: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    node = root
    line = node.start_mark.line + 1 if node else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def parse(text: str, name: str = "playbook") -> Playbook:
    try:
        data: Any = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        raise PlaybookError(f"{name}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise PlaybookError(f"{name}: line 1: the playbook must be a mapping")
    try:
        return Playbook.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        where = ".".join(str(p) for p in loc) or "playbook"
        line = _line_of(root, loc)
        raise PlaybookError(f"{name}: line {line}: {where}: {first['msg']}") from None


@lru_cache(maxsize=4)
def load(path: Path) -> Playbook:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlaybookError(f"cannot read playbook {path}: {exc.strerror}") from None
    return parse(text, str(path))
