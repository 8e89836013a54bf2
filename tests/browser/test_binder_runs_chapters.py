"""Every chapter runs top to bottom in the Binder environment, as a learner would run it.

The JupyterLab tests only look at the stored notebooks; this runs each one with
the Binder environment's own Jupyter (.venv-binder, built from binder/ by
`make binder-env`), so a chapter that imports a package Binder does not install
fails here rather than on a learner's screen.
"""

from __future__ import annotations

import subprocess

import pytest
from browser_checks import ROOT

JUPYTER = ROOT / ".venv-binder" / "bin" / "jupyter"
CHAPTERS = sorted(p.name for p in (ROOT / "chapters").glob("*.ipynb"))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_runs_in_the_binder_environment(chapter, tmp_path):
    if not JUPYTER.exists():
        pytest.fail(f"{JUPYTER} is missing: `make binder-env` builds the Binder environment in .venv-binder")
    run = subprocess.run(
        [str(JUPYTER), "nbconvert", "--to", "notebook", "--execute", f"--output-dir={tmp_path}",
         "--ExecutePreprocessor.timeout=300", "--ExecutePreprocessor.kernel_name=python3",
         str(ROOT / "chapters" / chapter)],
        cwd=ROOT / "chapters", capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
