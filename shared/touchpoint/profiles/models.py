"""Single-table items (docs/architecture.md, "The table") as pynamodb models.

Keys never hold raw PII; the profile item holds contact data because sending needs it,
and `forget` erases it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from touchpoint import config
from touchpoint.kinds import TRACKED_KINDS

DUE_SHARDS = 4
PROFILE_SK = "PROFILE"
MESSAGE_PREFIX = "MSG#"


def customer_pk(customer_id: str) -> str:
    return f"C#{customer_id}"


class _TableName(type):
    """The table name is read when a model first talks to DynamoDB, from TABLE_NAME: the one
    place it is resolved, so nothing has to re-bind the models when tests or the local runtime
    choose the name late."""

    @property
    def table_name(cls) -> str:
        return config.table_name()


class _Meta(metaclass=_TableName):
    pass


class ProfileItem(Model):
    class Meta(_Meta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default=PROFILE_SK)
    customer_id = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    first_name = UnicodeAttribute(null=True)
    last_name = UnicodeAttribute(null=True)
    names_from = UnicodeAttribute(null=True)  # "shop" or "other": who set the names (changes._names)
    country = UnicodeAttribute(null=True)
    province = UnicodeAttribute(null=True)
    timezone = UnicodeAttribute(null=True)
    locale = UnicodeAttribute(null=True)  # the shopper's language (touchpoint/languages.py)
    locale_from = UnicodeAttribute(null=True)  # "shop" or "web": the shop's record wins
    consent_email = MapAttribute[str, Any](null=True)
    consent_sms = MapAttribute[str, Any](null=True)
    first_seen_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    event_count = NumberAttribute(null=True)
    orders_count = NumberAttribute(null=True)
    discounted_orders = NumberAttribute(null=True)
    revenue_cents = NumberAttribute(null=True)
    open_tickets = UnicodeSetAttribute(null=True)
    last_rating = UnicodeAttribute(null=True)
    last_nps = NumberAttribute(null=True)
    lifecycle = UnicodeAttribute(null=True)
    merged_into = UnicodeAttribute(null=True)  # set on a profile folded into another
    merged_from = UnicodeSetAttribute(null=True)  # the profiles folded into this one (erasure follows)
    email_bounced = BooleanAttribute(null=True)
    last_engaged_at = UTCDateTimeAttribute(null=True)
    # "p:<product>" / "c:<category>" -> decay-normalized score (decide/affinity.py)
    affinity = MapAttribute[str, Any](null=True)
    # "h00".."h23" (UTC) -> opens and clicks in that hour
    engagement = MapAttribute[str, Any](null=True)
    rfm = UnicodeAttribute(null=True)
    purchased = UnicodeSetAttribute(null=True)
    viewed = UnicodeSetAttribute(null=True)
    carted = UnicodeSetAttribute(null=True)
    ordered_checkouts = UnicodeSetAttribute(null=True)
    cancelled_orders = UnicodeSetAttribute(null=True)
    order_net = MapAttribute[str, Any](null=True)  # order id -> cents still counted in revenue
    aliases = UnicodeSetAttribute(null=True)
    recent = MapAttribute[str, Any](null=True)  # the last events applied (profiles/recent.py)
    # False: the customer's partition holds no message, so a read may skip the Query for them
    # (profiles/messages.py: `may_have`); absent on profiles written before it was kept
    has_messages = BooleanAttribute(null=True)
    checkout = MapAttribute[str, Any](null=True)
    topics_off = UnicodeSetAttribute(null=True)
    frequency = UnicodeAttribute(null=True)
    paused_until = UTCDateTimeAttribute(null=True)
    # the latest time of each flow-relevant event kind: exits are judged against these
    for _kind in TRACKED_KINDS:
        locals()[f"at_{_kind.value}"] = UTCDateTimeAttribute(null=True)
    del _kind


class AliasItem(Model):
    class Meta(_Meta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="ALIAS")
    customer_id = UnicodeAttribute()


class EventMarker(Model):
    """Marks a platform event as applied; written in the same transaction as its effects."""

    class Meta(_Meta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    expires_at = TTLAttribute()
    attempt = UnicodeAttribute(null=True)  # which handling wrote it: a lost answer is not a duplicate


class DueIndex(GlobalSecondaryIndex["MessageItem"]):
    """Sparse: only planned messages carry due_pk, so the Dispatcher reads O(due)."""

    class Meta:
        index_name = "due-index"
        projection = KeysOnlyProjection()

    due_pk = UnicodeAttribute(hash_key=True)
    due_sk = UnicodeAttribute(range_key=True)


class MessageItem(Model):
    class Meta(_Meta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    message_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    flow = UnicodeAttribute()
    step = UnicodeAttribute()
    status = UnicodeAttribute()
    channel = UnicodeAttribute()
    template = UnicodeAttribute()
    marketing = BooleanAttribute(default=True)
    trigger = UnicodeAttribute(null=True)
    trigger_at = UTCDateTimeAttribute(null=True)
    due_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    sent_at = UTCDateTimeAttribute(null=True)
    reasons = ListAttribute[str](of=UnicodeAttribute, null=True)  # type: ignore[arg-type]
    offer = MapAttribute[str, Any](null=True)
    context = MapAttribute[str, Any](null=True)
    variant = UnicodeAttribute(null=True)
    provider_id = UnicodeAttribute(null=True)
    converted_at = UTCDateTimeAttribute(null=True)
    conversion_order = UnicodeAttribute(null=True)
    conversion_cents = NumberAttribute(null=True)
    attempts = NumberAttribute(null=True)
    error = UnicodeAttribute(null=True)
    lease_owner = UnicodeAttribute(null=True)  # who holds the latest claim (sending/claims.py)
    # when DynamoDB may delete it (profiles/messages.py, retained_until); none for once-a-lifetime runs
    expires_at = TTLAttribute(null=True)
    due_pk = UnicodeAttribute(null=True)
    due_sk = UnicodeAttribute(null=True)
    paused_since = UTCDateTimeAttribute(null=True)  # first held by a paused stack (sending/modes.py)
    code = UnicodeAttribute(null=True)  # its own single-use discount code (touchpoint/codes.py)
    code_expires_at = UTCDateTimeAttribute(null=True)
    due_index = DueIndex()


def unexpired(now: datetime) -> Condition:
    """Messages not expired at `now` (no expiry, or a later one). DynamoDB deletes expired items
    late, so the reads that decide filter on this; `profiles/messages.live` is the same test in
    Python, for the in-memory backtest."""
    return MessageItem.expires_at.does_not_exist() | (MessageItem.expires_at > now)


class ProductItem(Model):
    """A catalog product (catalog/model.py); `P#<product>` / `PRODUCT`, beside its statistics."""

    class Meta(_Meta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="PRODUCT")
    product_id = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute()
    title = UnicodeAttribute(null=True)
    url = UnicodeAttribute(null=True)
    image_url = UnicodeAttribute(null=True)
    price = UnicodeAttribute(null=True)  # decimal as text: money stays exact
    compare_at_price = UnicodeAttribute(null=True)
    currency = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    tags = ListAttribute[str](of=UnicodeAttribute, null=True)  # type: ignore[arg-type]
    vendor = UnicodeAttribute(null=True)
    available = BooleanAttribute(default=True)
    inventory = NumberAttribute(null=True)
    deleted = BooleanAttribute(default=False)
    stock = MapAttribute[str, Any](null=True)  # "<inventory item>@<location>" -> units (Shopify)


class InventoryAlias(Model):
    """`INV#<inventory item>` -> product: how Shopify's inventory updates find their product."""

    class Meta(_Meta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="PRODUCT")
    product_id = UnicodeAttribute()


class WatchItem(Model):
    """`P#<product>` / `W#<customer>`: this customer looked at the product lately (back in stock,
    price drop). Written with the event that showed the interest; expires after WATCH_DAYS."""

    class Meta(_Meta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    customer_id = UnicodeAttribute()
    expires_at = TTLAttribute()


WATCH_PREFIX = "W#"


class ErasureItem(Model):
    """`ERASED#<customer>` / `ERASED`: when the customer was erased. Their events received before
    then can still reach the archive afterwards (Firehose buffers minutes); archive/erasures.py
    removes them as they land. Expires after erasures.KEPT."""

    class Meta(_Meta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="ERASED")
    erased_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()


def erasure_pk(customer_id: str) -> str:
    return f"ERASED#{customer_id}"


def product_pk(product_id: str) -> str:
    return f"P#{product_id}"


class SettingItem(Model):
    """`STACK` / `SEND_MODE`: the stack's sending mode as `touchpoint mode` last set it, with when
    and from where (sending/modes.py). Absent until first set."""

    class Meta(_Meta):
        pass

    pk = UnicodeAttribute(hash_key=True, default="STACK")
    sk = UnicodeAttribute(range_key=True)
    value = UnicodeAttribute()
    changed_at = UTCDateTimeAttribute()
    changed_by = UnicodeAttribute(null=True)


class CodeItem(Model):
    """`CODE#<code>` / `CODE`: a single-use discount code, in one offer's pool or taken by one
    message (touchpoint/codes.py). Its key makes a code unique across every pool."""

    class Meta(_Meta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True, default="CODE")
    code = UnicodeAttribute()
    offer = UnicodeAttribute()
    added_at = UTCDateTimeAttribute()
    message_id = UnicodeAttribute(null=True)
    customer_id = UnicodeAttribute(null=True)
    taken_at = UTCDateTimeAttribute(null=True)


class PoolItem(Model):
    """`POOL#<offer>` / `<code>`: a code still free in the offer's pool (deleted when taken), and
    `POOLS` / `<offer>`: the pool itself, with how many codes were ever added."""

    class Meta(_Meta):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    added_at = UTCDateTimeAttribute(null=True)
    added = NumberAttribute(null=True)


ALL_MODELS: tuple[type[Model], ...] = (
    SettingItem,
    CodeItem,
    PoolItem,
    ProfileItem,
    AliasItem,
    EventMarker,
    MessageItem,
    ProductItem,
    InventoryAlias,
    WatchItem,
    ErasureItem,
)


def reset_connections() -> None:
    """Forget cached connections (the local runtime and tests switch AWS endpoints)."""
    for model in ALL_MODELS:
        model._connection = None
