"""The state and province table agrees with libphonenumber's area-code data: every clock
that any area code of a state keeps is covered by the zones we list for that state."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from phonenumbers.geodata import GEOCODE_DATA
from phonenumbers.tzdata import TIMEZONE_DATA

from touchpoint.decide.zones import CA_PROVINCES, US_STATES, for_address

INSTANTS = (datetime(2026, 1, 15, 12, tzinfo=UTC), datetime(2026, 7, 15, 12, tzinfo=UTC))


def _clock(zone: str) -> tuple[object, ...]:
    """What a zone's clocks read at a winter and a summer instant: zones alike in that are alike."""
    return tuple(at.astimezone(ZoneInfo(zone)).utcoffset() for at in INSTANTS)


def _zones_of(prefix: str) -> tuple[str, ...]:
    for length in range(len(prefix), 0, -1):
        if prefix[:length] in TIMEZONE_DATA:
            return TIMEZONE_DATA[prefix[:length]]
    return ()


def _phone_zones_by_subdivision() -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for prefix, names in GEOCODE_DATA.items():
        match = re.search(r", ([A-Z]{2})$", names.get("en", "")) if prefix.startswith("1") else None
        if match:
            found[match.group(1)] |= set(_zones_of(prefix))
    return found


PHONE_ZONES = _phone_zones_by_subdivision()
TABLE = {**US_STATES, **CA_PROVINCES}


@pytest.mark.parametrize("subdivision", sorted(set(PHONE_ZONES) & set(TABLE)))
def test_every_clock_an_area_code_keeps_is_a_candidate(subdivision: str) -> None:
    ours = {_clock(z) for z in TABLE[subdivision]}
    theirs = {z: _clock(z) for z in PHONE_ZONES[subdivision] if z != "Etc/Unknown"}
    missing = sorted(z for z, clock in theirs.items() if clock not in ours)
    assert not missing, f"{subdivision}: {missing} keep a time none of {TABLE[subdivision]} keeps"


def test_the_table_covers_every_state_the_phone_data_names() -> None:
    states = {"AL", "AK", "AZ", "CA", "CO", "FL", "KY", "NY", "TX", "WA"}
    assert states <= set(US_STATES) and len(US_STATES) >= 51


def test_a_country_without_a_province_gives_every_zone_of_the_country() -> None:
    assert "America/Los_Angeles" in for_address("US", None) and "Pacific/Honolulu" in for_address("US", None)
    assert "Australia/Perth" in for_address("AU", "WA")
    assert for_address("XX", None) == () and for_address(None, None) == ()
