"""Touchpoint: serverless touchpoint personalization for online shops."""

import logging

__version__ = "0.1.0"

# These libraries log whole request bodies (addresses, phone numbers) at DEBUG.
# Keep them at INFO even when a function runs with a DEBUG log level: logs never hold PII.
for _name in ("pynamodb", "python_http_client", "botocore", "boto3", "urllib3"):
    logging.getLogger(_name).setLevel(logging.INFO)
