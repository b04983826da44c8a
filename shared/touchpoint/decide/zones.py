"""Where a customer may be: the set of time zones quiet hours must respect.

A browser-reported zone is an observation and stands alone. Otherwise every zone the
postal address or the phone number allows is a candidate, and quiet hours fail closed
over all of them (decide/timing.py): Louisville, KY is Eastern while Paducah, KY is
Central, so a Kentucky address without a city-level zone gives both.

Phone numbers and country zones come from libphonenumber's data (the `phonenumbers`
package); US states and Canadian provinces are not in it, so the split ones are listed
below and a unit test checks the list against phonenumbers' area-code zones.
"""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_E, _C, _M, _P = "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"
_STATE_GROUPS: dict[tuple[str, ...], str] = {
    (_E,): "CT DE DC GA ME MD MA NH NJ NY NC OH PA RI SC VT VA WV",
    (_C,): "AR IL IA LA MN MS MO OK WI",
    (_M,): "CO MT NM UT WY",
    (_P,): "CA WA",
    # states split between zones: every zone any part of the state keeps
    (_E, _C): "AL FL IN KY MI TN",
    (_C, _M): "KS NE ND SD TX",
    (_M, _P): "ID NV OR",
    ("America/Phoenix", _M): "AZ",  # the Navajo Nation keeps daylight time
    ("America/Anchorage", "America/Adak", "Pacific/Honolulu"): "AK",  # the Aleutians, as phone data has it
    ("Pacific/Honolulu",): "HI",
    ("America/Puerto_Rico",): "PR VI",
    ("Pacific/Guam",): "GU MP",
}
US_STATES: dict[str, tuple[str, ...]] = {
    state: zones for zones, states in _STATE_GROUPS.items() for state in states.split()
}
CA_PROVINCES: dict[str, tuple[str, ...]] = {
    "AB": ("America/Edmonton",),
    "BC": ("America/Vancouver", "America/Edmonton"),
    "MB": ("America/Winnipeg",),
    "NB": ("America/Moncton",),
    "NL": ("America/St_Johns", "America/Goose_Bay"),
    "NS": ("America/Halifax",),
    "NT": ("America/Yellowknife", "America/Inuvik", "America/Fort_Nelson"),
    "NU": ("America/Iqaluit", "America/Rankin_Inlet", "America/Cambridge_Bay"),
    "ON": ("America/Toronto", "America/Winnipeg"),
    "PE": ("America/Halifax",),
    "QC": ("America/Toronto", "America/Halifax"),
    "SK": ("America/Regina", "America/Edmonton"),
    "YT": ("America/Whitehorse", "America/Vancouver"),
}
_SUBDIVISIONS = {"US": US_STATES, "CA": CA_PROVINCES}
UNKNOWN = "Etc/Unknown"


def _zone(name: str | None) -> ZoneInfo | None:
    if not name or name == UNKNOWN:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def for_address(country: str | None, province: str | None) -> tuple[str, ...]:
    """Every zone the address allows: the province's where the country is split by province,
    else the whole country's."""
    country = (country or "").strip().upper()
    province = (province or "").strip().upper().removeprefix(f"{country}-")
    table = _SUBDIVISIONS.get(country)
    if table is not None:
        if province in table:
            return table[province]
        return tuple(sorted({zone for zones in table.values() for zone in zones}))
    if len(country) != 2:
        return ()
    import phonenumbers  # about 20 ms of a cold start: only for a customer with an address or phone
    from phonenumbers.tzdata import TIMEZONE_DATA

    code = phonenumbers.country_code_for_region(country)
    return tuple(TIMEZONE_DATA.get(str(code), ())) if code else ()


def for_phone(phone: str | None) -> tuple[str, ...]:
    """The zones of a valid E.164 number's area; nothing for an invalid or unknown one."""
    if not phone:
        return ()
    import phonenumbers
    from phonenumbers import timezone as phone_zones

    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return ()
    if not phonenumbers.is_valid_number(number):
        return ()
    return tuple(z for z in phone_zones.time_zones_for_number(number) if z != UNKNOWN)


@lru_cache(maxsize=1024)
def candidates(
    timezone: str | None, country: str | None, province: str | None, phone: str | None
) -> tuple[ZoneInfo, ...]:
    """The zones to respect, strongest evidence first; empty when nothing is known."""
    observed = _zone(timezone)
    if observed is not None:
        return (observed,)
    names = dict.fromkeys((*for_address(country, province), *for_phone(phone)))
    return tuple(z for z in (_zone(n) for n in names) if z is not None)
