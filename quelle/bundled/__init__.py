"""Files shipped inside the package, found through importlib.resources (also after a non-editable install).

`prompts/` and `demo/` here are symlinks to the repo's top-level `prompts/` and `data/demo/` (the one copy
of each, edited there); a wheel or `pip install .` copies their files into the package (pyproject's
package-data), so an installed Quelle finds them without the source tree.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable


def prompts() -> Traversable:
    """The bundled prompt templates (NAME_LANG.md)."""
    return resources.files(__name__) / "prompts"


def demo() -> Traversable:
    """The demo corpus: articles/*.md and gold.jsonl."""
    return resources.files(__name__) / "demo"


def demo_gold() -> Traversable:
    """The demo gold questions (gold.jsonl)."""
    return demo() / "gold.jsonl"
