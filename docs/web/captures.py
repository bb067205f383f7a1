"""Regenerate the screenshots of docs/web.md: a real ``tamis servir`` on the shipped examples,
Debian's Chromium driven by Playwright, one PNG per page.

    .venv/bin/python docs/web/captures.py

Starts the service on a free loopback port in a temporary folder, decides the 47 shipped
example invitations over HTTP (so the journal has something to show), logs in with a token
and saves each page beside this script.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests" / "service"))

from browser import launch  # noqa: E402
from servir_harness import CONTEXT, EXAMPLES, serve  # noqa: E402

TOKEN = "jeton-des-captures"
PAGES = {
    "connexion": "/interface/connexion",
    "decisions": "/interface/",
    "nouvelle": "/interface/nouvelle",
    "politique": "/interface/politique",
    "statistiques": "/interface/statistiques",
}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        shutil.copy(ROOT / "policies" / "blogue.tamis", work / "blogue.tamis")
        server = serve(
            "-p", "blogue.tamis", "--contexte", str(CONTEXT), "--journal", "journal.jsonl",
            cwd=work, env={"TAMIS_JETON": TOKEN},
        )  # fmt: skip
        try:
            lines = EXAMPLES.read_text(encoding="utf-8").splitlines()
            body = "[" + ",".join(line for line in lines if line.strip()) + "]"
            httpx.post(
                server.url + "/decisions", content=body, timeout=60,
                headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
            ).raise_for_status()  # fmt: skip
            capture(server.url)
        finally:
            server.stop()


def capture(url: str) -> None:
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(base_url=url, viewport={"width": 1100, "height": 900})
        page.goto(PAGES["connexion"])
        page.screenshot(path=HERE / "connexion.png")
        page.fill("#jeton", TOKEN)
        page.click("form[action$='/connexion'] button")
        for name, path in PAGES.items():
            if name != "connexion":
                page.goto(path)
                page.screenshot(path=HERE / f"{name}.png", full_page=name == "statistiques")
        page.goto(PAGES["decisions"] + "?decision=refuser")
        page.locator(".nom").first.click()
        page.screenshot(path=HERE / "pourquoi.png", full_page=True)
        page.goto(PAGES["politique"])
        source = page.locator("#source")
        source.fill(source.input_value().replace("si sans_photo", "si sans_phot"))
        page.locator("#diagnostics li").first.wait_for()
        page.locator("#diagnostics").scroll_into_view_if_needed()
        page.screenshot(path=HERE / "editeur.png")
        before_sending(page)
        browser.close()


def before_sending(page) -> None:
    """« Avant d'envoyer » after « Vérifier » on a sales pitch: verdict, findings, the id of
    the advice journaled."""
    page.goto("/interface/conseil")
    page.fill("#a", "Marc-André Gagnon")
    page.fill("#contexte_rencontre", "le colloque de l'ADRIQ à Lévis")
    page.fill("#message", "Notre plateforme double vos ventes : réservez une démo gratuite!")
    page.click("#brouillon button")
    page.locator("#inscrit").wait_for()
    page.screenshot(path=HERE / "conseil.png", full_page=True)


if __name__ == "__main__":
    main()
