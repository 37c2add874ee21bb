"""The course as learners meet it: JupyterLab in headless Chromium, driven by Playwright.

``make test-lab`` runs these tests (``SEGEN_LAB_TEST=1``, ``SEGEN_REQUIRE_BROWSER=1``); elsewhere
they skip, because they start a JupyterLab server and run whole chapters (a minute or two).
For each chapter below, in fast mode:

1. ``jupyter lab`` starts on a free localhost port with a token of its own, serving a
   temporary folder that holds a copy of the chapter (the stored notebooks are never opened
   for writing); the kernel is the course's ``python3`` kernel;
2. the page runs every cell from JupyterLab's own **Run** menu (*Run All Cells*), waits until
   the kernel is idle and no cell is still queued, and saves with the keyboard (Ctrl+S);
3. the saved notebook is read back through the server's contents API: every code cell ran,
   and no cell holds an ``error`` output except a cell tagged ``raises-exception`` (the
   notebook's JSON is checked, not red text on the page: TensorFlow logs to stderr);
4. for a chapter with a widget, a slider is moved with the keyboard and the widget's figure
   must change in the page.

A screenshot of each chapter, and of the widget after the move, is kept in ``build/lab/``.
A deliberately broken notebook (a cell that raises) must make step 3 fail: the check can fail.
Playwright's Python API rather than JupyterLab's Galata: Galata needs Node.js and a TypeScript
test project, while the course already drives Chromium from pytest for the site.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "lab"
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook on show
RUN_ALL_SECONDS = 600  # a chapter in fast mode takes under a minute; the first kernel start is slower

if os.environ.get("SEGEN_LAB_TEST", "") != "1":
    pytest.skip("JupyterLab in a browser runs with `make test-lab` (SEGEN_LAB_TEST=1)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory, unavailable):
    """A JupyterLab server on a temporary root: ``(url, token, root)``."""
    jupyter = Path(sys.executable).parent / "jupyter"
    if not jupyter.exists():
        unavailable(f"no {jupyter}: install the course first (make test-lab does)")
    root = tmp_path_factory.mktemp("lab")
    home = tmp_path_factory.mktemp("lab-home")   # settings and workspaces of this test only
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, SEGEN_FAST="1", JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    env.pop("SEGEN_HEADLESS", None)   # a front end draws the widgets here
    log = open(home / "server.log", "w")
    server = subprocess.Popen(
        [str(jupyter), "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
         "--ServerApp.open_browser=False", "--LabApp.news_url=",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.extension_manager=readonly",
         *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5).read()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("JupyterLab did not start:\n" + (home / "server.log").read_text()[-3000:])
            time.sleep(0.5)
    yield url, token, root
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


def _saved_notebook(lab, name: str) -> dict:
    url, token, _ = lab
    with urllib.request.urlopen(f"{url}/api/contents/{name}?content=1&token={token}", timeout=30) as reply:
        return json.load(reply)["content"]


def problems_in(notebook: dict) -> list[str]:
    """The code cells that did not run, and the errors outside cells tagged ``raises-exception``."""
    problems = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        if cell.get("execution_count") is None:
            problems.append(f"cell {index} did not run")
        if "raises-exception" in cell.get("metadata", {}).get("tags", []):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"cell {index}: {output.get('ename')}: {output.get('evalue')}")
    return problems


def _answer_kernel_dialog(page) -> None:
    """Accept JupyterLab's *Select Kernel* dialog with the kernel it proposes, as a learner would.

    JupyterLab asks when a notebook opens before the server's list of kernels has reached the
    page (a slow, loaded machine); the proposed kernel is the notebook's own ``python3``.
    """
    dialog = page.locator(".jp-Dialog")
    if dialog.count() and "Select Kernel" in dialog.first.inner_text():
        dialog.first.locator(".jp-Dialog-button.jp-mod-accept").click()


def _fail_on_other_dialog(page) -> None:
    dialog = page.locator(".jp-Dialog")
    if dialog.count() and "Select Kernel" not in dialog.first.inner_text():
        pytest.fail("JupyterLab showed a dialog:\n" + dialog.first.inner_text())


def _wait_for_kernel(page, seconds: float = 180) -> None:
    """Wait until the open notebook has a kernel (not *No Kernel*) and that kernel is idle."""
    deadline = time.monotonic() + seconds
    name = page.locator(f"{PANEL} .jp-Toolbar-kernelName")
    idle = page.locator(f"{PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']")
    while True:
        _answer_kernel_dialog(page)
        _fail_on_other_dialog(page)
        label = name.first.inner_text().strip() if name.count() else ""
        if label and label != "No Kernel" and idle.count():
            return
        if time.monotonic() > deadline:
            pytest.fail(f"the notebook had no idle kernel after {seconds:.0f} s (kernel: {label!r})")
        time.sleep(0.5)


def _run_all_and_save(browser, lab, name: str):
    """Open ``name`` in JupyterLab, Run > Run All Cells, wait, save; return the open page."""
    url, token, _ = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    # ?reset: a fresh workspace, so that only this notebook is open
    page.goto(f"{url}/lab/tree/{name}?reset&token={token}", wait_until="domcontentloaded")
    page.locator(f"{PANEL} .jp-Cell").first.wait_for(timeout=120_000)
    _wait_for_kernel(page)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).first.click()
    deadline = time.monotonic() + RUN_ALL_SECONDS
    while not page.evaluate(
        """() => {
            const panel = '.jp-NotebookPanel:not(.lm-mod-hidden)';
            const prompts = [...document.querySelectorAll(panel + ' .jp-CodeCell .jp-InputPrompt')];
            const indicator = document.querySelector(panel + ' .jp-Notebook-ExecutionIndicator');
            return prompts.length > 0 && /[0-9]/.test(prompts[0].textContent)
                && !prompts.some(p => p.textContent.includes('*'))
                && indicator && indicator.dataset.status === 'idle';
        }"""):
        _answer_kernel_dialog(page)
        _fail_on_other_dialog(page)
        if time.monotonic() > deadline:
            pytest.fail(f"Run All Cells had not finished after {RUN_ALL_SECONDS} s")
        time.sleep(1)
    page.locator(f"{PANEL} .jp-Cell").first.click()
    page.keyboard.press("Control+s")
    page.wait_for_function(  # the tab's "unsaved" dot disappears once the save is done
        "() => !document.querySelector('.jp-mod-current.jp-mod-dirty')", timeout=60_000)
    return page


def _copy_chapter(lab, stem: str) -> str:
    _, _, root = lab
    shutil.copy(ROOT / "notebooks" / f"{stem}.ipynb", root / f"{stem}.ipynb")
    return f"{stem}.ipynb"


def test_chapter_00_runs_from_the_run_menu_without_errors(browser, lab):
    name = _copy_chapter(lab, "00_setup")
    page = _run_all_and_save(browser, lab, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "00_setup.png"))
    page.close()
    saved = _saved_notebook(lab, name)
    assert problems_in(saved) == []
    outputs = [o for c in saved["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert outputs, "the saved notebook has no outputs: the run or the save did not happen"


def test_chapter_02_runs_and_its_widget_answers_the_keyboard(browser, lab):
    name = _copy_chapter(lab, "02_unet_segmentation")
    page = _run_all_and_save(browser, lab, name)
    saved = _saved_notebook(lab, name)
    assert problems_in(saved) == []
    widget = page.locator(f"{PANEL} .jp-OutputArea .widget-vbox").first
    widget.scroll_into_view_if_needed()
    figure = widget.locator("img").first
    figure.wait_for(timeout=60_000)
    before = figure.screenshot()
    handle = widget.locator(".widget-slider .noUi-handle").first   # the first slider: which scene
    handle.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "([img, src]) => img.src !== src", arg=[figure.element_handle(), figure.get_attribute("src")],
        timeout=60_000)
    after = figure.screenshot()
    SHOTS.mkdir(parents=True, exist_ok=True)
    widget.screenshot(path=str(SHOTS / "02_widget_after_move.png"))
    page.screenshot(path=str(SHOTS / "02_unet_segmentation.png"))
    page.close()
    assert after != before, "the widget's figure did not change when its slider moved"


def test_a_cell_that_raises_is_found_in_the_saved_notebook(browser, lab):
    _, _, root = lab
    notebook = new_notebook(cells=[new_markdown_cell("# 99 · Broken on purpose"),
                                   new_code_cell("x = 1"),
                                   new_code_cell("raise ValueError('broken on purpose')"),
                                   new_code_cell("print('after the error')")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, root / "99_broken.ipynb")
    page = _run_all_and_save(browser, lab, "99_broken.ipynb")
    page.close()
    problems = problems_in(_saved_notebook(lab, "99_broken.ipynb"))
    assert "cell 2: ValueError: broken on purpose" in problems
    assert "cell 3 did not run" in problems   # JupyterLab stops a Run All at the first error
