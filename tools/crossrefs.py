"""Cross-references that read the same in JupyterLab and in the book.

jupyterlab-myst resolves only labels defined in a notebook's own Markdown, so a
``{numref}`` to a figure (labelled in code-cell metadata) or a ``{prf:ref}`` to
another chapter shows there as a bare label. Chapters therefore refer with
Markdown links whose text is what the book prints:

* ``[Figure 7.2](#fig-ships-fit)``, ``[(5.1)](#eq-score-one)``,
  ``[Definition 1.1](what_is_a_glm.ipynb#def-glm)``, ``[Exercise 6.2](#ex-budworm)``,
  ``[Matching R's digits](irls.ipynb#irls-r-digits)`` (a section or box title).

The book's build turns each link back into the Sphinx role, chosen by its text
(``Figure`` → ``numref``, ``(`` → ``eq``, ``Definition``/``Theorem``/… → ``prf:ref``,
anything else → ``ref``), so Sphinx numbers it. ``sync`` copies the numbers the
built book prints back into the links' text, and the browser tests check that the
two agree:

    python tools/crossrefs.py sync _build/html chapters/*.ipynb
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

# [text](#label) or [text](chapter.ipynb#label); citation links (#cite-…) are not cross-references.
LINK_RE = re.compile(r"\[([^\]]+)\]\((?:([\w-]+)\.(?:ipynb|md))?#(?!cite-)([\w:-]+)\)")
PROOF_KINDS = (
    "Definition", "Theorem", "Lemma", "Corollary", "Proposition", "Proof", "Example",
    "Remark", "Algorithm", "Axiom", "Conjecture", "Criterion", "Assumption", "Observation", "Property",
)
# Roles that JupyterLab cannot resolve across cells and chapters.
ROLE_RE = re.compile(r"\{(?:numref|prf:ref|eq|ref|doc)\}`[^`]*`")
# What Sphinx renders for a reference to `label` (numref/ref spans, prf:ref plain text, eq numbers).
RENDERED_RE = re.compile(
    r'<a class="reference internal" href="(?:[\w-]+\.html)?#(?:equation-)?([\w:-]+)"[^>]*>'
    r'(?:<span class="[^"]*">)?([^<]+?)(?:</span>)?</a>'
)


def role_for(text: str) -> str:
    """The Sphinx role a link with this text stands for."""
    if text.startswith("Figure ") or text.startswith("Table "):
        return "numref"
    if text.startswith("("):
        return "eq"
    if text.split(" ", 1)[0] in PROOF_KINDS:
        return "prf:ref"
    return "ref"


def to_roles(markdown: str) -> str:
    """Replace cross-reference links by Sphinx roles (for the book's build).

    Numbered targets get the bare role, so Sphinx prints their number; a section
    or box keeps the link's text (``{ref}`text <label>```).
    """

    def role(m: re.Match) -> str:
        text, label = m.group(1), m.group(3)
        kind = role_for(text)
        if kind == "ref" and not text.startswith("Exercise "):
            return "{ref}`" + text + " <" + label + ">`"
        return "{" + kind + "}`" + label + "`"

    return LINK_RE.sub(role, markdown)


def harvest(html_dir: Path) -> dict[str, str]:
    """label -> the text the built book prints for a reference to it (most common form)."""
    seen: dict[str, Counter] = defaultdict(Counter)
    for page in html_dir.rglob("*.html"):
        for label, text in RENDERED_RE.findall(page.read_text(encoding="utf-8")):
            seen[label][html.unescape(text).strip()] += 1
    return {label: min(texts.most_common(), key=lambda tc: (-tc[1], len(tc[0])))[0] for label, texts in seen.items()}


def _markdown_cells(nb: dict):
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            yield index, cell, "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def problems(nb: dict, rendered: dict[str, str]) -> list[str]:
    """Every cross-reference link whose text is not what the book prints for its label."""
    found = []
    for index, _, source in _markdown_cells(nb):
        for text, _, label in LINK_RE.findall(source):
            if label not in rendered:
                found.append(f"cell {index}: [{text}](#{label}): the book has no reference to {label!r}")
            elif text != rendered[label]:
                found.append(f"cell {index}: [{text}](#{label}) should read {rendered[label]!r}")
        for role in ROLE_RE.findall(source):
            found.append(f"cell {index}: {role}: write it as a link (tools/crossrefs.py); JupyterLab shows the role as a bare label")
    return found


def sync(nb: dict, rendered: dict[str, str]) -> int:
    """Rewrite link texts to what the book prints; return how many changed."""
    changed = 0
    for _, cell, source in _markdown_cells(nb):
        def fix(m: re.Match) -> str:
            nonlocal changed
            new = rendered.get(m.group(3), m.group(1))
            changed += new != m.group(1)
            return m.group(0).replace(f"[{m.group(1)}]", f"[{new}]", 1)

        updated = LINK_RE.sub(fix, source)
        if updated != source:
            cell["source"] = updated.splitlines(True)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["sync", "check"])
    parser.add_argument("html_dir", type=Path, help="the built book, e.g. _build/html")
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    rendered = harvest(args.html_dir)
    status = 0
    for path in args.notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        if args.command == "check":
            for problem in problems(nb, rendered):
                print(f"{path}: {problem}")
                status = 1
        elif sync(nb, rendered):
            path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            print(f"updated {path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
