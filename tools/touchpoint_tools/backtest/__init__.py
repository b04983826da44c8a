"""Replaying history or a synthetic shop against a playbook, in simulated time."""
