"""The `quelle` command line (typer): app holds the commands; ingest_report, feeds_report and progress how ingest and
sync show their work."""

from quelle.cli.app import app, main

__all__ = ["app", "main"]
