"""The event archive: every accepted canonical event, append-only, as JSON lines in S3."""
