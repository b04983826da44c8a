"""Time zone from a postal address: enough to keep quiet hours right without asking.

Only unambiguous cases answer; anything else stays unknown, and quiet hours then
fail closed (decide/timing.py).
"""

from __future__ import annotations

SINGLE_ZONE_COUNTRIES = {
    "AT": "Europe/Vienna",
    "BE": "Europe/Brussels",
    "CH": "Europe/Zurich",
    "CZ": "Europe/Prague",
    "DE": "Europe/Berlin",
    "DK": "Europe/Copenhagen",
    "ES": "Europe/Madrid",
    "FI": "Europe/Helsinki",
    "FR": "Europe/Paris",
    "GB": "Europe/London",
    "GR": "Europe/Athens",
    "IE": "Europe/Dublin",
    "IT": "Europe/Rome",
    "JP": "Asia/Tokyo",
    "NL": "Europe/Amsterdam",
    "NO": "Europe/Oslo",
    "NZ": "Pacific/Auckland",
    "PL": "Europe/Warsaw",
    "PT": "Europe/Lisbon",
    "SE": "Europe/Stockholm",
    "SG": "Asia/Singapore",
    "IN": "Asia/Kolkata",
    "KR": "Asia/Seoul",
    "ZA": "Africa/Johannesburg",
    "IL": "Asia/Jerusalem",
}
_EASTERN = "CT DE DC FL GA IN ME MD MA MI NH NJ NY NC OH PA RI SC VT VA WV"
_CENTRAL = "AL AR IL IA KS KY LA MN MS MO NE ND OK SD TN TX WI"
_MOUNTAIN = "CO ID MT NM UT WY"
_PACIFIC = "CA NV OR WA"
US_STATES = {
    **dict.fromkeys(_EASTERN.split(), "America/New_York"),
    **dict.fromkeys(_CENTRAL.split(), "America/Chicago"),
    **dict.fromkeys(_MOUNTAIN.split(), "America/Denver"),
    **dict.fromkeys(_PACIFIC.split(), "America/Los_Angeles"),
    "AZ": "America/Phoenix",
    "AK": "America/Anchorage",
    "HI": "Pacific/Honolulu",
}
CA_PROVINCES = {
    "ON": "America/Toronto",
    "QC": "America/Toronto",
    "BC": "America/Vancouver",
    "AB": "America/Edmonton",
    "MB": "America/Winnipeg",
    "SK": "America/Regina",
    "NS": "America/Halifax",
    "NB": "America/Moncton",
}


def timezone_for(country: str | None, province: str | None) -> str | None:
    country = (country or "").strip().upper()
    province = (province or "").strip().upper().removeprefix(f"{country}-")
    if country == "US":
        return US_STATES.get(province)
    if country == "CA":
        return CA_PROVINCES.get(province)
    return SINGLE_ZONE_COUNTRIES.get(country)


_CALLING_CODES = {
    "44": "GB",
    "49": "DE",
    "33": "FR",
    "34": "ES",
    "39": "IT",
    "31": "NL",
    "41": "CH",
    "43": "AT",
    "32": "BE",
    "45": "DK",
    "46": "SE",
    "47": "NO",
    "358": "FI",
    "48": "PL",
    "351": "PT",
    "353": "IE",
    "30": "GR",
    "420": "CZ",
    "81": "JP",
    "82": "KR",
    "65": "SG",
    "91": "IN",
    "64": "NZ",
    "27": "ZA",
    "972": "IL",
}


def timezone_for_phone(phone: str | None) -> str | None:
    """Only single-zone countries: +1 spans six zones and stays unknown (quiet hours fail closed)."""
    if not phone or not phone.startswith("+"):
        return None
    for length in (3, 2):
        country = _CALLING_CODES.get(phone[1 : 1 + length])
        if country:
            return SINGLE_ZONE_COUNTRIES.get(country)
    return None
