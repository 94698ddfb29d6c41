"""Prompt templates loaded by name and language from the bundled prompts/ (or the user's own QUELLE_PROMPTS_DIR).

A template is a markdown file `NAME_LANG.md` (answer_de.md, condense_en.md, ...) split into chat messages
by marker lines `<!-- role: system -->` / `<!-- role: user -->`. Placeholders `{name}` are filled with
`Prompt.messages(name=value)`; only the names given are replaced, other braces stay as they are. A file in
`settings.prompts_dir` wins over the bundled one of the same name; a missing language falls back to German.
The bundled templates are the repo's top-level prompts/, shipped as package data (`quelle.bundled.prompts()`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path

from quelle import bundled

DEFAULT_LANGUAGE = "de"
_ROLE = re.compile(r"^<!--\s*role:\s*(system|user|assistant)\s*-->\s*$", re.M)


class PromptError(ValueError):
    """A prompt file is missing or malformed."""


@dataclass
class Prompt:
    name: str
    path: Traversable
    parts: list[tuple[str, str]]  # (role, template)

    def messages(self, **values: object) -> list[tuple[str, str]]:
        """(role, text) pairs with the placeholders filled."""
        pattern = re.compile(r"\{(" + "|".join(map(re.escape, values)) + r")\}") if values else None
        out = []
        for role, template in self.parts:
            text = pattern.sub(lambda m: str(values[m.group(1)]), template) if pattern else template
            out.append((role, text.strip()))
        return out


def parse_prompt(text: str, path: Traversable) -> list[tuple[str, str]]:
    marks = list(_ROLE.finditer(text))
    if not marks:
        if not text.strip():
            raise PromptError(f"{path}: the prompt file is empty")
        return [("user", text)]
    if text[: marks[0].start()].strip():
        raise PromptError(f"{path}: text before the first '<!-- role: ... -->' line")
    parts = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        parts.append((m.group(1), text[m.end() : end]))
    return parts


def prompt_path(name: str, language: str, prompts_dir: Path | None = None) -> Traversable:
    dirs: list[Traversable] = ([Path(prompts_dir)] if prompts_dir else []) + [bundled.prompts()]
    for lang in dict.fromkeys([language, DEFAULT_LANGUAGE]):
        for d in dirs:
            p = d / f"{name}_{lang}.md"
            if p.is_file():
                return p
    looked = ", ".join(str(d / f"{name}_{language}.md") for d in dirs)
    raise PromptError(f"no prompt '{name}' for language '{language}' (looked for {looked})")


def load_prompt(name: str, language: str, prompts_dir: Path | None = None) -> Prompt:
    """The template `name` in `language`, from `prompts_dir` first, else the bundled prompts/."""
    path = prompt_path(name, language, prompts_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PromptError(f"{path}: cannot read the prompt file ({e})") from e
    return Prompt(name, path, parse_prompt(text, path))
