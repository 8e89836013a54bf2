"""The notation contract, checked mechanically.

``chapters/notation.md`` gives every symbol of the course one meaning. A
chapter may use a symbol that is not on that page only if it declares it in a
Markdown admonition titled "Symbols of this chapter" (a table whose first
column holds the symbols), near the top of the chapter.

A *symbol* is a Greek letter (``\\lambda``, ``\\Gamma``, ``\\varphi`` is its own
letter), ``\\ell``, or a single Latin letter written in math (``$...$``,
``$$...$$``, ``{math}`` blocks). Decorations are stripped (``\\hat``, ``\\tilde``,
``\\bar``, ``\\mathbf``, ``\\boldsymbol``, ``\\mathcal``, ...); letters in
subscripts and superscripts count as symbols of their own (``\\beta_j`` uses
``\\beta`` and ``j``). Words set upright (``\\text{}``, ``\\mathrm{}``,
``\\operatorname{}``, ``\\mathbb{}``) and function macros (``\\log``, ``\\exp``,
``\\sum``, ...) are not symbols.

On the notation page a symbol is declared by a row of a table whose first
header cell is "symbol": every symbol in that row's first column. The page's
own prose and the meanings it gives may use only declared symbols (tables with
another header translate other texts' letters and are not declarations).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
NOTATION = CHAPTERS / "notation.md"
NOTEBOOKS = sorted(CHAPTERS.glob("*.ipynb"))
LOCAL_TITLE = "Symbols of this chapter"

GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta",
    "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "varpi", "rho", "varrho", "sigma",
    "varsigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega",
    "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
    "ell",
}
UNICODE_GREEK = dict(zip(
    "αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΥΦΨΩℓ",
    ["alpha", "beta", "gamma", "delta", "varepsilon", "zeta", "eta", "theta", "iota", "kappa",
     "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "varphi", "chi", "psi",
     "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi",
     "Omega", "ell"],
))
# Macros whose (first) braced argument is upright text or a label, not symbols.
WORD_MACROS = ("text", "textrm", "textit", "textbf", "texttt", "textsf", "mathrm", "operatorname",
               "mathbb", "mbox", "label", "tag", "begin", "end", "hspace", "vspace", "color",
               "textcolor", "href", "url")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")


def _strip_braced(tex: str, macro: str) -> str:
    """Remove ``\\macro{...}`` (nested braces allowed), and ``\\macro*{...}``."""
    pattern = re.compile(r"\\" + macro + r"\*?\s*\{")
    out, pos = [], 0
    while True:
        m = pattern.search(tex, pos)
        if not m:
            out.append(tex[pos:])
            return "".join(out)
        out.append(tex[pos:m.start()])
        depth, j = 1, m.end()
        while j < len(tex) and depth:
            depth += {"{": 1, "}": -1}.get(tex[j], 0)
            j += 1
        out.append(" ")
        pos = j


def symbols_in_tex(tex: str) -> set[str]:
    """The symbols a piece of TeX math uses: Greek macros (by name) and single Latin letters."""
    for ch, name in UNICODE_GREEK.items():
        tex = tex.replace(ch, f"\\{name} ")
    for macro in WORD_MACROS:
        tex = _strip_braced(tex, macro)
    found: set[str] = set()

    def macro(m: re.Match) -> str:
        if m.group(1) in GREEK:
            found.add("\\" + m.group(1))
        return " "

    tex = re.sub(r"\\([A-Za-z]+)", macro, tex)
    tex = re.sub(r"\\.", " ", tex)                    # \, \{ \! ...
    found.update(re.findall(r"[A-Za-z]", tex))
    return found


def _math_and_prose(markdown: str) -> tuple[list[str], str]:
    """Split Markdown into its math snippets and the prose around them (code removed)."""
    math: list[str] = []
    prose: list[str] = []
    stack: list[tuple[str, int, str]] = []          # (fence char, length, kind)
    block: list[str] = []
    for line in markdown.splitlines():
        m = FENCE.match(line)
        if m:
            fence, info = m.group(1), m.group(2).strip()
            top = stack[-1] if stack else None
            if top and not info and fence[0] == top[0] and len(fence) >= top[1]:
                stack.pop()
                if top[2] == "math":
                    math.append("\n".join(block))
                    block = []
                continue
            if top and top[2] in ("code", "math"):
                continue
            kind = "math" if info.startswith("{math}") else "directive" if info.startswith("{") else "code"
            stack.append((fence[0], len(fence), kind))
            continue
        kind = stack[-1][2] if stack else "prose"
        if kind == "code":
            continue
        if kind == "math":
            if not line.lstrip().startswith(":"):
                block.append(line)
            continue
        prose.append(line)
    text = "\n".join(prose)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"(`+).*?\1", " ", text, flags=re.S)   # inline code and roles' targets
    text = text.replace(r"\$", " ")
    for pattern in (r"\$\$(.+?)\$\$", r"\$([^$]+?)\$"):
        math += re.findall(pattern, text, flags=re.S)
        text = re.sub(pattern, " ", text, flags=re.S)
    return math, text


def symbols_in_markdown(markdown: str) -> set[str]:
    """Every symbol used in the math of a Markdown text."""
    math, _ = _math_and_prose(markdown)
    return set().union(*map(symbols_in_tex, math)) if math else set()


def _table_rows(lines: list[str]) -> list[tuple[str, list[str]]]:
    """(first header cell, cells) for each body row of each pipe table in ``lines``."""
    rows, header, in_table = [], None, False
    for line in lines:
        s = line.strip()
        if s.startswith("|"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", s.strip("|"))]
            if not in_table:
                header, in_table = cells[0].lower(), True
            elif not set("".join(cells)) <= set("-: "):
                rows.append((header, cells))
        else:
            in_table = False
    return rows


def local_symbols(markdown: str) -> set[str]:
    """Symbols declared in a 'Symbols of this chapter' admonition's table (first column)."""
    declared: set[str] = set()
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^\s*(:{3,}|`{3,})\{admonition\}\s*" + re.escape(LOCAL_TITLE), line):
            body = []
            for later in lines[i + 1:]:
                if re.match(r"^\s*(:{3,}|`{3,})\s*$", later):
                    break
                body.append(later)
            for _, cells in _table_rows(body):
                declared |= symbols_in_markdown(cells[0])
    return declared


def page_symbols(markdown: str) -> set[str]:
    """Symbols the notation page declares: first column of its 'symbol' tables."""
    return set().union(*(symbols_in_markdown(cells[0])
                         for header, cells in _table_rows(markdown.splitlines())
                         if header == "symbol"))


def _markdown_cells(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in cells if c["cell_type"] == "markdown"]


def undeclared(chapter_markdown: list[str], page: set[str]) -> dict[str, list[int]]:
    """Symbols a chapter uses but neither the page nor the chapter declares, with cell numbers."""
    local = set().union(*map(local_symbols, chapter_markdown)) if chapter_markdown else set()
    missing: dict[str, list[int]] = {}
    for k, md in enumerate(chapter_markdown):
        for sym in sorted(symbols_in_markdown(md) - page - local):
            missing.setdefault(sym, []).append(k)
    return missing


def _without_translation_tables(markdown: str) -> str:
    """The page without the tables that translate other texts' letters (header not 'symbol')."""
    kept, header = [], None
    for line in markdown.splitlines():
        if line.strip().startswith("|"):
            if header is None:
                header = line.strip().strip("|").split("|")[0].strip().lower()
            if header != "symbol":
                continue
        else:
            header = None
        kept.append(line)
    return "\n".join(kept)


PAGE = page_symbols(NOTATION.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- self-tests

def test_extractor_strips_decorations_and_ignores_words() -> None:
    tex = r"\hat{\boldsymbol\beta}_j + \tilde\mu_i\,\mathbf{x}_i^\top \text{with exposure} \log\mathrm{E}(y) \operatorname{logit}"
    assert symbols_in_tex(tex) == {r"\beta", "j", r"\mu", "i", "x", "y"}
    assert symbols_in_tex(r"\sum_{i=1}^n \exp\{\mathcal{I}(\psi)\}") == {"i", "n", "I", r"\psi"}
    assert symbols_in_tex(r"\varphi(\eta) \ne \phi") == {r"\varphi", r"\eta", r"\phi"}
    assert symbols_in_tex(r"\text{a {nested} word}\,\ell") == {r"\ell"}


def test_extractor_reads_every_kind_of_math_and_skips_code() -> None:
    md = ("Prose $\\alpha$ and `$\\kappa$ in code`.\n\n$$\n\\gamma\n$$\n\n"
          "````{solution} ex-a\n:class: dropdown\n\n```python\nrho = '$\\rho$'\n```\n\n$\\delta$\n````\n\n"
          "```{math}\n:label: eq-x\n\\zeta\n```\n")
    assert symbols_in_markdown(md) == {r"\alpha", r"\gamma", r"\delta", r"\zeta"}


def test_undeclared_symbols_are_caught_and_local_ones_accepted() -> None:
    page = {r"\mu", "i", "y"}
    chapter = ["# Title\n\nThe mean $\\mu_i$ of $y_i$ and a rate $\\rho$ with $\\text{rate}$.",
               "Later $\\kappa$ appears."]
    assert undeclared(chapter, page) == {r"\kappa": [1], r"\rho": [0]}
    admonition = ":::{admonition} Symbols of this chapter\n| symbol | meaning |\n|---|---|\n| $\\rho$ | a rate |\n:::\n"
    assert undeclared([admonition] + chapter, page) == {r"\kappa": [2]}


def test_the_page_declares_the_core_symbols() -> None:
    core = {r"\beta", r"\eta", r"\mu", r"\theta", r"\phi", r"\pi", r"\lambda", "b", "g", "V", "w", "W",
            "X", "y", "D", "U", "J", "I", r"\ell", r"\Lambda"}
    assert core <= PAGE, f"missing from notation.md: {sorted(core - PAGE)}"


# ------------------------------------------------------------ the contract

def test_the_notation_page_uses_only_its_own_symbols() -> None:
    """The page's prose and meanings use only symbols that have a row of their own."""
    text = NOTATION.read_text(encoding="utf-8")
    used = symbols_in_markdown(_without_translation_tables(text))
    missing = sorted(used - PAGE)
    assert not missing, f"notation.md uses symbols without a row of their own: {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_chapter_symbols_are_declared(path: Path) -> None:
    missing = undeclared(_markdown_cells(path), PAGE)
    detail = ", ".join(f"${s}$ (markdown cells {cells[:4]})" for s, cells in sorted(missing.items()))
    assert not missing, (
        f"{path.name} uses symbols that are neither on chapters/notation.md nor in its "
        f"'{LOCAL_TITLE}' admonition: {detail}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_local_symbols_are_declared_near_the_top(path: Path) -> None:
    """A chapter's 'Symbols of this chapter' box sits with 'what this chapter teaches'."""
    cells = _markdown_cells(path)
    late = [k for k, md in enumerate(cells) if LOCAL_TITLE in md and k > 1]
    assert not late, (
        f"{path.name}: the '{LOCAL_TITLE}' admonition is in markdown cell(s) {late}; "
        "put it in the first or second markdown cell, after 'What this chapter teaches'"
    )
