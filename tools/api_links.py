"""Each chapter ends with links to the glm_lib reference entries of what its code uses.

A chapter's visible code calls ``gl.glm``, ``gl.diagnostics.rstandard``, ...; its last
Markdown cell (id ``glm-lib-functions``) lists those, each a link to its entry
in the book's "glm_lib reference" part:

    [`gl.glm`](../reference/api_models.md#glm_lib.glm)

JupyterLab shows the link (the reference page opens as Markdown); the book's
build (``tools/notebook_sources.py``) turns it into a ``{py:obj}`` role that
Sphinx resolves to the autodoc entry. Which page documents an object is read
from the ``autofunction``/``autoclass``/``automodule`` directives of
``reference/*.md``.

Usage::

    python tools/api_links.py chapters/*.ipynb          # write the cells
    python tools/api_links.py --check chapters/*.ipynb  # report stale ones, write nothing
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"
CELL_ID = "glm-lib-functions"
HEADING = "## glm_lib functions used in this chapter"
# Role the book's build gives these links; the target is the object's full name.
API_LINK_RE = re.compile(r"\[`([^`\]]+)`\]\(\.\./reference/([\w-]+)\.md#(glm_lib(?:\.\w+)+)\)")


def documented() -> dict[str, str]:
    """Full object name -> the reference page (file stem) that documents it."""
    pages: dict[str, str] = {}
    for page in sorted(REFERENCE.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for kind, name in re.findall(r"\.\. auto(function|class|module):: (glm_lib[\w.]*)", text):
            if kind == "module":
                # autodoc's :members: documents the module's functions and classes, not its data.
                module = importlib.import_module(name)
                for member in module.__all__:
                    obj = getattr(module, member)
                    if inspect.isfunction(obj) or inspect.isclass(obj):
                        pages.setdefault(f"{name}.{member}", page.stem)
            else:
                pages.setdefault(name, page.stem)
    return pages


# Code fenced in Markdown (```python ... ```), as in an exercise's solution.
FENCED_CODE_RE = re.compile(r"^[ \t]*```(?:python|py|ipython3)?[ \t]*\n(.*?)^[ \t]*```", re.S | re.M)
FROM_IMPORT_RE = re.compile(r"^\s*from (glm_lib(?:\.\w+)?) import ([\w, ()]+)$", re.M)
MODULE_ALIAS_RE = re.compile(r"^\s*import glm_lib\.(\w+) as (\w+)$", re.M)


def used_objects(notebook: dict, pages: dict[str, str]) -> list[str]:
    """Full names of the documented objects the notebook's visible code uses, in order of first use.

    Uses are ``gl.name``, ``gl.module.name``, names imported with ``from glm_lib(.module) import``,
    and ``alias.name`` for a module imported under an alias (``from glm_lib import diagnostics as dg``).
    """
    found: list[str] = []
    prefixes = {"gl": "glm_lib"}

    def add(name: str) -> None:
        if name in pages and name not in found:
            found.append(name)

    for cell in notebook["cells"]:
        # The code a learner sees: visible code cells and the code shown in Markdown (an exercise's
        # fenced solution code); hidden checks and prose feeders do not count.
        if "remove-cell" in cell.get("metadata", {}).get("tags", []):
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            source = "\n".join(FENCED_CODE_RE.findall(source))
        elif cell["cell_type"] != "code":
            continue
        for module, names in FROM_IMPORT_RE.findall(source):
            for item in names.replace("(", " ").replace(")", " ").split(","):
                parts = item.split()
                if not parts:
                    continue
                name, alias = parts[0], parts[-1]
                if f"{module}.{name}" in pages:
                    add(f"{module}.{name}")
                else:  # a public module imported by name, used as alias.attribute below
                    prefixes[alias] = f"{module}.{name}"
        for module, alias in MODULE_ALIAS_RE.findall(source):
            prefixes[alias] = f"glm_lib.{module}"
        for alias, target in prefixes.items():
            for first, second in re.findall(rf"(?<![\w.]){re.escape(alias)}\.(\w+)(?:\.(\w+))?", source):
                if second and f"{target}.{first}.{second}" in pages:
                    add(f"{target}.{first}.{second}")
                else:
                    add(f"{target}.{first}")
    return found


def cell_source(names: list[str], pages: dict[str, str]) -> str:
    links = [f"[`{name.replace('glm_lib.', 'gl.', 1)}`](../reference/{pages[name]}.md#{name})" for name in names]
    return (f"{HEADING}\n\nEach links to its entry in the glm_lib reference (arguments, what it returns, "
            f"its R counterpart, an example): " + ", ".join(links) + ".")


def updated(notebook: dict, pages: dict[str, str]) -> dict:
    """The notebook with its reference-links cell written (or removed when no function is used)."""
    cells = [c for c in notebook["cells"] if c.get("id") != CELL_ID]
    names = used_objects(notebook, pages)
    if names:
        cells.append({"cell_type": "markdown", "id": CELL_ID, "metadata": {},
                      "source": cell_source(names, pages).splitlines(keepends=True)})
    return {**notebook, "cells": cells}


def _text(cell) -> str:
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    pages = documented()
    stale = []
    for path in args.notebooks:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        new = updated(notebook, pages)
        old_cell = [_text(c) for c in notebook["cells"] if c.get("id") == CELL_ID]
        new_cell = [_text(c) for c in new["cells"] if c.get("id") == CELL_ID]
        if old_cell != new_cell or (old_cell and notebook["cells"][-1].get("id") != CELL_ID):
            stale.append(path)
            if not args.check:
                path.write_text(json.dumps(new, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.check and stale:
        print("reference links out of date (run tools/api_links.py):", *stale, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
