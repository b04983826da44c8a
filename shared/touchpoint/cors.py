"""CORS for the storefront route: which shop pages may call `POST /events` from a browser.

The write key is public, so CORS is not what keeps strangers out (the identity hash is); it
lets the merchant's own pages read the on-site answer, and it refuses what other sites' pages
post with a shopper's browser. Server-side callers send no Origin and are not affected."""

from __future__ import annotations

from touchpoint import settings
from touchpoint.settings import SettingsError

ALLOWED_HEADERS = "Authorization, Content-Type, X-Touchpoint-User-Hash"
MAX_AGE_SECONDS = "600"


OriginError = SettingsError  # ALLOWED_ORIGINS holds something that is not an origin


def parse_origins(raw: str) -> frozenset[str]:
    try:
        return settings.origins(raw)
    except ValueError as exc:
        raise OriginError(f"ALLOWED_ORIGINS: {exc}") from None


def allowed_origins() -> frozenset[str]:
    found: frozenset[str] = settings.ALLOWED_ORIGINS.get()
    return found


def allowed(origin: str) -> bool:
    return origin.rstrip("/").lower() in allowed_origins()


def preflight(origin: str, method: str) -> tuple[int, dict[str, str]]:
    """The answer to an OPTIONS request: 204 with the grant for an allowed origin asking to POST,
    else 403 without one (the browser then refuses the call)."""
    if not origin or not allowed(origin) or method.upper() != "POST":
        return 403, {"Vary": "Origin"}
    return 204, {
        **grant(origin),
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
        "Access-Control-Max-Age": MAX_AGE_SECONDS,
    }


def grant(origin: str) -> dict[str, str]:
    """Headers that let an allowed origin's page read the answer; none for anyone else."""
    if not origin or not allowed(origin):
        return {"Vary": "Origin"}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
