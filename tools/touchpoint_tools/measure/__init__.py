"""Outcomes of messages and the statistics the reports read of them (laptop side)."""
