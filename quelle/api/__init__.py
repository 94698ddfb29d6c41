"""The HTTP face: a FastAPI app over the same core as the CLI (ask(), Library, run_batch), with an
OpenAI-compatible chat endpoint. `quelle serve` runs it with uvicorn; `create_app(settings)` builds it."""

from quelle.api.app import create_app

__all__ = ["create_app"]
