"""What the browser tests look for, as functions of a page (or of the built site).

Kept apart from the tests so that the same checks run on the real book and
JupyterLab and on small synthetic pages and notebooks with known defects
(test_checks_catch_regressions.py), which proves that each check can fail.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import socketserver
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml
from bs4 import BeautifulSoup
from playwright.sync_api import BrowserContext, Page

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "_build" / "screenshots"
# Debian's Chromium by default; CI images that ship another build set CHROMIUM.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Headless Chromium that talks to nothing but the pages it is sent to.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 400, "height": 860}
# The book's desktop screenshots show the first screen unless SCREENSHOTS=full asks
# for whole pages (about 3 s and 7 MB a chapter, too heavy for every run).
FULL_PAGE_SCREENSHOTS = os.environ.get("SCREENSHOTS") == "full"

# TeX that a reader should never see: delimiters and control words left in the
# text (typeset maths is removed before looking), and $...$ pairs.
RAW_TEX = re.compile(r"\\[()\[\]]|\$\$|\\[A-Za-z]{2,}|\$[^$\s][^$\n]*\$")
# MyST markup that JupyterLab shows raw when it is not rendered.
RAW_MYST = ["{glue", "{cite", ":::{", "```{", "{prf:", "{exercise}", "{solution}", "{eval}", "{numref}", "{math}"]


# Roles that jupyterlab-myst silently renders as their bare argument (a glue
# role shows the variable's name where the number belongs), so the rendered text
# cannot reveal them: they are looked for in the notebook's source.
DROPPED_ROLES = re.compile(r"\{glue(?::\w+)?\}`[^`]*`|\{cite(?::\w+)?\}`[^`]*`")


def dropped_roles(notebook: dict) -> list[str]:
    """Each role in the notebook's Markdown that JupyterLab would show as a bare name."""
    return [
        f"Markdown cell {i}: {m.group(0)}"
        for i, cell in enumerate(c for c in notebook["cells"] if c["cell_type"] == "markdown")
        for m in DROPPED_ROLES.finditer("".join(cell["source"]))
    ]


# Targets a notebook's own Markdown defines: "(label)=", ":label: name", "$$ ... $$ (label)".
_LABELS = re.compile(r"^\(([\w:-]+)\)=|^:label:\s*([\w:-]+)|\$\$\s*\(([\w:-]+)\)", re.M)


def markdown_labels(notebook: dict) -> set[str]:
    """The reference targets defined in the notebook's Markdown cells."""
    text = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    return {next(g for g in m.groups() if g) for m in _LABELS.finditer(text)}


def snippets(pattern: re.Pattern, text: str, limit: int = 5) -> list[str]:
    """Each match of ``pattern`` in ``text`` with some context, for a readable failure."""
    return [text[max(0, m.start() - 40) : m.end() + 40].replace("\n", " ") for m in pattern.finditer(text)][:limit]


# --------------------------------------------------------------------------- where things are


def toc_pages() -> list[str]:
    """The book's pages, in the order of _toc.yml, as paths in the built site."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part.get("chapters", [])]
    return [f"{file}.html" for file in files]


def screenshot_dir(kind: str) -> Path:
    folder = SCREENSHOTS / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --------------------------------------------------------------------------- serving


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the tests report what matters
        pass


class StaticServer:
    """``directory`` over HTTP on 127.0.0.1, on a free port, in a thread."""

    def __init__(self, directory: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self.httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def block_the_network(context: BrowserContext) -> list[str]:
    """Abort every request that does not go to 127.0.0.1; return the list they are logged in."""
    attempted: list[str] = []

    def only_local(request) -> None:
        url = request.request.url
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            request.continue_()
        else:
            attempted.append(url)
            request.abort()

    context.route("**/*", only_local)
    return attempted


# --------------------------------------------------------------------------- the book


@dataclass
class BookPage:
    """What one page of the built book showed in the browser."""

    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    untypeset_maths: list[str] = field(default_factory=list)
    maths_errors: list[str] = field(default_factory=list)
    raw_tex: list[str] = field(default_factory=list)
    images_without_alt: list[str] = field(default_factory=list)
    phone_overflow: list[str] = field(default_factory=list)


# Every maths node has been typeset (MathJax puts an mjx-container in it) and none
# reports a TeX error; the page's text, code and typeset maths removed, holds no TeX.
_MATHS_JS = """() => {
  const main = document.querySelector('[role="main"]') || document.body;
  const untypeset = [...main.querySelectorAll('.math')]
    .filter((m) => !m.querySelector('mjx-container'))
    .map((m) => m.textContent.trim().slice(0, 80));
  const errors = [...main.querySelectorAll('mjx-merror')]
    .map((e) => (e.getAttribute('data-mjx-error') || e.textContent).slice(0, 80));
  const text = main.cloneNode(true);
  text.querySelectorAll('pre, code, script, style, textarea, mjx-container, .math').forEach((e) => e.remove());
  return {untypeset, errors, text: text.textContent};
}"""

_IMAGES_JS = """() => [...document.images]
  .filter((img) => !(img.getAttribute('alt') || '').trim())
  .map((img) => img.getAttribute('src'))"""

# At phone width nothing may stick out of the page. Content may only be wider
# than the screen inside a box that scrolls on its own (code, display maths,
# tables, outputs); the page's own layout containers do not count as such boxes.
_OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const layout = 'html, body, .bd-container, .bd-container__inner, .bd-main, .bd-content, .bd-article-container, .bd-article, .bd-page-width';
  const problems = [];
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push(`the page is ${document.documentElement.scrollWidth}px wide at ${width}px`);
  }
  const main = document.querySelector('[role="main"]') || document.body;
  for (const element of main.querySelectorAll('*')) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || (box.right <= width + 1 && box.left >= -1)) continue;
    // MathJax's copy of each formula for screen readers is clipped to nothing.
    if (element.closest('mjx-assistive-mml')) continue;
    // Closed drawers (the page's table of contents) wait off screen, hidden.
    if (!element.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    let scroller = null;
    for (let up = element.parentElement; up && !up.matches(layout); up = up.parentElement) {
      const overflow = getComputedStyle(up).overflowX;
      if (overflow === 'auto' || overflow === 'scroll') { scroller = up; break; }
    }
    if (scroller) continue;
    const name = element.tagName.toLowerCase() + (element.className && typeof element.className === 'string' ? '.' + element.className.trim().split(/\\s+/).join('.') : '');
    problems.push(`${name} reaches ${Math.round(box.right)}px: ${element.textContent.trim().slice(0, 60)}`);
  }
  return problems.slice(0, 10);
}"""


def wait_for_mathjax(page: Page) -> None:
    """Until MathJax (if the page loads it) has typeset the page."""
    page.evaluate(
        """() => (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise)
                 ? window.MathJax.startup.promise.then(() => true) : false"""
    )


def inspect_book_page(context: BrowserContext, url: str, screenshot: Path | None = None) -> BookPage:
    """Load ``url`` at desktop and phone width and record every defect the tests check."""
    report = BookPage()
    page = context.new_page()
    page.set_viewport_size(DESKTOP)
    page.on("console", lambda m: report.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: report.console_errors.append(f"uncaught: {e}"))
    page.on("response", lambda r: report.failed_requests.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        page.goto(url, wait_until="load")
        wait_for_mathjax(page)
        maths = page.evaluate(_MATHS_JS)
        report.untypeset_maths = maths["untypeset"]
        report.maths_errors = maths["errors"]
        report.raw_tex = snippets(RAW_TEX, maths["text"])
        report.images_without_alt = page.evaluate(_IMAGES_JS)
        if screenshot:
            page.screenshot(path=str(screenshot.with_suffix(".png")), full_page=FULL_PAGE_SCREENSHOTS)
        page.set_viewport_size(PHONE)
        page.wait_for_timeout(300)  # the theme and course.js react to the resize
        report.phone_overflow = page.evaluate(_OVERFLOW_JS)
        if screenshot:
            page.screenshot(path=str(screenshot.with_name(screenshot.name + "-phone.png")))
    finally:
        page.close()
    return report


def broken_links(site: Path) -> list[str]:
    """Every internal link or anchor in the HTML under ``site`` that leads nowhere."""
    ids: dict[Path, set[str]] = {}
    links: dict[Path, list[str]] = {}
    for page in site.rglob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        ids[page.resolve()] = {t["id"] for t in soup.find_all(id=True)} | {
            t["name"] for t in soup.find_all("a", attrs={"name": True})
        }
        if not page.relative_to(site).parts[0].startswith("_"):  # not the theme's or Sphinx's files
            links[page] = [a["href"] for a in soup.find_all("a", href=True)]
    problems = []
    for page, hrefs in links.items():
        for href in hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(site)}: {href}"
            if not target.exists():
                problems.append(f"{where} (no such file)")
            elif parts.fragment and target in ids and unquote(parts.fragment) not in ids[target]:
                problems.append(f"{where} (no such anchor)")
    return problems


def citation_mismatches(site: Path) -> list[str]:
    """Citations whose text is not the label of the references entry they link to."""
    references = site / "chapters" / "references.html"
    soup = BeautifulSoup(references.read_text(encoding="utf-8"), "html.parser")
    labels = {}
    for entry in soup.select("div.citation"):
        label = entry.select_one(".label")
        for bracket in label.select(".fn-bracket"):
            bracket.decompose()
        labels[entry["id"]] = label.get_text().strip()
    problems = []
    for page in sorted((site / "chapters").glob("*.html")):
        for citation in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select(".bibtex-citation"):
            text = " ".join(citation.get_text().split())
            cited = [labels.get(a["href"].split("#")[-1], "?") for a in citation.find_all("a", href=True)]
            if text.startswith("("):
                expected = "(" + "; ".join(cited) + ")"
            else:
                authors, year = cited[0].rsplit(", ", 1)
                expected = f"{authors} ({year})"
            if text != expected:
                problems.append(f"{page.name}: {text!r} but the reference is labelled {expected!r}")
    return problems


# --------------------------------------------------------------------------- JupyterLab


@dataclass
class NotebookView:
    """What JupyterLab (with the Binder environment's extensions) showed for one notebook."""

    markdown_cells: int = 0
    unrendered_cells: list[int] = field(default_factory=list)
    raw_markup: list[str] = field(default_factory=list)
    raw_tex: list[str] = field(default_factory=list)
    unresolved_references: list[str] = field(default_factory=list)
    solutions: int = 0
    open_solutions: list[str] = field(default_factory=list)
    solution_opens_on_click: bool | None = None
    # Each solution's prose (a run of plain words from its last paragraph):
    # where it was found, and whether it showed outside a closed solution.
    solution_prose_missing: list[str] = field(default_factory=list)
    solution_prose_shown: list[str] = field(default_factory=list)


# Rendered text of each Markdown cell, with typeset maths, code and icons removed.
_RENDERED_JS = """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell')].map((cell) => {
  const rendered = cell.querySelector('.myst');  // jupyterlab-myst's output, beside the hidden editor
  if (!rendered || !cell.classList.contains('jp-mod-rendered')) return null;
  const text = rendered.cloneNode(true);
  text.querySelectorAll('.katex, mjx-container, code, pre, svg').forEach((e) => e.remove());
  return text.textContent;
})"""

# jupyterlab-myst shows a reference it cannot resolve ({numref}, {ref}, a link to
# #label) as its bare label behind a warning icon titled "Cross Reference Not Found".
_UNRESOLVED_JS = """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell .myst [title="Cross Reference Not Found"]')]
  .map((e) => e.textContent.trim())"""

# A solution is collapsed when its title sits in the summary of a closed <details>
# and its body is not shown (checkVisibility: Chromium keeps a closed body's size).
_SOLUTIONS_JS = """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell .myst')]
  .flatMap((myst) => [...myst.querySelectorAll('.myst-exercise-title')])
  .filter((title) => title.textContent.trim().startsWith('Solution'))
  .map((title) => {
    const details = title.closest('details');
    const body = details && details.querySelector('.details-body, .myst-exercise-body');
    return {title: title.textContent.trim(),
            collapsed: Boolean(details && !details.open && (!body || !body.checkVisibility()))};
  })"""


# Where each phrase of a solution's prose sits: inside a closed <details>, or in view.
_PROSE_JS = """(phrases) => { const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  return phrases.map((phrase) => {
    const walker = document.createTreeWalker(panel, NodeFilter.SHOW_TEXT);
    let found = false, shown = false;
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (!node.textContent.includes(phrase) || node.parentElement.closest('.jp-InputArea-editor, .CodeMirror, .cm-editor')) continue;
      found = true;
      const details = node.parentElement.closest('details');
      if (!details || details.open || node.parentElement.closest('summary')) shown = true;
    }
    return {phrase, found, shown};
  }); }"""

FENCE_LINE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
PLAIN_RUN = re.compile(r"(?:[A-Za-z]{2,}[,;]? ){4,}[A-Za-z]{2,}")


def solution_phrases(markdown: str) -> list[str]:
    """A phrase of plain words from the last prose line of each {solution} block, nesting as MyST does."""
    phrases = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        m = FENCE_LINE.match(lines[i])
        if not (m and m.group(2).strip().startswith("{solution}")):
            i += 1
            continue
        fence, depth, prose, j = m.group(1), 0, [], i + 1
        while j < len(lines):
            inner = FENCE_LINE.match(lines[j])
            if inner and inner.group(1)[0] == fence[0]:
                if inner.group(2).strip():
                    depth += 1
                elif depth:
                    depth -= 1
                elif len(inner.group(1)) >= len(fence):
                    break
            elif depth == 0 and lines[j].strip() and not lines[j].lstrip().startswith(":"):
                prose.append(lines[j])
            j += 1
        for line in reversed(prose):
            runs = PLAIN_RUN.findall(re.sub(r"\$[^$]*\$|`[^`]*`|\[[^\]]*\]\([^)]*\)", " ", line))
            if runs:
                phrases.append(max(runs, key=len))
                break
        i = j + 1
    return phrases


_CLOSE_ALL_JS = """() => { for (const widget of Array.from(window.jupyterapp.shell.widgets('main'))) widget.dispose(); }"""


def open_lab(context: BrowserContext, lab_url: str) -> Page:
    """A page with JupyterLab loaded once; :func:`inspect_notebook` opens each notebook in it.

    Loading the application takes most of the time of opening a notebook by
    its URL (7-9 s of 10-14 s a notebook), so the tests load it once and open
    notebooks through its commands (the server exposes the app as
    ``window.jupyterapp``, as JupyterLab's own UI tests do).
    """
    page = context.new_page()
    page.set_viewport_size(DESKTOP)
    page.goto(f"{lab_url}/lab?reset", wait_until="load")
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=90_000)
    page.evaluate("async () => { await window.jupyterapp.restored; }")
    return page


def inspect_notebook(page: Page, path: str, screenshot: Path | None = None,
                     phrases: list[str] | None = None) -> NotebookView:
    """Open ``path`` in the JupyterLab of ``page`` (from :func:`open_lab`) and record how its Markdown is rendered.

    ``phrases`` (from :func:`solution_phrases`) are looked up before any solution is
    opened: each must be on the page, and inside a closed solution. The notebook
    is closed again afterwards. Every cell is in the page (the tests' settings
    turn the notebook's virtual scrolling off), so none needs scrolling into view.
    """
    view = NotebookView()
    page.evaluate("async (path) => { await window.jupyterapp.commands.execute('docmanager:open', {path}); }", path)
    try:
        page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell", timeout=90_000)
        # jupyterlab-myst renders asynchronously: wait until every Markdown cell has been. Polled
        # every 200 ms, not every frame: cloning each cell's text every frame keeps the page too
        # busy for the renderer to finish the last cells.
        try:
            page.wait_for_function(f"() => ({_RENDERED_JS})().every((text) => text !== null)", timeout=30_000,
                                   polling=200)
        except Exception:  # reported below, cell by cell
            pass
        texts = page.evaluate(_RENDERED_JS)
        view.markdown_cells = len(texts)
        view.unrendered_cells = [i for i, text in enumerate(texts) if text is None]
        for i, text in enumerate(t or "" for t in texts):
            view.raw_markup += [f"Markdown cell {i}: {s}" for marker in RAW_MYST for s in snippets(re.compile(re.escape(marker)), text, 2)]
            view.raw_tex += [f"Markdown cell {i}: {s}" for s in snippets(RAW_TEX, text, 3)]
        view.unresolved_references = page.evaluate(_UNRESOLVED_JS)
        solutions = page.evaluate(_SOLUTIONS_JS)
        view.solutions = len(solutions)
        view.open_solutions = [s["title"] for s in solutions if not s["collapsed"]]
        for found in page.evaluate(_PROSE_JS, phrases or []):
            if not found["found"]:
                view.solution_prose_missing.append(found["phrase"])
            elif found["shown"]:
                view.solution_prose_shown.append(found["phrase"])
        if screenshot:
            page.screenshot(path=str(screenshot.with_suffix(".png")))
        closed = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) details:not([open])", has=page.locator(".myst-exercise-title", has_text="Solution"))
        if closed.count():
            first = closed.first.element_handle()  # a handle: once open, the locator no longer matches it
            first.query_selector("summary").click()
            page.wait_for_timeout(300)
            view.solution_opens_on_click = first.evaluate(
                "(d) => d.open && [...d.children].some((c) => c.tagName !== 'SUMMARY' && c.checkVisibility())"
            )
            if screenshot:
                first.screenshot(path=str(screenshot.with_name(screenshot.name + "-solution.png")))
    finally:
        # Disposed, not closed: opening can mark a notebook changed (e.g. its format upgraded),
        # and closing a changed notebook asks whether to save it.
        page.evaluate(_CLOSE_ALL_JS)
        page.wait_for_selector(".jp-NotebookPanel", state="detached", timeout=30_000)
    return view


def shut_down_kernels(url: str) -> None:
    """Opening a notebook starts its kernel; the tests only read, so stop them as they go."""
    with urllib.request.urlopen(f"{url}/api/sessions") as response:
        sessions = json.load(response)
    for session in sessions:
        request = urllib.request.Request(f"{url}/api/sessions/{session['id']}", method="DELETE")
        urllib.request.urlopen(request).close()
