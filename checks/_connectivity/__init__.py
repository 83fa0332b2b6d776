"""The ``connectivity`` check's steps, one module per layer: DNS, TCP and TLS, HTTP (with captive portals)."""
