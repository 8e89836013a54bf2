"""Citations that read the same in JupyterLab and in the book.

A chapter cites as a Markdown link whose target names the bibliography key:

* textual: ``[McCullagh and Nelder (1989)](#cite-mccullagh1989)``
* parenthetical: ``([McCullagh and Nelder, 1989](#cite-mccullagh1989))``, or
  several at once: ``([Agresti, 2013](#cite-agresti2013); [Faraway, 2006](#cite-faraway2006))``

JupyterLab shows the author–year text as it stands (jupyterlab-myst cannot
resolve ``{cite}`` roles without the project's bibliography). The book's Sphinx
build turns the links back into sphinxcontrib-bibtex roles (``{cite:t}`` and
``{cite:p}``), so the text there links to the references page.
:func:`citation_text` says what the link text must be; the tests check every
chapter's citations against ``references.bib``.
"""

from __future__ import annotations

import re
from pathlib import Path

from pybtex.database import parse_file

LINK = r"\[([^\]]+)\]\(#cite-([A-Za-z0-9_:-]+)\)"
LINK_RE = re.compile(LINK)
# Parenthetical group: "(" link ("; " link)* ")"
GROUP_RE = re.compile(r"\(\s*" + LINK + r"(?:\s*;\s*" + LINK + r")*\s*\)")


def load_bibliography(path: str | Path) -> dict:
    """The entries of a BibTeX file, by key."""
    return dict(parse_file(str(path)).entries)


def _surnames(entry) -> list[str]:
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    if people:
        return [" ".join(p.prelast_names + p.last_names).replace("{", "").replace("}", "") for p in people]
    # Institutional authors ("{R Core Team}") parse as a single last name.
    return [entry.fields.get("organization", entry.fields.get("title", "?"))]


def authors_text(entry) -> str:
    """'Dobson', 'McCullagh and Nelder', or 'Bates et al.', as author–year styles write them."""
    names = _surnames(entry)
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]} et al."


def citation_text(entry, parenthetical: bool) -> str:
    """The link text a citation of ``entry`` must have."""
    year = entry.fields.get("year", "n.d.")
    return f"{authors_text(entry)}, {year}" if parenthetical else f"{authors_text(entry)} ({year})"


def to_roles(markdown: str) -> str:
    """Replace citation links by ``{cite:p}``/``{cite:t}`` roles (for the Sphinx build)."""

    def group(match: re.Match) -> str:
        keys = [key for _, key in LINK_RE.findall(match.group(0))]
        return "{cite:p}`" + ",".join(keys) + "`"

    markdown = GROUP_RE.sub(group, markdown)
    return LINK_RE.sub(lambda m: "{cite:t}`" + m.group(2) + "`", markdown)


def citation_problems(markdown: str, bibliography: dict) -> list[str]:
    """Every citation link whose key is unknown or whose text is not the entry's author–year."""
    problems = []
    parenthetical_spans = [m.span() for m in GROUP_RE.finditer(markdown)]
    for match in LINK_RE.finditer(markdown):
        text, key = match.group(1), match.group(2)
        if key not in bibliography:
            problems.append(f"#cite-{key}: no such key in references.bib")
            continue
        inside = any(a <= match.start() < b for a, b in parenthetical_spans)
        expected = citation_text(bibliography[key], parenthetical=inside)
        if text != expected:
            problems.append(f"#cite-{key}: link text {text!r} should be {expected!r}")
    for role in re.findall(r"\{cite(?::\w+)?\}`[^`]*`", markdown):
        problems.append(f"{role}: write citations as links (see tools/citations.py); the role shows raw in JupyterLab")
    return problems
