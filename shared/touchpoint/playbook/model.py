"""Declarative playbooks: YAML a marketer can read, validated on load.

A bad file fails with the line of the offending entry, so nobody deploys a
typo that silently turns a flow off.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from touchpoint.kinds import Kind
from touchpoint.languages import normalize_locale

if TYPE_CHECKING:
    import yaml

_DURATION = re.compile(r"^(\d+)\s*(m|h|d)$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class PlaybookError(ValueError):
    """Every problem of a playbook, one `file:line: where: problem` line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


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
    # another marketing message went out on the channel within the smart-sending window, from a
    # flow of the same or higher priority: by default this one is deferred to the end of the window
    # while it is still relevant (before its flow's next step, or within a day for a last step),
    # else skipped; or always skip, always defer, or send anyway (transactional content)
    if_recent: Literal["skip", "defer", "send"] | None = None
    # the offer is unique and its pool is empty: wait for a code (reason no_code_available), or
    # send without the offer
    when_no_code: Literal["wait", "send_without_offer"] = "wait"
    # a service flow's goodwill offer (an apology's discount): allowed on a flow that is not
    # marketing, and it asks the channel's consent as marketing would
    gesture: bool = False

    @field_validator("after")
    @classmethod
    def _duration(cls, value: str | int) -> str | int:
        parse_duration(value)
        return value

    @property
    def delay(self) -> timedelta:
        return parse_duration(self.after)


DEFAULT_PRIORITY = {
    Kind.CHECKOUT_UPDATED: 40,
    Kind.PRODUCT_VIEWED: 30,
    Kind.BACK_IN_STOCK: 30,
    Kind.PRICE_DROPPED: 30,
    Kind.EMAIL_OPT_IN: 20,
}


class Flow(Strict):
    trigger: Kind
    # false: the flow starts no run, and what it still has planned is cancelled at send time
    enabled: bool = True
    marketing: bool = True
    # a new trigger while a run is still pending: ignore it until the run ends (after_end),
    # cancel the pending run and start over (supersede, e.g. a newer cart), or run both (parallel)
    reentry: Literal["after_end", "supersede", "parallel"] = "after_end"
    # what one run of the flow is keyed by: the trigger (checkout, order, ticket), the
    # customer (once ever, e.g. welcome) or the day (at most once a day, e.g. browsing)
    key: Literal["trigger", "customer", "day"] = "trigger"
    # for flows fed by anonymous traffic: no message record at all for people we cannot reach
    skip_unreachable: bool = False
    exit_on: list[Kind] = Field(default_factory=list)
    requires: list[Literal["first_order", "repeat_order", "bad_rating"]] = Field(default_factory=list)
    steps: list[Step] = Field(min_length=1)
    # which flow goes when two want the same shopper inside the smart-sending window (higher wins);
    # by default cart > browse, back in stock and price drop > welcome > everything else
    priority: int | None = Field(default=None, ge=0, le=100)

    @property
    def rank(self) -> int:
        return self.priority if self.priority is not None else DEFAULT_PRIORITY.get(self.trigger, 10)


Topic = Literal["cart_reminders", "recommendations", "offers", "surveys"]


class Translation(Strict):
    """A template's texts in one more language; what it leaves out is the brand language's."""

    subject: str = ""
    sms: str = ""
    preheader: str = ""
    body: str = ""


class Template(Strict):
    """One message. E-mail renders `<name>.html` and `<name>.txt` from the templates folder
    (or SendGrid's dynamic template `sendgrid_template_id`); SMS renders `sms`. Every text is
    Jinja2; `topic` is what a shopper can switch off in the preference center."""

    subject: str = ""
    sms: str = ""
    preheader: str = ""
    body: str = ""  # a plain-text body instead of files (also the SMS text when `sms` is empty)
    topic: Topic | None = None
    sendgrid_template_id: str | None = Field(default=None, pattern=r"^d-[0-9a-f]{32}$")
    asm_group_id: int | None = Field(default=None, ge=1)
    # per language of the playbook's `languages` (de, de_AT): the subject, SMS and preheader in it;
    # its files are `templates/<language>/<name>.html` and `.txt`
    translations: dict[str, Translation] = Field(default_factory=dict)

    def text(self, field: str, language: str | None) -> str:
        """A text in the language, else the brand's."""
        translated = self.translations.get(language) if language else None
        return str(getattr(translated, field, "") or getattr(self, field))


class Brand(Strict):
    """What every e-mail's layout shows: the shop, its colours, and the footer the law asks for."""

    shop_name: str = "Touchpoint Demo Shop"
    shop_url: str = "https://shop.example"
    logo_url: str = ""
    primary_color: str = Field(default="#0a7f5a", pattern=r"^#[0-9a-fA-F]{6}$")
    postal_address: str = "1 Example Street, Springfield, USA"
    support_email: str = "help@shop.example"
    locale: str = "en_US"
    currency: str = "USD"


class Offer(Strict):
    kind: Literal["percent", "amount", "free_shipping"]
    value: float = 0
    code: str = ""  # the one code every shopper gets; none for a unique offer
    # a single-use code of its own per message, from the offer's pool (touchpoint/codes.py)
    unique: bool = False
    valid_for: str | int | None = None  # how long a unique code is good for, from the send (e.g. 14d)
    max_discount_share: float = Field(default=0.2, ge=0, le=1)

    @field_validator("valid_for")
    @classmethod
    def _duration(cls, value: str | int | None) -> str | int | None:
        if value is not None:
            parse_duration(value)
        return value

    @model_validator(mode="after")
    def _one_code_or_unique(self) -> Offer:
        if not self.unique and not self.code:
            raise ValueError("an offer needs a code, or unique: true for a code of its own per message")
        if self.unique and self.code:
            raise ValueError("a unique offer takes its codes from its pool: leave out code")
        return self


class QuietHours(Strict):
    """Local hours with no message on these channels, in every zone the customer may be in;
    nobody's zone known means no message on them at all (never the shop's zone)."""

    start: int = Field(default=21, ge=0, le=23)
    end: int = Field(default=8, ge=0, le=23)
    channels: list[Literal["email", "sms"]] = Field(default_factory=lambda: ["sms"])  # type: ignore[arg-type]


class SmartSending(Strict):
    """No marketing message within this long of the previous one on the same channel."""

    email: str | None = "16h"
    sms: str | None = "24h"

    @field_validator("email", "sms")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    def window(self, channel: str) -> timedelta | None:
        value = getattr(self, channel, None) if channel in ("email", "sms") else None
        return parse_duration(value) if value else None


class Cap(Strict):
    max: int = Field(ge=0)
    days: int = Field(ge=1)


class Holdout(Strict):
    share: float = Field(ge=0, le=0.5)
    salt: str = "holdout-v1"


class Catalog(Strict):
    best_sellers: list[str] = Field(default_factory=list)  # the fallback when we know nothing yet
    unavailable: list[str] = Field(default_factory=list)  # out of stock or discontinued: never recommended
    price_drop_share: float = Field(default=0.1, gt=0, le=1)  # a watched price falling this much is news


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
    brand: Brand = Brand()
    catalog: Catalog = Catalog()
    incentives: Incentives = Incentives()
    costs: Costs = Costs()
    timing: Timing = Timing()
    holdout: Holdout = Holdout(share=0.0)
    quiet_hours: QuietHours = QuietHours()
    smart_sending: SmartSending = SmartSending()
    frequency_caps: dict[Literal["email", "sms"], Cap] = Field(default_factory=dict)
    flows: dict[str, Flow]
    templates: dict[str, Template]
    offers: dict[str, Offer] = Field(default_factory=dict)
    # the languages templates are written in besides the brand's (brand.locale), e.g. [de]; a
    # shopper whose language is none of them reads the brand's
    languages: list[str] = Field(default_factory=list)

    @field_validator("languages")
    @classmethod
    def _locales(cls, value: list[str]) -> list[str]:
        for language in value:
            if normalize_locale(language) != language:
                raise ValueError(f"'{language}' is not a language such as de or de_AT")
        return value


Loc = tuple[int | str, ...]


def _step_references(playbook: Playbook, name: str, index: int, step: Step) -> list[tuple[Loc, str]]:
    where: Loc = ("flows", name, "steps", index)
    if step.channel == "retargeting":
        if step.template in META_EVENTS:
            return []
        return [
            ((*where, "template"), f"retargeting template must be one of {', '.join(sorted(META_EVENTS))}")
        ]
    problems: list[tuple[Loc, str]] = []
    fallback = [step.fallback.template] if step.fallback else []
    for template in (step.template, *step.variants.values(), *fallback):
        if template not in playbook.templates:
            problems.append((where, f"unknown template '{template}'"))
    if step.offer and step.offer not in playbook.offers:
        problems.append(((*where, "offer"), f"unknown offer '{step.offer}'"))
    if step.offer and not playbook.flows[name].marketing and not step.gesture:
        problems.append(
            (
                (*where, "offer"),
                "an offer in a service flow (marketing: false) is marketing: mark the step `gesture: true` "
                "if it is a service gesture",
            )
        )
    return problems


def reference_problems(playbook: Playbook) -> list[tuple[Loc, str]]:
    """Names that point nowhere: templates and offers a step or the incentives use."""
    problems = [
        problem
        for name, flow in playbook.flows.items()
        for index, step in enumerate(flow.steps)
        for problem in _step_references(playbook, name, index, step)
    ]
    first = playbook.incentives.first_order_offer
    if first and first not in playbook.offers:
        problems.append((("incentives", "first_order_offer"), f"unknown offer '{first}'"))
    elif first and playbook.offers[first].unique:
        problems.append(
            (
                ("incentives", "first_order_offer"),
                f"offer '{first}' is unique: a page view cannot take a code",
            )
        )
    return problems


def _line_of(root: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    import yaml

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


def _problem_line(name: str, root: yaml.Node | None, error: Any) -> str:
    loc = tuple(error["loc"])
    where = ".".join(str(p) for p in loc) or "playbook"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{name}:{_line_of(root, loc)}: {where}: {message}"


def _loader() -> Any:
    """libyaml's loader when the wheel has it (the layer's does): YAML parsing is a cold start cost,
    and yaml is imported only where no record carries the parsed playbook."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def yaml_data(text: str, name: str) -> Any:
    """The YAML document in `text`, or PlaybookError naming the line where it stops being YAML."""
    import yaml

    try:
        return yaml.load(text, Loader=_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise PlaybookError([f"{name}:{line}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from None


class Located:
    """The playbook's YAML node tree, for line numbers: composed only when a problem needs one."""

    def __init__(self, text: str, name: str) -> None:
        self.text, self.name = text, name
        self._root: list[yaml.Node | None] = []

    def root(self) -> yaml.Node | None:
        if not self._root:
            import yaml

            self._root.append(yaml.compose(self.text, Loader=_loader()))
        return self._root[0]

    def line_of(self, loc: tuple[int | str, ...]) -> int | None:
        return _line_of(self.root(), loc)

    def problem(self, error: Any) -> str:
        return _problem_line(self.name, self.root(), error)


def validated(data: Any, located: Located) -> tuple[Playbook, list[str]]:
    """The model of parsed YAML and its reference problems as `file:line` lines; PlaybookError
    when it is not a playbook at all."""
    if not isinstance(data, dict):
        raise PlaybookError([f"{located.name}:1: the playbook must be a mapping"])
    try:
        playbook = Playbook.model_validate(data)
    except ValidationError as exc:
        raise PlaybookError([located.problem(e) for e in exc.errors()]) from None
    return playbook, [located.problem({"loc": loc, "msg": msg}) for loc, msg in reference_problems(playbook)]
