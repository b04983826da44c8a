"""What one event changes on a profile, as atomic operations (SET / ADD / DELETE / REMOVE).

The same Change renders to a DynamoDB UpdateExpression (store.py) and applies to an
in-memory copy (here), so decide() sees exactly the profile the write produces,
without a read after the write and without a read-modify-write.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from touchpoint import languages
from touchpoint.decide import affinity, lifecycle
from touchpoint.decide.model import ConsentRecord, MessageView, Profile
from touchpoint.identity import normalize_email, normalize_phone
from touchpoint.kinds import TRACKED_KINDS, Kind
from touchpoint.profiles import bounds
from touchpoint.profiles.change import Change

if TYPE_CHECKING:  # types only: the event models stay off the Sender's start
    from touchpoint.events import LineItem, TouchpointEvent


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value)
    return None


def _items(lines: tuple[LineItem, ...]) -> list[dict[str, Any]]:
    return [
        {"product_id": i.product_id, "title": i.title, "quantity": i.quantity, "price": str(i.price)}
        for i in lines
    ]


def change_for(
    event: TouchpointEvent, before: dict[str, Any], customer_id: str, aliases: set[str], now: datetime
) -> Change:
    """What this event changes: the bookkeeping every event does, then its kind's own reducer."""
    change = Change()
    change.assign.update(customer_id=customer_id, updated_at=now)
    change.assign_if_absent["first_seen_at"] = event.occurred_at
    change.add["event_count"] = 1
    if aliases:
        change.add["aliases"] = set(aliases)
    _contact(change, event, before)
    _consents(change, event, before)
    _latest_time(change, event, before)
    reducer = REDUCERS.get(event.kind)
    if reducer is not None:
        reducer(change, event, before)
    _affinity(change, event, before)
    bounds.bound(change, before)
    return change


# the shop's own customer record: its names win over the storefront's and the help desk's
SHOP_SOURCES = frozenset({"shopify", "woocommerce", "generic"})


def _names(change: Change, event: TouchpointEvent, before: dict[str, Any]) -> None:
    """Names from the shop's record always; from other sources (a signed-in storefront, the
    help desk's requester) only while the shop has not named the customer."""
    traits = event.traits
    if not (traits.first_name or traits.last_name):
        return
    source = "shop" if event.source in SHOP_SOURCES and event.ticket is None else "other"
    if source == "other" and before.get("names_from") == "shop":
        return
    change.assign["names_from"] = source
    for attr, value in (("first_name", traits.first_name), ("last_name", traits.last_name)):
        if value:
            change.assign[attr] = value


def _locale(change: Change, event: TouchpointEvent, before: dict[str, Any]) -> None:
    """The shop's customer record says a shopper's language; the browser only until it has."""
    if not event.traits.locale:
        return
    source = languages.SHOP if event.source in SHOP_SOURCES else languages.WEB
    if source == languages.WEB and before.get("locale_from") == languages.SHOP:
        return
    change.assign["locale"], change.assign["locale_from"] = event.traits.locale, source


def _contact(change: Change, event: TouchpointEvent, before: dict[str, Any]) -> None:
    ident, traits = event.identity, event.traits
    _names(change, event, before)
    _locale(change, event, before)
    for attr, value in (
        ("email", normalize_email(ident.email)),
        ("phone", normalize_phone(ident.phone, ident.region or traits.country)),
        ("country", traits.country),
        ("province", traits.province),
        ("timezone", traits.timezone),
    ):
        if value:
            change.assign[attr] = value
    new_email = change.assign.get("email")
    if new_email and new_email != before.get("email") and before.get("email_bounced"):
        change.remove.add("email_bounced")  # a new address gets a fresh chance


def _consents(change: Change, event: TouchpointEvent, before: dict[str, Any]) -> None:
    """Per channel, the newest statement wins, whichever order they arrive in."""
    for consent in event.consents:
        if consent.channel not in ("email", "sms"):
            continue
        attr = f"consent_{consent.channel}"
        stored_at = parse_time((before.get(attr) or {}).get("at"))
        if stored_at is None or consent.at >= stored_at:
            change.assign[attr] = {"state": consent.state, "at": _iso(consent.at), "source": consent.source}


def _latest_time(change: Change, event: TouchpointEvent, before: dict[str, Any]) -> None:
    if event.kind in TRACKED_KINDS:
        attr = f"at_{event.kind.value}"
        stored_time = parse_time(before.get(attr))
        if stored_time is None or event.occurred_at > stored_time:
            change.assign[attr] = event.occurred_at


def _checkout_updated(change: Change, event: TouchpointEvent, before: dict[str, Any]) -> None:
    """The latest open checkout, unless an older state of the same checkout arrives late."""
    checkout = event.checkout
    if checkout is None:
        return
    current = before.get("checkout") or {}
    stored_at = parse_time(current.get("updated_at"))
    if current.get("token") != checkout.token or stored_at is None or event.occurred_at >= stored_at:
        change.assign["checkout"] = {
            "token": checkout.token,
            "items": _items(checkout.items),
            "total": str(checkout.total),
            "currency": checkout.currency,
            "url": checkout.url or "",
            "updated_at": _iso(event.occurred_at),
        }
    add_set(change, "carted", {i.product_id for i in checkout.items})


def _checkout_closed(change: Change, event: TouchpointEvent, before: dict[str, Any]) -> None:
    if event.checkout and (before.get("checkout") or {}).get("token") == event.checkout.token:
        change.remove.add("checkout")


def _order_placed(change: Change, event: TouchpointEvent, before: dict[str, Any]) -> None:
    order = event.order
    if order is None:
        return
    change.add["orders_count"] = 1
    if order.discounted:
        change.add["discounted_orders"] = 1
    change.add["revenue_cents"] = _cents(order.total)
    change.add_to_map("order_net", order.order_id, _cents(order.total), before)
    add_set(change, "purchased", {i.product_id for i in order.items})
    add_set(change, "ordered_checkouts", {t for t in (order.checkout_token, order.cart_token) if t})
    token = (before.get("checkout") or {}).get("token")
    if token and token in (order.checkout_token, order.cart_token):
        change.remove.add("checkout")


def _ticket(change: Change, event: TouchpointEvent, before: dict[str, Any]) -> None:
    ticket = event.ticket
    if ticket is None:
        return
    if event.kind == Kind.TICKET_OPENED:
        change.add["open_tickets"] = {ticket.ticket_id}
    elif event.kind == Kind.TICKET_SOLVED:
        change.delete["open_tickets"] = {ticket.ticket_id}
    if ticket.rating:
        change.assign["last_rating"] = ticket.rating
    if ticket.nps is not None:
        change.assign["last_nps"] = ticket.nps


def _viewed(change: Change, event: TouchpointEvent, before: dict[str, Any]) -> None:
    add_set(change, "viewed", {p.product_id for p in event.products})


def _carted(change: Change, event: TouchpointEvent, before: dict[str, Any]) -> None:
    add_set(change, "carted", {p.product_id for p in event.products})


def _engaged(change: Change, event: TouchpointEvent, before: dict[str, Any]) -> None:
    change.add_to_map("engagement", f"h{event.occurred_at.astimezone(UTC).hour:02d}", 1, before)
    change.assign["last_engaged_at"] = event.occurred_at


def _bounced(change: Change, event: TouchpointEvent, before: dict[str, Any]) -> None:
    change.assign["email_bounced"] = True


def _preferences(change: Change, event: TouchpointEvent, before: dict[str, Any]) -> None:
    chosen = event.preferences
    if chosen is None:
        return
    change.assign["frequency"] = chosen.frequency
    for attr, value in (("topics_off", set(chosen.topics_off)), ("paused_until", chosen.paused_until)):
        if value:
            change.assign[attr] = value
        elif before.get(attr):
            change.remove.add(attr)


def _affinity(change: Change, event: TouchpointEvent, before: dict[str, Any]) -> None:
    signal = {
        Kind.PRODUCT_VIEWED: ("viewed", event.products),
        Kind.PRODUCT_ADDED: ("carted", event.products),
        Kind.CHECKOUT_UPDATED: ("checkout", event.checkout.items if event.checkout else ()),
        Kind.ORDER_PLACED: ("purchased", event.order.items if event.order else ()),
    }.get(event.kind)
    if not signal:
        return
    weight = affinity.stored_weight(affinity.WEIGHTS[signal[0]], event.occurred_at)
    for item in signal[1][:20]:
        change.add_to_map("affinity", f"p:{item.product_id}", weight, before)
        if item.category:
            change.add_to_map("affinity", f"c:{item.category}", weight, before)


def derive(change: Change, profile: Profile, now: datetime) -> None:
    """Stage and RFM as of this event, stored so segments can read them without recomputing."""
    change.assign["lifecycle"] = lifecycle.stage(profile, now)
    score = lifecycle.rfm(profile, now)
    if score:
        change.assign["rfm"] = score


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def _unwind(change: Change, event: TouchpointEvent, before: dict[str, Any]) -> None:
    """Refunds and cancellations take back what the order added, once, and never more than it added."""
    if event.order is None:
        return
    order_id = event.order.order_id
    remaining = int(float((before.get("order_net") or {}).get(order_id, 0)))
    if order_id not in (before.get("order_net") or {}) or order_id in (before.get("cancelled_orders") or ()):
        return  # an order we never counted, or one already taken back in full
    if event.kind == Kind.ORDER_CANCELLED:
        taken = remaining
        change.add["orders_count"] = -1
        add_set(change, "cancelled_orders", {order_id})
    else:
        taken = min(remaining, _cents(event.order.total))
    if taken:
        change.add["revenue_cents"] = -taken
        change.add_to_map("order_net", order_id, -taken, before)


def add_set(change: Change, attr: str, values: set[str]) -> None:
    if values:  # DynamoDB rejects empty sets
        existing = change.add.get(attr)
        change.add[attr] = (existing if isinstance(existing, set) else set()) | values


Reducer = Callable[[Change, "TouchpointEvent", dict[str, Any]], None]
REDUCERS: dict[Kind, Reducer] = {
    Kind.CHECKOUT_UPDATED: _checkout_updated,
    Kind.CHECKOUT_COMPLETED: _checkout_closed,
    Kind.CHECKOUT_CANCELLED: _checkout_closed,
    Kind.ORDER_PLACED: _order_placed,
    Kind.ORDER_REFUNDED: _unwind,
    Kind.ORDER_CANCELLED: _unwind,
    Kind.TICKET_OPENED: _ticket,
    Kind.TICKET_SOLVED: _ticket,
    Kind.TICKET_RATED: _ticket,
    Kind.PRODUCT_VIEWED: _viewed,
    Kind.PRODUCT_ADDED: _carted,
    Kind.EMAIL_ENGAGED: _engaged,
    Kind.EMAIL_BOUNCED: _bounced,
    Kind.PREFERENCES_UPDATED: _preferences,
}


def apply(raw: dict[str, Any], change: Change) -> dict[str, Any]:
    """The item as it will read after the update."""
    after = dict(raw)
    for attr, value in change.assign_if_absent.items():
        after.setdefault(attr, value)
    after.update(change.assign)
    for attr, value in change.add.items():
        if isinstance(value, set):
            after[attr] = set(after.get(attr) or set()) | value
        else:
            after[attr] = (after.get(attr) or 0) + value
    for attr, values in change.delete.items():
        after[attr] = set(after.get(attr) or set()) - values
    for attr in change.remove:
        after.pop(attr, None)
    for attr, entries in change.map_add.items():
        merged = dict(after.get(attr) or {})
        for key, amount in entries.items():
            merged[key] = float(merged.get(key, 0)) + amount
        after[attr] = merged
    for attr, put in change.map_set.items():
        after[attr] = {**(after.get(attr) or {}), **put}
    return after


def as_profile(raw: dict[str, Any], customer_id: str, messages: tuple[MessageView, ...] = ()) -> Profile:
    """The Profile decide() works on, from a stored profile item (as read, or as it will read)."""
    consent = {}
    for channel in ("email", "sms"):
        record = raw.get(f"consent_{channel}")
        if record:
            consent[channel] = ConsentRecord(
                state=str(record.get("state", "")),
                at=parse_time(record.get("at")),
                source=str(record.get("source", "")),
            )
    last_event_at = {}
    for kind in TRACKED_KINDS:
        when = parse_time(raw.get(f"at_{kind.value}"))
        if when:
            last_event_at[kind.value] = when
    return Profile(
        customer_id=customer_id,
        email=raw.get("email"),
        phone=raw.get("phone"),
        first_name=raw.get("first_name"),
        consent=consent,
        timezone=raw.get("timezone"),
        locale=raw.get("locale"),
        country=raw.get("country"),
        province=raw.get("province"),
        orders_count=int(raw.get("orders_count") or 0),
        discounted_orders=int(raw.get("discounted_orders") or 0),
        revenue=Decimal(int(raw.get("revenue_cents") or 0)) / 100,
        first_seen_at=parse_time(raw.get("first_seen_at")),
        last_order_at=last_event_at.get(Kind.ORDER_PLACED.value),
        last_checkout_at=last_event_at.get(Kind.CHECKOUT_UPDATED.value),
        open_tickets=len(raw.get("open_tickets") or ()),
        last_rating=raw.get("last_rating"),
        purchased=frozenset(raw.get("purchased") or ()),
        ordered_checkouts=frozenset(raw.get("ordered_checkouts") or ()),
        viewed=tuple(sorted(raw.get("viewed") or ())),
        carted=tuple(sorted(raw.get("carted") or ())),
        checkout=raw.get("checkout"),
        last_event_at=last_event_at,
        email_bounced=bool(raw.get("email_bounced")),
        last_engaged_at=parse_time(raw.get("last_engaged_at")),
        affinity={k: float(v) for k, v in (raw.get("affinity") or {}).items()},
        engagement_hours={int(k[1:]): int(v) for k, v in (raw.get("engagement") or {}).items()},
        topics_off=frozenset(raw.get("topics_off") or ()),
        frequency=str(raw.get("frequency") or "normal"),
        paused_until=parse_time(raw.get("paused_until")),
        messages=messages,
    )
