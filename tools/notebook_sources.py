"""Sphinx extension: notebooks read the same in the book as in JupyterLab.

Four things in a chapter's Markdown are written so that JupyterLab shows them
rendered, and are turned into Sphinx markup here, before myst-nb parses the
notebook: inline numbers, citations (see ``citations.py``), cross-references
(see ``crossrefs.py``) and links to the glm_lib reference (``api_links.py``). It also registers
the author–year bibliography styles (``bibliography_style.py``).

Inline numbers.

Chapters write numbers in prose as ``{eval}`name```. JupyterLab (jupyterlab-myst)
renders them from each Markdown cell's ``user_expressions`` metadata, which
``tools/execute_notebook.py`` stores when it runs the notebook. The book is built
from the same stored notebooks without executing them, so this extension
replaces every ``{eval}`name``` with the stored plain-text value before
myst-nb parses the notebook. A role without a stored value is a build error
(the notebook was not executed with tools/execute_notebook.py).
"""

from __future__ import annotations

import json
import re

import bibliography_style
from citations import to_roles
from crossrefs import to_roles as crossref_roles
from api_links import API_LINK_RE

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")
# Characters that MyST would read as markup inside a paragraph.
MARKUP = re.compile(r"([\\`*_\[\]<>{}|$])")


def _stored_values(cell: dict) -> dict[str, str]:
    values = {}
    for entry in cell.get("metadata", {}).get("user_expressions", []):
        result = entry.get("result", {})
        if result.get("status") == "ok" and "text/plain" in result.get("data", {}):
            values[entry["expression"]] = result["data"]["text/plain"]
    return values


def substitute(notebook: dict, docname: str) -> int:
    """Replace inline numbers and citation links of ``notebook`` in place.

    Returns the number of inline numbers replaced.
    """
    count = 0
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if "#cite-" in source:
            source = to_roles(source)
        if "](" in source:
            source = crossref_roles(source)
        if "../reference/" in source:
            # Links to the glm_lib reference become roles Sphinx resolves to the autodoc entry.
            source = API_LINK_RE.sub(lambda m: "{py:obj}`" + m.group(1) + " <" + m.group(3) + ">`", source)
        cell["source"] = source
        if "{eval}" not in source:
            continue
        values = _stored_values(cell)

        def replace(match: re.Match) -> str:
            nonlocal count
            expr = match.group(1)
            if expr not in values:
                logger.warning(
                    "%s: cell %d has {eval}`%s` but no stored value; run "
                    "tools/execute_notebook.py on the notebook", docname, index, expr,
                    location=docname,
                )
                return match.group(0)
            count += 1
            return MARKUP.sub(r"\\\1", values[expr])

        cell["source"] = EVAL_ROLE.sub(replace, source)
    return count


def _on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    notebook = json.loads(source[0])
    substitute(notebook, docname)
    source[0] = json.dumps(notebook)


def setup(app: Sphinx) -> dict:
    bibliography_style.register()
    app.connect("source-read", _on_source_read)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
