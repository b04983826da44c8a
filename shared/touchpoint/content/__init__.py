"""Rendering messages: Jinja2 templates, brand, links, unsubscribe tokens."""
