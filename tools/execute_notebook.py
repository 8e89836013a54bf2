"""Execute chapter notebooks top to bottom and store their inline numbers.

Consecutive printed outputs are stored as one, so that where the kernel happened
to flush does not make every run a diff.

Numbers in a chapter's prose are written ``{eval}`name``` in Markdown cells.
JupyterLab (with jupyterlab-myst) shows them from the cell's
``user_expressions`` metadata, which it fills by asking the kernel to evaluate
each expression; the book's Sphinx build reads the same metadata
(``tools/stored_eval.py``). This script is what an author runs instead of
``jupyter nbconvert --execute``: it runs every code cell in order and, at each
Markdown cell, evaluates that cell's expressions in the kernel state reached so
far, exactly as jupyterlab-myst would, storing the results in its format.

Usage::

    python tools/execute_notebook.py chapters/poisson_regression.ipynb [...]
    python tools/execute_notebook.py --check chapters/*.ipynb   # compare, write nothing
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

# MyST's inline-expression role, as jupyterlab-myst and tools/stored_eval.py read it.
EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
TIMEOUT = 300  # seconds per cell


def expressions_in(source: str) -> list[str]:
    """The distinct ``{eval}`` expressions of a Markdown cell, in order of appearance."""
    seen: list[str] = []
    for expr in EVAL_ROLE.findall(source):
        if expr not in seen:
            seen.append(expr)
    return seen


class InlineExpressionClient(NotebookClient):
    """A NotebookClient that also evaluates Markdown cells' ``{eval}`` expressions."""

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if cell.cell_type != "markdown":
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        expressions = expressions_in(cell.source)
        if not expressions:
            cell.metadata.pop("user_expressions", None)
            return cell
        bad = [e for e in expressions if not IDENTIFIER.match(e)]
        if bad:
            raise ValueError(
                f"cell {cell_index}: {{eval}} takes a variable name, not an expression: {bad}; "
                "compute the value in a code cell and name it"
            )
        # jupyterlab-myst keys the request by position and stores it by expression.
        request = {str(i): expr for i, expr in enumerate(expressions)}
        msg_id = self.kc.execute("", silent=True, store_history=False, user_expressions=request)
        reply = await self.async_wait_for_reply(msg_id, cell)
        results = reply["content"]["user_expressions"]
        stored = []
        for key, expr in request.items():
            result = results[key]
            if result.get("status") != "ok":
                raise RuntimeError(
                    f"cell {cell_index}: {{eval}}`{expr}` failed: "
                    f"{result.get('ename')}: {result.get('evalue')}"
                )
            stored.append({"expression": expr, "result": result})
        cell.metadata["user_expressions"] = stored
        return cell


def coalesce_streams(cell) -> None:
    """Merge consecutive stdout (or stderr) outputs, which split where the kernel happened to flush."""
    merged = []
    for output in cell.get("outputs", []):
        previous = merged[-1] if merged else None
        if (output.output_type == "stream" and previous is not None
                and previous.output_type == "stream" and previous.name == output.name):
            previous.text += output.text
        else:
            merged.append(output)
    cell.outputs = merged


# The book hides cells by tag; JupyterLab by the cell's ``jupyter`` metadata. One
# tag sets both, so a check or a number prepared for the prose is out of sight
# in either reading path (tests/test_learner_page.py holds chapters to it).
HIDDEN = {"remove-cell": {"source_hidden": True, "outputs_hidden": True},
          "remove-input": {"source_hidden": True}, "hide-input": {"source_hidden": True}}


def hide_tagged(cell) -> None:
    """Collapse in JupyterLab exactly the cells the book hides by tag."""
    tags = set(cell.metadata.get("tags", []))
    wanted = {}
    for tag, flags in HIDDEN.items():
        if tag in tags:
            wanted.update(flags)
    if wanted:
        cell.metadata["jupyter"] = wanted
    else:
        cell.metadata.pop("jupyter", None)


def execute(path: Path) -> nbformat.NotebookNode:
    """Run ``path`` in its own directory and return the executed notebook."""
    nb = nbformat.read(path, as_version=4)
    client = InlineExpressionClient(
        nb,
        timeout=TIMEOUT,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    for cell in nb.cells:
        if cell.cell_type == "code":
            coalesce_streams(cell)
            hide_tagged(cell)
    return nb


def stored_expressions(nb: nbformat.NotebookNode) -> list[tuple[int, list]]:
    """(cell index, user_expressions) for every Markdown cell that has them."""
    return [
        (i, cell.metadata.get("user_expressions", []))
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "markdown" and (expressions_in(cell.source) or "user_expressions" in cell.metadata)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="report stale inline numbers; write nothing")
    args = parser.parse_args(argv)
    stale = []
    for path in args.notebooks:
        before = copy.deepcopy(nbformat.read(path, as_version=4))
        nb = execute(path)
        if args.check:
            if stored_expressions(before) != stored_expressions(nb):
                stale.append(path)
        else:
            nbformat.write(nb, path)
        print(f"{'checked' if args.check else 'executed'} {path}", file=sys.stderr)
    if stale:
        print("stale inline numbers (re-run tools/execute_notebook.py):", *stale, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
