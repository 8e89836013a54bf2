"""Root pytest configuration: a run-time budget for the chapter notebooks.

`make test` runs every chapters/*.ipynb under nbval, which makes one pytest
item per code cell (node ids like ``chapters/poisson_regression.ipynb::Cell 3``).
While nbval runs, the hooks below add up the time of every item of each
notebook (setup, call and teardown, so the kernel start-up counts too), print
a table of notebook run times, slowest first, and fail the session when a
notebook takes longer than the budget (60 s unless ``--nb-time-limit`` says
otherwise).  Without ``--nbval``/``--nbval-lax`` nothing happens.

These hooks have to live in the repository's root conftest.py: pytest only
consults a conftest.py that is in the directory of the collected file or in
one of its parents, so one in tests/ would never see items under chapters/.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

DEFAULT_NOTEBOOK_TIME_LIMIT = 60.0  # seconds per notebook
CHAPTERS_DIR = "chapters/"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--nb-time-limit",
        action="store",
        type=float,
        default=DEFAULT_NOTEBOOK_TIME_LIMIT,
        metavar="SECONDS",
        help="fail the run when a chapter notebook takes longer than this under "
        f"nbval (default {DEFAULT_NOTEBOOK_TIME_LIMIT:g} s)",
    )


def _nbval_active(config: pytest.Config) -> bool:
    return bool(
        config.getoption("nbval", default=False)
        or config.getoption("nbval_lax", default=False)
    )


def _notebook_of(nodeid: str) -> str | None:
    """'chapters/x.ipynb::Cell 3' -> 'chapters/x.ipynb'; None for other items."""
    path = nodeid.split("::", 1)[0].replace("\\", "/")
    if path.startswith(CHAPTERS_DIR) and path.endswith(".ipynb"):
        return path
    return None


class NotebookTimer:
    """Sums per-notebook durations of nbval items and enforces the budget."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.durations: dict[str, float] = defaultdict(float)
        self.session: pytest.Session | None = None

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.session = session

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        notebook = _notebook_of(report.nodeid)
        if notebook is not None:
            self.durations[notebook] += report.duration

    def too_slow(self) -> list[tuple[str, float]]:
        return [(nb, t) for nb, t in self.durations.items() if t > self.limit]

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config) -> None:
        if not self.durations:
            return
        tr = terminalreporter
        tr.write_sep("=", "notebook run times (nbval)")
        width = max(len(nb) for nb in self.durations)
        tr.write_line(f"{'notebook':<{width}}  {'seconds':>8}")
        for nb, seconds in sorted(self.durations.items(), key=lambda kv: -kv[1]):
            flag = "  > limit" if seconds > self.limit else ""
            tr.write_line(f"{nb:<{width}}  {seconds:8.2f}{flag}")
        tr.write_line(f"{'total':<{width}}  {sum(self.durations.values()):8.2f}")
        slow = self.too_slow()
        if slow:
            names = ", ".join(f"{nb} ({t:.1f} s)" for nb, t in slow)
            tr.write_line(
                f"FAILED: notebook run time above the {self.limit:g} s limit: {names}",
                red=True,
                bold=True,
            )
            if self.session is not None and self.session.exitstatus == pytest.ExitCode.OK:
                self.session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_configure(config: pytest.Config) -> None:
    if _nbval_active(config):
        limit = config.getoption("nb_time_limit")
        config.pluginmanager.register(NotebookTimer(limit), "glm-course-notebook-timer")


# --- Inline numbers, checked in nbval's own run ---------------------------------------------
# A chapter's prose shows numbers stored in its Markdown cells' `user_expressions`
# (tools/execute_notebook.py). Rather than run every chapter a second time to check
# them, the plugin below asks nbval's kernel for each Markdown cell's expressions at
# the point the notebook reaches that cell -- before the next code cell runs, or
# after the last -- and fails that item when a stored value is stale.

STALE = "stale inline numbers (re-run tools/execute_notebook.py):\n  "


class InlineNumberChecker:
    def __init__(self) -> None:
        self.pending: dict[int, list[str]] = {}

    @staticmethod
    def _markdown_before(item) -> list:
        """The Markdown cells between the previous code cell and ``item``'s."""
        cells = item.parent.nb.cells
        index = next(i for i, c in enumerate(cells) if c is item.cell)
        before = []
        for cell in reversed(cells[:index]):
            if cell.cell_type == "code":
                break
            before.append(cell)
        return list(reversed(before))

    @staticmethod
    def _markdown_after_last(item) -> list:
        cells = item.parent.nb.cells
        index = next(i for i, c in enumerate(cells) if c is item.cell)
        if any(c.cell_type == "code" for c in cells[index + 1:]):
            return []
        return [c for c in cells[index + 1:] if c.cell_type == "markdown"]

    @staticmethod
    def _problems(item, cells) -> list[str]:
        stored_cells = [c for c in cells if c.get("metadata", {}).get("user_expressions")]
        if not stored_cells:
            return []
        kernel = item.parent.kernel
        problems = []
        for cell in stored_cells:
            stored = cell["metadata"]["user_expressions"]
            request = {str(i): entry["expression"] for i, entry in enumerate(stored)}
            msg_id = kernel.kc.execute("", silent=True, store_history=False, user_expressions=request)
            while True:
                reply = kernel.get_message(stream="shell", timeout=60)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            results = reply["content"]["user_expressions"]
            for key, entry in zip(request, stored):
                now = results[key]
                if now.get("status") != "ok":
                    problems.append(f"{{eval}}`{entry['expression']}` fails now: {now.get('ename')}: {now.get('evalue')}")
                elif now.get("data") != entry["result"].get("data"):
                    problems.append(f"{{eval}}`{entry['expression']}` stored {entry['result'].get('data', {}).get('text/plain')!r}, "
                                    f"now {now.get('data', {}).get('text/plain')!r}")
        return problems

    @classmethod
    def _check(cls, item, cells) -> None:
        problems = cls._problems(item, cells)
        if problems:
            raise AssertionError(STALE + "\n  ".join(problems))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        if type(item).__name__ == "IPyNbCell" and getattr(item.parent, "kernel", None) is not None:
            self._check(item, self._markdown_before(item))
        yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item, nextitem):
        problems = []
        if type(item).__name__ == "IPyNbCell" and getattr(item.parent, "kernel", None) is not None:
            trailing = self._markdown_after_last(item)
            if trailing:
                problems = self._problems(item, trailing)  # while the kernel still runs
        yield
        # Raised only after nbval has shut the notebook's kernel down, so the next notebook starts clean.
        if problems:
            raise AssertionError(STALE + "\n  ".join(problems))


def pytest_sessionstart(session: pytest.Session) -> None:
    if _nbval_active(session.config):
        session.config.pluginmanager.register(InlineNumberChecker(), "glm-course-inline-numbers")
