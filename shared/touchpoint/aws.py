"""boto3 clients and the pynamodb connection, made lazily and cached per endpoint.

The endpoint comes from AWS_ENDPOINT_URL (botocore reads it), so the same code talks
to AWS, to an embedded moto server or to moto in-process.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from pynamodb.connection import Connection


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def _endpoint_key() -> tuple[str, str]:
    return region(), os.environ.get("AWS_ENDPOINT_URL", "")


@lru_cache(maxsize=32)
def _client(name: str, key: tuple[str, str]) -> Any:
    import boto3

    return boto3.session.Session().client(name, region_name=key[0])  # type: ignore[call-overload]


def client(name: str) -> Any:
    return _client(name, _endpoint_key())


@lru_cache(maxsize=4)
def _connection(key: tuple[str, str]) -> Connection:
    return Connection(region=key[0])


def connection() -> Connection:
    return _connection(_endpoint_key())


def reset() -> None:
    """Forget cached clients (tests switch endpoints and mocks), Powertools Parameters' too."""
    _client.cache_clear()
    _connection.cache_clear()
    from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS

    DEFAULT_PROVIDERS.clear()
