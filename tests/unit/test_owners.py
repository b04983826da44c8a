"""The resolver's remembered owners: a bounded guess, most recently used kept."""

from touchpoint.identity import customer_id_for
from touchpoint.profiles.store import Owners


def test_the_first_remembered_alias_names_the_guess_else_the_first_alias() -> None:
    owners = Owners()
    assert owners.guess(["ID#email#a", "ID#anon#b"]) == customer_id_for("ID#email#a")
    owners.remember({"ID#anon#b": "c_b"})
    assert owners.guess(["ID#email#a", "ID#anon#b"]) == "c_b"


def test_the_least_recently_used_go_first() -> None:
    owners = Owners()
    owners.KEPT = 2
    owners.remember({"k1": "c1", "k2": "c2"})
    assert owners.guess(["k1"]) == "c1"  # k1 is now the most recent
    owners.remember({"k3": "c3"})
    assert owners.guess(["k2"]) == customer_id_for("k2")
    assert (owners.guess(["k1"]), owners.guess(["k3"])) == ("c1", "c3")
