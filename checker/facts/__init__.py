"""Typed views of what the daemon reports, and the pure logic that reads it.

Kinds ask these views (`container.running`, `container.env`, `service.container`)
instead of indexing raw inspect dictionaries, so each fact is derived once.
Nothing here registers a kind; most modules need no daemon at all.
"""
