"""Adapters to the world outside the domain: the full-text index and its tokenizer, password hashing,
attachment files on disk, backups, SVG charts and .ics invitations."""
