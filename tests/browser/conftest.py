"""Fixtures for the browser tests: headless Chromium, the built book, JupyterLab.

Chromium is Debian's (/usr/bin/chromium, which `make test` installs when it is
missing), driven by Playwright; Playwright never downloads a browser here. The
book is built into a temporary folder once per session (set BOOK_HTML to the
folder of an existing build, e.g. _build/html, to skip that). JupyterLab runs
from the Binder environment .venv-binder (`make binder-env` builds it from
binder/), on 127.0.0.1 with no token, with its settings, workspaces and runtime
files in a temporary folder, serving a copy of the chapters.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from browser_checks import CHROMIUM, CHROMIUM_ARGS, ROOT, StaticServer, block_the_network
from playwright.sync_api import sync_playwright

BINDER_ENV = ROOT / ".venv-binder"


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def offline_context(chromium):
    """A browser context in which every request not to 127.0.0.1 is aborted and logged."""
    context = chromium.new_context()
    context.attempted_requests = block_the_network(context)
    yield context
    context.close()


@pytest.fixture(scope="session")
def book_site(tmp_path_factory) -> Path:
    if os.environ.get("BOOK_HTML"):
        return Path(os.environ["BOOK_HTML"]).resolve()
    out = tmp_path_factory.mktemp("book")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    build = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "--all", "--keep-going", "--path-output", str(out)],
        capture_output=True, text=True,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return out / "_build" / "html"


@pytest.fixture(scope="session")
def book_url(book_site):
    server = StaticServer(book_site)
    yield server.url
    server.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_settings(folder: Path) -> None:
    """JupyterLab user settings for the tests: every cell in the page, nothing saved, no news."""
    settings = {
        # The notebook's default virtual scrolling leaves off-screen cells out of the page.
        "notebook-extension/tracker": {"windowingMode": "none"},
        "docmanager-extension/plugin": {"autosave": False},
        "apputils-extension/notification": {"checkForUpdates": False, "fetchNews": "false"},
    }
    for name, values in settings.items():
        path = folder / "@jupyterlab" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


@pytest.fixture(scope="session")
def jupyterlab(tmp_path_factory):
    lab = BINDER_ENV / "bin" / "jupyter-lab"
    if not lab.exists():
        pytest.fail(f"{lab} is missing: `make binder-env` builds the Binder environment in .venv-binder")
    home = tmp_path_factory.mktemp("jupyterlab")
    root = home / "root"
    shutil.copytree(ROOT / "chapters", root / "chapters", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    _write_settings(home / "settings")
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
    }
    port = _free_port()
    command = [
        str(lab), "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
        "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        # The tests open notebooks through the app's commands (browser_checks.open_lab).
        "--LabApp.expose_app_in_browser=True",
        # The tests shut kernels down through the REST API without a browser session.
        "--ServerApp.disable_check_xsrf=True",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = (home / "jupyterlab.log").open("w")
    server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start:\n" + (home / "jupyterlab.log").read_text()[-3000:])
                time.sleep(0.5)
        yield SimpleNamespace(url=url, root=root)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
