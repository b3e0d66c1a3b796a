"""Notebook 01 in a real browser: JupyterLab on a free local port, driven by Playwright with Debian's
Chromium.

What a reader does: open the notebook, run every cell, move a slider, see the figure change. The notebook is
the committed one with the smoke profile injected by papermill (``prepare_only``: nothing is executed before
the browser runs it) and ``INTERACTIVE`` left ``True``, so the sliders appear. A screenshot goes to
``build/browser/`` of the repository (``build/`` is never committed).

Playwright's own browser download is unavailable on the course's machines; Debian's ``chromium`` package is
used instead (``.ci/run`` installs it when it is missing). Without it the test is skipped — except on CI
(``CI=true``), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import papermill
import pytest

from helpers.paths import repository_root

NOTEBOOK = "01_learnable_encryption.ipynb"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMIUM_FLAGS = [  # headless as root in a sandbox, with no traffic beyond localhost
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = repository_root() / "build" / "browser" / "01_sliders.png"

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, server: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with status {server.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer at {url} within {seconds} s")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A JupyterLab server on 127.0.0.1 serving a folder with notebook 01 (smoke profile); yields its URL."""
    folder = tmp_path_factory.mktemp("lab")
    papermill.execute_notebook(
        str(repository_root() / "notebooks" / NOTEBOOK),
        str(folder / NOTEBOOK),
        parameters={"PROFILE": "smoke", "DEVICE": "cpu"},
        prepare_only=True,
        kernel_name="python3",
    )
    # start from a notebook that has never run: the committed outputs and execution counts go, so that "every
    # code cell has an execution count" below proves that the browser ran them all
    prepared = nbformat.read(folder / NOTEBOOK, as_version=4)
    for cell in prepared.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(prepared, folder / NOTEBOOK)
    port, token = _free_port(), secrets.token_hex(16)
    jupyter_home = folder / ".jupyter"
    jupyter_home.mkdir()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(jupyter_home / "config"),
        "JUPYTER_DATA_DIR": str(jupyter_home / "data"),
        "JUPYTER_RUNTIME_DIR": str(jupyter_home / "runtime"),
    }
    # the "get notified about Jupyter news?" prompt would cover part of the screenshot
    subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter",
            "labextension",
            "disable",
            "--level=user",  # JUPYTER_CONFIG_DIR, a temporary folder: the environment stays as it was
            "@jupyterlab/apputils-extension:announcements",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    with open(jupyter_home / "server.log", "wb") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter",
                "lab",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={port}",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={folder}",
                "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: run commands as the menus do
                "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--LabApp.extension_manager=readonly",  # no PyPI queries for extensions
                "--allow-root",  # CI machines run as root
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            _wait_for(f"http://127.0.0.1:{port}/api/status?token={token}", server, seconds=90)
            yield f"http://127.0.0.1:{port}/lab/tree/{NOTEBOOK}?token={token}"
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


def _slider_figure(page) -> str:
    """The image the key-seed slider's output area shows (a data URL)."""
    widget_output = page.locator(".jp-Cell", has=page.locator(".widget-slider")).locator(".widget-output img")
    widget_output.first.wait_for(state="visible", timeout=60_000)
    return widget_output.first.get_attribute("src")


def test_notebook_01_runs_in_jupyterlab_and_its_slider_redraws_the_figure(lab: str) -> None:
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the browser test: install Debian's chromium (.ci/run does)")
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(lab)
            page.wait_for_function("window.jupyterapp !== undefined", timeout=90_000)
            page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=90_000)
            page.wait_for_function(
                "document.querySelector('.jp-Notebook') && "
                "window.jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status === 'idle'",
                timeout=90_000,
            )
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            # every code cell ran: the kernel is idle again and no prompt is empty or busy
            page.wait_for_function(
                """() => {
                    const panel = window.jupyterapp.shell.currentWidget;
                    const kernel = panel.sessionContext.session.kernel;
                    const cells = panel.content.widgets.filter(cell => cell.model.type === 'code');
                    const ran = cells.every(cell => cell.model.executionCount !== null);
                    return kernel.status === 'idle' && ran;
                }""",
                timeout=240_000,
                polling=1000,
            )
            errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
            assert errors.count() == 0, errors.first.inner_text()

            slider = page.locator(".widget-slider", has=page.locator("label", has_text="key seed"))
            slider.scroll_into_view_if_needed()
            handle = slider.locator(".noUi-handle")
            assert handle.get_attribute("aria-valuetext") == "2018"  # starts on the static figure's key
            before = _slider_figure(page)
            handle.focus()
            page.keyboard.press("ArrowRight")
            page.wait_for_function(
                "(old) => { const img = [...document.querySelectorAll('.jp-Cell')]"
                ".filter(c => c.querySelector('.widget-slider'))[0]?.querySelector('.widget-output img');"
                " return img && img.src !== old; }",
                arg=before,
                timeout=60_000,
            )
            assert handle.get_attribute("aria-valuetext") == "2019"
            assert slider.locator(".widget-readout").text_content().strip() == "2019"
            assert _slider_figure(page) != before
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=False)
        finally:
            browser.close()
    assert Path(SCREENSHOT).stat().st_size > 10_000
