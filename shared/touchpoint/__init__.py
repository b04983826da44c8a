"""Touchpoint: serverless touchpoint personalization for online shops."""

__version__ = "0.1.0"
