"""``/docs``: the HTTP API described in French by a page the service serves itself, from its
own OpenAPI schema, loading nothing from elsewhere (FastAPI's Swagger UI and ReDoc pages,
which fetch their scripts from a public CDN, are gone)."""

from __future__ import annotations

import html
import re
from pathlib import Path

from servir_harness import POLICY, serve

from tamis.service.api_docs import in_french, operations


def test_docs_lists_every_operation_in_french_and_loads_nothing_from_elsewhere(
    tmp_path: Path,
) -> None:
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    server = serve("-p", "p.tamis", "--journal", "j.jsonl", cwd=tmp_path)
    try:
        with server.client() as http:
            schema = http.get("/openapi.json").json()
            page = http.get("/docs")
            redoc = http.get("/redoc")
    finally:
        server.stop()
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    text = html.unescape(page.text)
    assert '<html lang="fr">' in text and "<h1>API HTTP de tamis " in text
    listed = re.findall(r'<h2 id="titre-op-\d+"><code>(\w+) (\S+)</code></h2>', text)
    expected = [(m.upper(), path) for path, methods in schema["paths"].items() for m in methods]
    assert listed == expected and ("POST", "/decisions") in listed
    assert "<strong>avant</strong>" in text  # the decision route's « **avant** »
    assert "Requête invalide (corps, paramètre)" in text and "Réussite" in text
    assert not re.search(r'(?:src|href)="(?:https?:)?//', text)  # nothing from another host
    assert "Successful Response" not in str(schema)
    assert redoc.status_code == 404


def test_a_description_is_escaped_but_its_bold_kept() -> None:
    schema = {
        "paths": {
            "/x": {
                "get": {
                    "summary": "S",
                    "description": "a <script> **b**",
                    "responses": {"200": {"description": "Successful Response"}},
                }
            }
        }
    }
    (only,) = operations(in_french(schema))
    assert str(only.description) == "a &lt;script&gt; <strong>b</strong>"
    assert only.responses == [("200", "Réussite")]
