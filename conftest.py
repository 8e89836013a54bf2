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
