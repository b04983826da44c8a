"""Measurement: which message an order is credited to, and what the holdout says about lift (pure)."""
