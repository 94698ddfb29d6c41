"""The `quelle` command line (typer): app holds the commands, ingest_report how ingest shows its work."""

from quelle.cli.app import app, main

__all__ = ["app", "main"]
