"""Headless Chromium for the web interface's tests: Debian's own, launched by path.

Browser downloads are impossible here, so Playwright drives ``/usr/bin/chromium`` (installed
by ``.ci/run`` from Debian's packages), with the flags that keep it off the network. A test
that needs it fails with a clear message when it is missing: nothing is skipped.
"""

from __future__ import annotations

import os
import shutil
from importlib.resources import files

CHROMIUM = os.environ.get("TAMIS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
AXE = (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def launch(playwright):
    if not os.path.exists(CHROMIUM):
        raise AssertionError(
            f"Chromium introuvable ({CHROMIUM}) : installez le paquet Debian « chromium »"
            " (.ci/run le fait) ou indiquez son chemin dans TAMIS_CHROMIUM."
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)


def accessibility_violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on the page, one French line each.

    axe is injected through Playwright (not a <script> of the page, which the CSP would
    refuse), then run in the page."""
    page.evaluate(AXE)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_AA,
    )
    return [
        f"{v['id']} ({v['impact']}) : {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]
