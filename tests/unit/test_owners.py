"""The resolver's remembered owners: a bounded guess, most recently used kept."""

from touchpoint.identity import customer_id_for, minted_id
from touchpoint.profiles.store import Owners


def test_the_first_remembered_alias_names_the_guess_else_the_id_the_aliases_mint() -> None:
    owners = Owners()
    keys = ["ID#platform#shopify:1", "ID#email#a", "ID#anon#b"]
    assert owners.guess(keys) == customer_id_for("ID#email#a")
    owners.remember({"ID#anon#b": "c_b"})
    assert owners.guess(keys) == "c_b"


def test_a_new_id_is_made_from_the_email_when_the_event_names_one_else_the_strongest_alias() -> None:
    """Shopify names the platform id and the e-mail, a signed-in storefront the e-mail and a
    browser id: both make the same id, so either can find the other's profile by its key."""
    shopify = ["ID#platform#shopify:7", "ID#email#h", "ID#anon#checkout-token"]
    storefront = ["ID#email#h", "ID#anon#browser"]
    assert minted_id(shopify) == minted_id(storefront) == customer_id_for("ID#email#h")
    assert minted_id(["ID#platform#shopify:7", "ID#anon#x"]) == customer_id_for("ID#platform#shopify:7")


def test_the_least_recently_used_go_first() -> None:
    owners = Owners()
    owners.KEPT = 2
    owners.remember({"k1": "c1", "k2": "c2"})
    assert owners.guess(["k1"]) == "c1"  # k1 is now the most recent
    owners.remember({"k3": "c3"})
    assert owners.guess(["k2"]) == customer_id_for("k2")
    assert (owners.guess(["k1"]), owners.guess(["k3"])) == ("c1", "c3")


def test_only_aliases_all_remembered_as_one_customers_name_that_customer() -> None:
    """The one-Query read (store.confirmed) is tried only for such an event."""
    owners = Owners()
    owners.remember({"k1": "c1", "k2": "c1", "k3": "c3"})
    assert owners.owner_of_all(["k1", "k2"]) == "c1"
    assert owners.owner_of_all(["k1", "k3"]) is None  # two customers: a merge may be due
    assert owners.owner_of_all(["k1", "k4"]) is None  # an alias this container never saw
    assert owners.owner_of_all([]) is None


def test_naming_all_of_them_keeps_them_recent() -> None:
    owners = Owners()
    owners.KEPT = 3
    owners.remember({"k1": "c1", "k2": "c1", "k3": "c3"})
    assert owners.owner_of_all(["k1", "k2"]) == "c1"
    owners.remember({"k4": "c4"})  # k3 is now the least recently used
    assert owners.owner_of_all(["k1", "k2"]) == "c1"
    assert owners.owner_of_all(["k3"]) is None
