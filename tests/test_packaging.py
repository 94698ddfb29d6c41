"""Quelle as an installable package: bundled files found through importlib.resources, a wheel that holds them,
and pyproject's dependencies in step with the pinned lock (requirements.txt)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import resources
from pathlib import Path

import pytest

from quelle import bundled
from quelle.evaluation.gold import read_gold
from quelle.answering.prompts import load_prompt

ROOT = Path(__file__).resolve().parents[1]
PROMPTS = {"answer_de.md", "answer_en.md", "condense_de.md", "condense_en.md"}


def test_prompts_are_package_resources():
    found = resources.files("quelle.bundled") / "prompts"
    assert {p.name for p in found.iterdir() if p.name.endswith(".md")} == PROMPTS
    for name in PROMPTS:
        assert (found / name).read_text(encoding="utf-8") == (ROOT / "prompts" / name).read_text(encoding="utf-8")
    prompt = load_prompt("answer", "en")
    assert Path(str(prompt.path)) == Path(str(found / "answer_en.md"))
    assert [role for role, _ in prompt.messages(question="q", passages="p")] == ["system", "user"]


def test_demo_gold_is_a_package_resource():
    gold = bundled.demo_gold()
    assert gold == resources.files("quelle.bundled") / "demo" / "gold.jsonl"
    assert gold.is_file()
    questions = read_gold(Path(str(gold)))
    assert len(questions) >= 10
    articles = {p.name for p in (bundled.demo() / "articles").iterdir()}
    assert {f"{q.source}.md" for q in questions if q.source} <= articles


def test_bundled_files_have_one_copy():
    """quelle/bundled/{prompts,demo} point at the repo's prompts/ and data/demo/; nothing is duplicated."""
    assert (ROOT / "quelle" / "bundled" / "prompts").resolve() == (ROOT / "prompts").resolve()
    assert (ROOT / "quelle" / "bundled" / "demo").resolve() == (ROOT / "data" / "demo").resolve()


@pytest.mark.slow
def test_wheel_holds_the_bundled_files_and_every_package(tmp_path):
    src = tmp_path / "src"  # a copy (symlinks kept), so the build leaves nothing in the work tree
    shutil.copytree(
        ROOT,
        src,
        symlinks=True,
        ignore=shutil.ignore_patterns(
            ".*", "build", "dist", "*.egg-info", "__pycache__", "index", "eval-*", "out", "tests", "bench", "docs"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(src),
        ],
        check=True,
        cwd=tmp_path,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("quelle-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"quelle/bundled/prompts/{p}" for p in PROMPTS} <= names
    assert {"quelle/bundled/demo/gold.jsonl", "quelle/bundled/demo/articles/alibaba-ki-offensive.md"} <= names
    sources = {
        str(p.relative_to(ROOT))
        for d in ("quelle", "ingest", "vectorstore", "reader")
        for p in (ROOT / d).rglob("*.py")
        if "pages" not in p.parts
    }
    assert sources <= names, sorted(sources - names)


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = re.fullmatch(r"([A-Za-z0-9_.\-]+(?:\[[a-z,]+\])?)==(\S+)", line).groups()
            pins[_norm(name)] = version
    return pins


def _specs(requirements: list[str]) -> dict[str, str]:
    out = {}
    for req in requirements:
        name, version = re.fullmatch(r"([A-Za-z0-9_.\-]+(?:\[[a-z,]+\])?)~=(\S+)", req).groups()
        out[_norm(name)] = version
    return out


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_pyproject_dependencies_follow_the_lock():
    """Every pin of requirements.txt is a dependency or an eval/dev extra at the same version, and back."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    declared = _specs(project["dependencies"]) | _specs(extras["eval"]) | _specs(extras["dev"])
    assert declared == _pins(ROOT / "requirements.txt")
    assert _specs(extras["llm"]) == _pins(ROOT / "requirements-llm.txt")
    runtime = _specs(project["dependencies"])
    assert not {"pytest", "playwright", "ruff", "langchain"} & set(runtime)
    assert {"lxml", "httpx"} <= set(runtime)
