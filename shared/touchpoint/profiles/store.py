"""Reading profiles and resolving identities (DynamoDB through pynamodb)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import MapAttribute
from pynamodb.constants import BATCH_GET_PAGE_LIMIT

from touchpoint.identity import (
    STRONG_KINDS,
    STRONG_PREFIXES,
    alias_key,
    minted_id,
    normalize_email,
    normalize_phone,
)
from touchpoint.profiles.models import (
    MESSAGE_PREFIX,
    PROFILE_SK,
    AliasItem,
    MessageItem,
    ProfileItem,
    customer_pk,
    unexpired,
)

if TYPE_CHECKING:  # types only: the event models stay off the Sender's start
    from touchpoint.events import Identity


def _kind(key: str) -> str:
    return key.split("#", 2)[1]


@dataclass(frozen=True)
class Resolution:
    customer_id: str
    known: dict[str, str]  # alias key -> customer id, as stored
    wanted: set[str]  # alias keys this event names
    # set when only a weak identifier found the customer while the event names a strong one
    # nobody has: that customer is kept only if anonymous; else the event's is this new id
    unless_named: str | None = None

    def named(self, customer_id: str) -> Resolution:
        """The same event for another customer id (the survivor of a merge)."""
        return Resolution(customer_id=customer_id, known=self.known, wanted=self.wanted)

    def instead(self) -> Resolution:
        """The same event as a new customer's: the weak match named someone else."""
        assert self.unless_named is not None
        return Resolution(customer_id=self.unless_named, known=self.known, wanted=self.wanted)

    @property
    def new_aliases(self) -> set[str]:
        return self.wanted - set(self.known)

    @property
    def others(self) -> list[str]:
        """Other customers this event's aliases point to: candidates to fold into this one."""
        return sorted({owner for owner in self.known.values() if owner != self.customer_id})

    def stands(self, found: dict[str, Any]) -> bool:
        """Whether the customer found (its stored profile) is this event's; else `instead()`."""
        return not self.unless_named or anonymous(found)

    def folds_in(self, other: str, raw: dict[str, Any]) -> bool:
        """Whether another customer the event names (`others`, stored as `raw`) merges into this one."""
        return other in self.proven or anonymous(raw)

    @property
    def proven(self) -> set[str]:
        """Others reached through a strong identifier: the event proves they are this customer.
        One reached only through a phone or an anonymous id is folded in only if it is anonymous."""
        return {o for k, o in self.known.items() if _kind(k) in STRONG_KINDS and o != self.customer_id}


def anonymous(raw: dict[str, Any]) -> bool:
    """A profile no strong identifier names (browsing, a guest without an address yet)."""
    return not raw.get("email") and not any(
        str(a).startswith(STRONG_PREFIXES) for a in raw.get("aliases") or ()
    )


def alias_keys(identity: Identity) -> list[str]:
    keys = []
    for kind, value in identity.aliases():
        if kind == "email":
            value = normalize_email(value) or ""
        elif kind == "phone":
            value = normalize_phone(value, identity.region) or ""
        if value:
            keys.append(alias_key(kind, value))
    return list(dict.fromkeys(keys))


def _stored_aliases(keys: list[str]) -> dict[str, str]:
    return {item.pk: item.customer_id for item in AliasItem.batch_get([(k, "ALIAS") for k in keys])}


def resolve(identity: Identity) -> Resolution | None:
    """One BatchGetItem: the customer a strong identifier (platform id, user id, e-mail) names,
    else the one a weak identifier (phone, anonymous id) points to, else a new id."""
    return resolve_with(identity, _stored_aliases)


def resolve_with(identity: Identity, lookup: Callable[[list[str]], dict[str, str]]) -> Resolution | None:
    """The resolution rules on their own; `lookup` maps alias keys to the customers they name
    (DynamoDB here, a dict in the backtest)."""
    if identity.customer_id:
        return Resolution(customer_id=identity.customer_id, known={}, wanted=set())
    keys = alias_keys(identity)
    if not keys:
        return None
    known = lookup(keys)
    strong = [k for k in keys if _kind(k) in STRONG_KINDS]
    owner = next((known[k] for k in strong if k in known), None)
    if owner is not None:
        return Resolution(customer_id=owner, known=known, wanted=set(keys))
    weak = next((known[k] for k in keys if k in known), None)
    if weak is None:
        return Resolution(customer_id=minted_id(keys), known=known, wanted=set(keys))
    # a shared phone or a reused anonymous id must not hand a named shopper's event to someone
    # else: the weak match stands only if that customer is anonymous (checked on load)
    named = minted_id(strong) if strong else None
    return Resolution(customer_id=weak, known=known, wanted=set(keys), unless_named=named)


def plain(value: Any) -> Any:
    if isinstance(value, MapAttribute):
        return {k: plain(v) for k, v in value.as_dict().items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def raw(item: ProfileItem | MessageItem) -> dict[str, Any]:
    return {k: plain(v) for k, v in item.attribute_values.items()}


def load_profile(customer_id: str, consistent: bool = True) -> dict[str, Any]:
    """The profile item alone (one GetItem, at most 4 KB: profiles/bounds.py), for readers that
    need no messages (most storefront events, the preference center): its read does not grow
    with the customer's history."""
    try:
        return raw(ProfileItem.get(customer_pk(customer_id), PROFILE_SK, consistent_read=consistent))
    except ProfileItem.DoesNotExist:
        return {}


def _batch_read(keys: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Items of the table by key, raw and eventually consistent, in as few BatchGetItem pages as
    DynamoDB allows."""
    pending: list[Any] = [{"pk": pk, "sk": sk} for pk, sk in dict.fromkeys(keys)]
    found: list[dict[str, Any]] = []
    while pending:
        page, unprocessed = ProfileItem._batch_get_page(pending[:BATCH_GET_PAGE_LIMIT], False, None)
        found.extend(page)
        pending = [*(unprocessed or ()), *pending[BATCH_GET_PAGE_LIMIT:]]
    return found


class Owners:
    """Alias key -> customer id, as this container last read them: a guess, never an answer.

    A returning shopper's event need not name the alias their customer id was made from (a
    customer first seen on an order without an e-mail, or before ids were made from the e-mail:
    `minted_id`), and then the guess from its aliases misses and the profile costs a second trip.
    The owners read on earlier events name the right profile to fetch with the aliases. The
    aliases read on the same trip still decide whose the event is, so a stale entry (a merge
    since) costs only the second trip it was meant to save. Bounded: the least recently used go
    first."""

    KEPT = 10_000

    def __init__(self) -> None:
        self._owners: OrderedDict[str, str] = OrderedDict()

    def owner_of_all(self, keys: list[str]) -> str | None:
        """The one customer every key was last seen naming, else None."""
        seen = {self._owners.get(key) for key in keys}
        owner = seen.pop() if len(seen) == 1 else None
        if owner is not None:
            for key in keys:
                self._owners.move_to_end(key)
        return owner

    def guess(self, keys: list[str]) -> str:
        """The customer the first remembered alias names, else the id these aliases would mint."""
        for key in keys:
            owner = self._owners.get(key)
            if owner is not None:
                self._owners.move_to_end(key)
                return owner
        return minted_id(keys)

    def remember(self, stored: dict[str, str]) -> None:
        for key, owner in stored.items():
            self._owners[key] = owner
            self._owners.move_to_end(key)
        while len(self._owners) > self.KEPT:
            self._owners.popitem(last=False)

    def clear(self) -> None:
        self._owners.clear()


owners = Owners()


@dataclass(frozen=True)
class Fetched:
    """A profile read on the resolving trip, before it was known whose the event is."""

    customer_id: str
    profile: dict[str, Any]  # raw; empty when there is none
    messages: list[MessageItem] | None = None  # live ones, where the trip read them (a Query)


def resolve_fetching(
    identity: Identity, live_at: datetime | None = None
) -> tuple[Resolution | None, Fetched | None]:
    """`resolve`, with a guessed profile on the same BatchGetItem: the customer an alias of the
    event named when this container last read it (`Owners`), else the one the event's aliases
    would mint (`minted_id`: a new customer's, and a returning one's whose first event named the
    same e-mail, or the same strongest alias). When the guess is right, the event needs no second
    read while the profile shows no messages (messages.may_have). Eventually consistent, as
    `load`.

    A customer this container saw every alias of is read alone instead (`confirmed`): the
    profile with one GetItem, or with `live_at` (the event needs the customer's live messages)
    the profile and those messages with one Query; the aliases not at all."""
    keys = alias_keys(identity)
    if identity.customer_id or not keys:
        return resolve(identity), None
    known = owners.owner_of_all(keys)
    seen = confirmed(known, keys, live_at) if known is not None else None
    if seen is not None:
        return seen
    guess = owners.guess(keys)
    found = _batch_read([*((k, "ALIAS") for k in keys), (customer_pk(guess), PROFILE_SK)])
    stored = {d["pk"]["S"]: d["customer_id"]["S"] for d in found if d["sk"]["S"] == "ALIAS"}
    owners.remember(stored)
    profile = next((raw(ProfileItem.from_raw_data(d)) for d in found if d["sk"]["S"] == PROFILE_SK), {})
    return resolve_with(identity, lambda _: stored), Fetched(guess, profile)


def confirmed(
    customer_id: str, keys: list[str], live_at: datetime | None
) -> tuple[Resolution, Fetched] | None:
    """The customer's profile (one GetItem), or with `live_at` the profile and live messages (one
    Query), as the event's resolution when the profile lists every alias key the event names and
    was not merged away; else None (read the aliases). A profile's `aliases` are written in the
    transaction that writes the alias items, and an alias leaves a profile only by a merge (which
    marks it `merged_into`) or an erasure (which deletes it), so a profile that still lists a key
    is the one that key names. The event's write is conditioned on the profile as read, as on the
    aliases' trip."""
    if live_at is None:
        profile, items = load_profile(customer_id, consistent=False), None
    else:
        profile, items = load(customer_id, live_at=live_at)
    if not profile or profile.get("merged_into") or not set(keys) <= set(profile.get("aliases") or ()):
        return None
    resolution = Resolution(customer_id=customer_id, known=dict.fromkeys(keys, customer_id), wanted=set(keys))
    return resolution, Fetched(customer_id, profile, items)


def load(
    customer_id: str, live_at: datetime | None = None, consistent: bool = False
) -> tuple[dict[str, Any], list[MessageItem]]:
    """One Query: the profile item and the customer's messages (sort keys MSG#… and PROFILE).

    With `live_at`, messages expired by then are left out: DynamoDB deletes them up to days
    later, and decisions must not depend on when it gets to them. Erasure and merges read all.
    The Sender reads `consistent`ly: its re-check must see the send it recorded a moment ago."""
    profile: dict[str, Any] = {}
    messages: list[MessageItem] = []
    table = MessageItem._get_connection()
    live = unexpired(live_at) if live_at is not None else None
    start_key = None
    while True:
        page = table.query(
            customer_pk(customer_id),
            range_key_condition=MessageItem.sk >= MESSAGE_PREFIX,
            filter_condition=live,
            exclusive_start_key=start_key,
            consistent_read=consistent,
        )
        for data in page.get("Items", []):
            sk = data["sk"]["S"]
            if sk == PROFILE_SK:
                profile = raw(ProfileItem.from_raw_data(data))
            elif sk.startswith(MESSAGE_PREFIX):
                messages.append(MessageItem.from_raw_data(data))
        start_key = page.get("LastEvaluatedKey")
        if not start_key:
            return profile, messages


MAX_MERGE_HOPS = 8  # a survivor merged again later: far more than any real chain


def survivor(customer_id: str, profile: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The customer a merged-away profile lives on as (following `merged_into`), with its profile;
    the customer itself when it was not merged. Every path that names a customer id (links,
    provider events, commands) goes through this, so a guest's unsubscribe still counts after
    she signed in."""
    for _ in range(MAX_MERGE_HOPS):
        successor = profile.get("merged_into")
        if not successor:
            break
        customer_id, profile = successor, load_profile(successor)
    return customer_id, profile


def live_profile(customer_id: str) -> tuple[str, dict[str, Any]]:
    """The profile of `customer_id` or of the customer it was merged into (`survivor`)."""
    return survivor(customer_id, load_profile(customer_id))


def find_customer(key: str) -> str | None:
    """A customer id from a customer id, an e-mail address or an E.164 phone number; a merged-away
    customer's id gives the customer it was merged into."""
    found = _find_customer(key)
    return live_profile(found)[0] if found else None


def _find_customer(key: str) -> str | None:
    email, phone = normalize_email(key), normalize_phone(key)
    candidates = []
    if email:
        candidates.append(alias_key("email", email))
    elif phone:
        candidates.append(alias_key("phone", phone))
    else:
        candidates.extend(alias_key(kind, key) for kind in ("platform", "user", "anon"))
        try:
            ProfileItem.get(customer_pk(key), PROFILE_SK)
            return key
        except ProfileItem.DoesNotExist:
            pass
    found = list(AliasItem.batch_get([(k, "ALIAS") for k in candidates]))
    return found[0].customer_id if found else None
