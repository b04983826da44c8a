"""Channel adapters: each takes a rendered message and returns a provider id or raises."""

from __future__ import annotations


class DeliveryError(Exception):
    """The channel refused or failed. Retryable failures go back on the queue."""

    def __init__(self, message: str, retryable: bool, unknown: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
        # the request may have reached the provider (it timed out after sending): never resend
        # blindly; the provider's own events tell what happened (sending/reconcile.py)
        self.unknown = unknown
