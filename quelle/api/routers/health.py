"""GET /healthz: liveness, the one route that needs no API key (quelle/api/middleware.py)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["service"])


@router.get("/healthz")
def healthz() -> dict:
    """Liveness (no API key needed)."""
    return {"status": "ok"}
