"""Subcommands of the CLI, one module each, imported only when used."""
