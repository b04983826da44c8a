"""Channel adapters: each takes a rendered message and returns a provider id or raises."""

from __future__ import annotations


class DeliveryError(Exception):
    """The channel refused or failed. Retryable failures go back on the queue."""

    def __init__(self, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable
