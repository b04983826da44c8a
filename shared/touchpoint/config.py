"""Runtime configuration, read from the environment at call time, and secrets from SECRETS_ARN.

Lambda keeps environment fixed per container, but the local runtime runs several
functions in one process, so nothing here is frozen at import. Every variable, with its type
and default, is listed once in settings.py.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache

from touchpoint import settings

MAX_BODY_BYTES = 1024 * 1024


def env(name: str, default: str = "") -> str:
    """A variable's text as set, else `default`; every name is one settings.py lists."""
    settings.declared(name)
    value = os.environ.get(name, "")
    return value if value else default


def table_name() -> str:
    return str(settings.get("TABLE_NAME"))


def outbound_queue_url() -> str:
    return env("OUTBOUND_QUEUE_URL")


def watch_queue_url() -> str:
    """The Watches function's queue: S3's notices of new archive objects, and erasure sweeps."""
    return env("WATCH_QUEUE_URL")


def sendgrid_host() -> str:
    return str(settings.get("SENDGRID_API_HOST"))


def email_from() -> str:
    return str(settings.get("EMAIL_FROM"))


LOCAL_PUBLIC_URL = "http://127.0.0.1:3000"


def public_url() -> str:
    """Where shoppers reach this deployment (unsubscribe and preference links): PUBLIC_URL (your
    own domain), else the deployed API's URL (API_URL, which the stack sets), else `serve`'s
    address in the local runtime; empty when none is known, and then no mail with a link
    leaves (sending/readiness.py)."""
    found = settings.get("PUBLIC_URL") or (LOCAL_PUBLIC_URL if local_runtime() else settings.get("API_URL"))
    return str(found).rstrip("/")


def local_runtime() -> bool:
    """Running on the local emulation (`serve`, `demo`, `invoke`, the tests), never in AWS: only
    there may built-in development keys stand in for a deployment's own."""
    return env("TOUCHPOINT_LOCAL") == "1"


# SECRETS_ARN: the merchant's secrets (they write it whole); LINK_SECRETS_ARN: the link keys the
# stack generates at deploy (TOKEN_SECRET...), apart, so writing the first never loses them
LINK_KEY_PREFIX = "TOKEN_SECRET"


def secret(name: str, default: str = "") -> str:
    """A secret from the environment, else from the JSON secrets named by SECRETS_ARN and then
    LINK_SECRETS_ARN.

    In AWS the template points these at Secrets Manager secrets; Powertools Parameters caches
    them, so a warm function reads each once every five minutes.
    """
    settings.declared(name)
    value = os.environ.get(name)
    if value:
        return value
    sources = ("SECRETS_ARN", "LINK_SECRETS_ARN") if name.startswith(LINK_KEY_PREFIX) else ("SECRETS_ARN",)
    for source in sources:
        arn = os.environ.get(source)
        found = _secret_values(arn).get(name) if arn else None
        if found:
            return str(found)
    return default


def _secret_values(arn: str) -> dict[str, object]:
    from aws_lambda_powertools.utilities import parameters  # lazy: cold start

    try:
        raw = parameters.get_secret(arn, max_age=300)
    except parameters.exceptions.GetParameterError as exc:
        # not "no such secret value": every signature would then fail as 401 and nobody would
        # know why. A 5xx says it is ours, and the platform's retry delivers the event later.
        import logging

        logging.getLogger("touchpoint.config").error(
            "cannot read the secrets in SECRETS_ARN (%s): %s", arn, exc, extra={"secrets_arn": arn}
        )
        raise SecretsUnavailable(f"cannot read the secrets in SECRETS_ARN: {exc}") from exc
    return _parse_json_object(str(raw))


class SecretsUnavailable(RuntimeError):
    """The configured secret cannot be read (permissions, a deleted secret, an outage)."""


@lru_cache(maxsize=8)
def _parse_json_object(raw: str) -> dict[str, object]:
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
