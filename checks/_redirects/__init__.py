"""Internals of the ``redirects`` check: a browser-like cookie jar and the hop-by-hop flow walker."""
