"""CORS for the storefront route: which shop pages may call `POST /events` from a browser.

The write key is public, so CORS is not what keeps strangers out (the identity hash is); it
lets the merchant's own pages read the on-site answer, and it refuses what other sites' pages
post with a shopper's browser. Server-side callers send no Origin and are not affected."""

from __future__ import annotations

from urllib.parse import urlsplit

from touchpoint import config

ALLOWED_HEADERS = "Authorization, Content-Type, X-Touchpoint-User-Hash"
MAX_AGE_SECONDS = "600"


class OriginError(ValueError):
    """ALLOWED_ORIGINS holds something that is not an origin."""


def parse_origins(raw: str) -> frozenset[str]:
    """ALLOWED_ORIGINS: origins (scheme://host[:port]) separated by commas or spaces; a path,
    a wildcard or another scheme is refused, because each would allow more than the shop meant.
    `null` is the origin of sandboxed frames, where Shopify runs custom pixels: allowed only when
    listed."""
    origins = set()
    for item in raw.replace(",", " ").split():
        origin = item.rstrip("/").lower()
        if origin == "null":
            origins.add(origin)
            continue
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.hostname or "*" in origin:
            raise OriginError(f"ALLOWED_ORIGINS: {item!r} is not an origin such as https://shop.example")
        if parts.path or parts.query or parts.fragment or parts.username:
            raise OriginError(f"ALLOWED_ORIGINS: {item!r} has more than scheme, host and port")
        origins.add(origin)
    return frozenset(origins)


def allowed_origins() -> frozenset[str]:
    return parse_origins(config.env("ALLOWED_ORIGINS"))


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
