"""load_policy / load_policy_file: text and files to a checked policy, never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from tamis.grammar import ast
from tamis.grammar.checked import Kind
from tamis.grammar.load import load_policy, load_policy_file
from tamis.invitations.vocabulary import vocabulary

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
VOCABULARY = vocabulary()


@pytest.mark.parametrize("name", ["issue2_exemple.tamis", "issue2_priorite.tamis"])
def test_issue_example_passes_with_only_the_replaced_fact_warning(name: str) -> None:
    checked, diagnostics, source = load_policy_file(CORPUS / name, VOCABULARY)
    assert [(d.code, d.span.line, d.span.column) for d in diagnostics] == [("W006", 9, 9)]
    assert checked is not None
    assert checked.source == source
    assert checked.name == "Mon réseau"
    assert len(checked.rules) == 7
    assert checked.default is ast.Action.EXAMINER
    assert checked.default_span is not None and checked.default_span.line == 19
    assert [d.name for d in checked.definitions] == ["suspect", "fausse_vedette"]
    assert checked.kinds["fausse_vedette"] is Kind.DEFINI
    assert checked.kinds["vedette_min"] is Kind.PARAMETRE
    assert checked.parameters["vedette_min"] == 10000
    assert checked.parameters["seuil_commercial"] == 0.5  # a built-in default
    assert "fausse_vedette" not in checked.base_names
    assert {"sans_photo", "expediteur.connexions", "expediteur.photo"} <= checked.base_names


def test_priority_variant_reads_priorities() -> None:
    checked, _, _ = load_policy_file(CORPUS / "issue2_priorite.tamis", VOCABULARY)
    assert checked is not None
    assert checked.strategy is ast.Strategy.PRIORITE
    assert [r.priority for r in checked.rules] == [100, 50, 40, 30, 20, 10, 5]


def test_the_one_line_example_is_a_complete_policy() -> None:
    checked, diagnostics = load_policy(
        "refuser si sans_photo ou message_par_defaut", "p.tamis", VOCABULARY
    )
    assert checked is not None
    assert [d.code for d in diagnostics] == ["W003"]
    assert checked.base_names == {"sans_photo", "message_par_defaut"}


def test_syntax_errors_come_from_the_parser_without_a_policy() -> None:
    checked, diagnostics = load_policy("refuser si (sans_photo", "p.tamis", VOCABULARY)
    assert checked is None
    assert diagnostics
    assert all(d.is_error and d.code < "E010" for d in diagnostics)
    assert all(d.path == "p.tamis" for d in diagnostics)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absente.tamis"
    checked, diagnostics, source = load_policy_file(path, VOCABULARY)
    assert (checked, source) == (None, "")
    (diagnostic,) = diagnostics
    assert diagnostic.code == "E000"
    assert diagnostic.path == str(path)
    assert diagnostic.message == "impossible de lire la politique : fichier introuvable"
    assert diagnostic.is_error


def test_directory(tmp_path: Path) -> None:
    _, diagnostics, _ = load_policy_file(tmp_path, VOCABULARY)
    assert [d.message for d in diagnostics] == [
        "impossible de lire la politique : c'est un dossier, pas un fichier"
    ]


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.tamis"
    path.write_bytes("# règle\nrefuser si sans_photo # é\n".encode("latin-1"))
    _, diagnostics, source = load_policy_file(path, VOCABULARY)
    assert source == ""
    assert [(d.code, d.message) for d in diagnostics] == [
        (
            "E000",
            "impossible de lire la politique : le fichier n'est pas en UTF-8 "
            "(octet 0xe8 à la ligne 1, colonne 4)",
        )
    ]


def test_not_utf8_is_placed_at_its_line_and_column(tmp_path: Path) -> None:
    """The first byte that is not UTF-8 is placed as any diagnostic is: line (CR and CRLF
    end one too) and column in characters of that line. The « position » was the byte's
    offset in the whole file (« ligne 4, position 85 » for column 43 of line 4)."""
    path = tmp_path / "latin1.tamis"
    text = '# Politique de Zoé\r\n\rrefuser si sans_photo\nexaminer si expediteur.titre = "café"'
    path.write_bytes(text.encode("utf-8")[:-3] + 'é"\n'.encode("latin-1"))
    _, [diagnostic], _ = load_policy_file(path, VOCABULARY)
    assert diagnostic.code == "E000"
    assert diagnostic.message.endswith("(octet 0xe9 à la ligne 4, colonne 36)")
    assert (diagnostic.span.line, diagnostic.span.column) == (4, 36)
    assert "réenregistrez la politique en UTF-8" in diagnostic.help
    with_bom = b"\xef\xbb\xbfrefuser si \xe9"
    (tmp_path / "bom.tamis").write_bytes(with_bom)
    _, [diagnostic], _ = load_policy_file(tmp_path / "bom.tamis", VOCABULARY)
    assert (diagnostic.span.line, diagnostic.span.column) == (1, 12)


def test_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.tamis"
    path.write_bytes("\ufeffrefuser si sans_photo\nsinon examiner\n".encode())
    checked, diagnostics, source = load_policy_file(path, VOCABULARY)
    assert checked is not None
    assert diagnostics == []
    assert source.startswith("refuser")


def test_accentless_keywords_and_unicode_guillemets() -> None:
    source = (
        "resolution premiere_applicable\n"
        "parametre mots = [« vente », « achat »]\n"
        'definir d si message correspond a "(?i)offre"\n'
        'regle "r" : signaler si d ou expediteur.secteur dans mots\n'
        "sinon examiner\n"
    )
    checked, diagnostics = load_policy(source, "p.tamis", VOCABULARY)
    assert diagnostics == []
    assert checked is not None
    assert checked.parameters["mots"] == ("vente", "achat")
