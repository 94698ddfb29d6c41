"""Shared fixtures: the real bundled model (loaded once), real Chroma stores in temp dirs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.pop("OPENAI_API_KEY", None)
os.environ.pop("OPENAI_BASE_URL", None)
# the feed tests serve their sites on 127.0.0.1 (tests/feed_server.py), which Quelle refuses to fetch unless the
# operator allows it (issue 28: no fetching from the local network); tests of the refusal set their own list
os.environ.setdefault("QUELLE_FEED_ALLOW_HOSTS", "127.0.0.1")

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
DEMO_ARTICLES = DEMO / "articles"
# The shared folder (seed article, eval data) sits next to the project; QUELLE_SHARED_DIR points elsewhere.
SHARED = next(
    (
        p
        for p in (
            Path(os.environ.get("QUELLE_SHARED_DIR", ROOT.parent / "shared")),
            ROOT.parent / "shared",
            Path("/work/shared"),
        )
        if p.is_dir()
    ),
    ROOT.parent / "shared",
)
SEED = SHARED / "seed" / "alibaba-ki-offensive.txt"


@pytest.fixture(scope="session")
def embedder():
    from vectorstore.embeddings import Embedder

    e = Embedder("bundled:all-MiniLM-L6-v2")
    e.model  # load once for the whole session
    return e


@pytest.fixture
def settings(tmp_path):
    from quelle.settings import Settings

    return Settings(data_dir=tmp_path / "index", llm="extractive")


@pytest.fixture
def resources(settings, embedder):
    from quelle.resources import Resources

    return Resources.open(settings, embedder=embedder)


@pytest.fixture
def library(resources):
    from quelle.library import Library

    return Library(resources)


@pytest.fixture
def quelle_cli(embedder, monkeypatch):
    """The CLI in-process through typer's CliRunner, its resources opened with the session's loaded model (no torch
    load per command, as a subprocess has). `quelle_cli(*args, data_dir=..., env={...}, check=True)` returns the
    click Result (.exit_code, .stdout, .stderr); an env value of None removes that variable for the call."""
    import importlib

    from typer.testing import CliRunner

    from quelle.resources import Resources

    cli = importlib.import_module("quelle.cli.app")  # the module (quelle.cli.app is also the name of the Typer app)

    def open_resources(s):
        from vectorstore.store import forget_persistent_client

        # each command sees the store as a new process would (another process may have written meanwhile)
        forget_persistent_client(str(Path(s.data_dir) / "chroma"))
        return Resources.open(s, embedder=embedder)

    monkeypatch.setattr(cli.State, "open_resources", open_resources)
    monkeypatch.setattr(cli.State, "data_dir", None)
    runner = CliRunner()

    def run(*args, data_dir, env=None, check=True):
        result = runner.invoke(
            cli.app,
            [str(a) for a in args],
            env={"QUELLE_DATA_DIR": str(data_dir), **(env or {})},
            catch_exceptions=False,
        )
        if check:
            assert result.exit_code == 0, result.stderr
        return result

    return run


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory, embedder):
    """The demo corpus ingested once into a store that tests only read from."""
    from quelle.library import Library
    from quelle.resources import Resources
    from quelle.settings import Settings

    s = Settings(data_dir=tmp_path_factory.mktemp("demo") / "index", llm="extractive")
    res = Resources.open(s, embedder=embedder)
    report = Library(res).ingest([DEMO_ARTICLES])
    assert report.count("failed") == 0, report.files
    return res


def write_article(folder: Path, name: str, body: str, **front) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["---"] + [f"{k}: {v!r}" if isinstance(v, str) else f"{k}: {v}" for k, v in front.items()] + ["---", ""]
    path = folder / name
    path.write_text(("\n".join(lines) if front else "") + body, encoding="utf-8")
    return path


@pytest.fixture
def seed_file(tmp_path):
    if not SEED.exists():
        pytest.skip(f"seed article not found at {SEED} (it lives in ../shared/seed/ next to the project)")
    target = tmp_path / "alibaba-ki-offensive.txt"
    shutil.copy(SEED, target)
    return target
