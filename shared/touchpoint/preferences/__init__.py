"""One-click unsubscribe and the preference center, behind an opaque signed token."""
