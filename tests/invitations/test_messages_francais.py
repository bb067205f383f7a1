"""The errors users read while tamis reads their files are French, name the file (and the
key or line), and say what to do: nothing of the English texts of the OS, the UTF-8 decoder,
tomllib, json or orjson leaks through."""

# ruff: noqa: E501 - expected French messages stay on one line, as users see them

from __future__ import annotations

import errno
import io
import re

import pytest

from tamis.invitations.context import ContextError, load_context
from tamis.invitations.french import json_reason, os_error
from tamis.invitations.reader import read_invitations

ENGLISH = (
    "No such", "Errno", "denied", "Is a directory", "Not a directory", "Expected", "Invalid",
    "Unterminated", "Unclosed", "Cannot", "at line", "end of document", "codec", "decode",
    "unexpected", "expecting", "escape", "trailing", "literal",
)  # fmt: skip


def assert_french(message: str) -> None:
    assert not [w for w in ENGLISH if re.search(rf"\b{w}\b", message, re.IGNORECASE)], message


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (FileNotFoundError(errno.ENOENT, "No such file or directory"), "fichier introuvable ; vérifiez le chemin et le nom du fichier"),
        (PermissionError(errno.EACCES, "Permission denied"), "lecture refusée ; vérifiez les droits d'accès au fichier"),
        (IsADirectoryError(errno.EISDIR, "Is a directory"), "c'est un dossier ; donnez le chemin d'un fichier"),
        (NotADirectoryError(errno.ENOTDIR, "Not a directory"), "un élément du chemin n'est pas un dossier ; vérifiez le chemin"),
        (OSError(errno.EIO, "Input/output error"), "erreur du système (EIO) ; vérifiez que le fichier est lisible"),
        (ValueError("embedded null byte"), "chemin invalide (caractère nul) ; vérifiez le chemin"),
    ],
)  # fmt: skip
def test_each_kind_of_os_error_has_its_french_reason_and_fix(error, expected):
    assert os_error(error) == expected


def context_error(path) -> str:
    with pytest.raises(ContextError) as caught:
        load_context(path)
    message = str(caught.value)
    assert message.startswith(f"{path} : ")
    assert_french(message)
    return message


def test_missing_context_file_names_the_file_in_french(tmp_path):
    path = tmp_path / "absent.toml"
    assert context_error(path) == (
        f"{path} : fichier de contexte illisible : fichier introuvable ; vérifiez le chemin et le nom du fichier"
    )


def test_context_path_that_is_a_directory(tmp_path):
    assert context_error(tmp_path).endswith("c'est un dossier ; donnez le chemin d'un fichier")


def test_context_path_under_a_file(tmp_path):
    (tmp_path / "fichier").write_text("x", encoding="utf-8")
    assert "n'est pas un dossier" in context_error(tmp_path / "fichier" / "tamis.toml")


def test_non_utf8_context_gives_the_line_and_how_to_fix_it(tmp_path):
    path = tmp_path / "tamis.toml"
    path.write_bytes(b"[moi]\nnom = '\xe9'\n")
    assert context_error(path) == (
        f"{path} : le fichier de contexte n'est pas en UTF-8 (octet 0xe9 à la ligne 2, colonne 8) ; réenregistrez-le en UTF-8"
    )


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[moi\nnom = 'A'\n", "syntaxe TOML invalide, ligne 1, colonne 5 : « ] » attendu pour fermer le nom de la table"),
        ("[moi]\nnom 'A'\n", "syntaxe TOML invalide, ligne 2, colonne 5 : « = » attendu après la clé (clé = valeur)"),
        ("[moi]\nnom = 'A\n", "syntaxe TOML invalide, fin du fichier : texte non terminé (guillemet fermant manquant)"),
        ('[moi]\nnom = "Jade\n', "syntaxe TOML invalide, ligne 2, colonne 12 : texte non terminé avant la fin de la ligne (guillemet fermant manquant)"),
        ("[moi]\nnom = Jade\n", "syntaxe TOML invalide, ligne 2, colonne 7 : valeur invalide (texte entre guillemets, nombre, true/false ou liste)"),
        ("[moi]\ndomaines = ['a', 'b'\n", "syntaxe TOML invalide, fin du fichier : liste non fermée (« ] » manquant)"),
        ("[moi]\nnom = 'A'\nnom = 'B'\n", "syntaxe TOML invalide, ligne 3, colonne 10 : clé déjà définie"),
        ("[moi]\n[moi]\n", "syntaxe TOML invalide, ligne 2, colonne 5 : table déclarée deux fois"),
        ("[moi]\nnom = 'A' ecoles = []\n", "syntaxe TOML invalide, ligne 2, colonne 11 : une seule déclaration par ligne"),
        ('[moi]\nnom = "a\\q"\n', "syntaxe TOML invalide, ligne 2, colonne 11 : « \\ » seul dans un texte : écrivez « \\\\ »"),
    ],
)  # fmt: skip
def test_toml_syntax_errors_are_explained_in_french(tmp_path, toml, expected):
    path = tmp_path / "tamis.toml"
    path.write_text(toml, encoding="utf-8")
    assert context_error(path) == f"{path} : {expected}"


def test_missing_export_file_says_paths_are_relative_to_the_context(tmp_path):
    path = tmp_path / "tamis.toml"
    path.write_text('[reseau]\nfichiers = ["Connections.csv"]\n', encoding="utf-8")
    assert context_error(path) == (
        f"{path} : clé « reseau.fichiers[0] » : {tmp_path / 'Connections.csv'} : fichier introuvable ; "
        "vérifiez le chemin et le nom du fichier (chemin relatif au dossier du fichier de contexte)"
    )


def test_non_utf8_export_file(tmp_path):
    path = tmp_path / "tamis.toml"
    path.write_text('[reseau]\nfichiers = ["Connections.csv"]\n', encoding="utf-8")
    (tmp_path / "Connections.csv").write_bytes(b"First Name,Last Name,URL\nJos\xe9,B,u\n")
    assert context_error(path) == (
        f"{path} : clé « reseau.fichiers[0] » : {tmp_path / 'Connections.csv'} n'est pas en UTF-8 "
        "(octet 0xe9 à la ligne 2, colonne 4) ; réenregistrez-le en UTF-8"
    )


def test_export_path_with_a_nul_character_is_an_error_not_a_traceback(tmp_path):
    path = tmp_path / "tamis.toml"
    path.write_text('[reseau]\nfichiers = ["a\\u0000b.csv"]\n', encoding="utf-8")
    assert context_error(path).endswith("chemin invalide (caractère nul) ; vérifiez le chemin")


def test_unreadable_invitation_files(tmp_path):
    (missing,) = read_invitations(tmp_path / "absent.jsonl", name="absent.jsonl")
    (folder,) = read_invitations(tmp_path, name="dossier")
    assert missing.errors == ("fichier introuvable ; vérifiez le chemin et le nom du fichier",)
    assert folder.errors == ("c'est un dossier ; donnez le chemin d'un fichier",)
    assert missing.location == "absent.jsonl" and folder.location == "dossier"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"id": "a", "message": "\x01"}', "caractère de contrôle dans un texte (écrivez \\n, \\t)"),
        ('{"id": "a", "message": "\\q"}', "séquence d'échappement invalide (pour « \\ » dans un texte, écrivez « \\\\ »)"),
        ('{"id": "a", "message": "\\ud800"}', "séquence \\u invalide (demi-caractère Unicode isolé)"),
        ('{"id": "a", "sens": entrante}', "caractère inattendu"),
        ('{"id": "a", "message": tru}', "mot inconnu : seuls true, false et null s'écrivent sans guillemets"),
        ('{"id": "a", "expediteur": {"connexions": 012}}', "nombre commençant par 0 (écrivez 1, pas 01)"),
        ('{"id": "a", "expediteur": {"connexions": -}}', "nombre incomplet (chiffre attendu)"),
        ('{"id": "a", "expediteur": {"connexions": 1e999}}', "nombre trop grand"),
        ('{"id": "a"} x', "données en trop après l'objet"),
        ('{"id": "a",}', "virgule en trop"),
        ('{"id": "a"', "fin de données inattendue"),
    ],
)  # fmt: skip
def test_json_lines_syntax_errors_are_explained_in_french(line, reason):
    records = list(read_invitations(io.StringIO(f'{{"id": "ok"}}\n{line}\n'), name="lot.jsonl"))
    (error,) = records[1].errors
    assert error.startswith("JSON invalide, colonne ") and error.endswith(f"({reason})")
    assert records[1].location == "lot.jsonl:2"


@pytest.mark.parametrize(
    "message",
    [
        "Expecting ',' delimiter", "Expecting ':' delimiter", "Expecting value",
        "Expecting property name enclosed in double quotes", "Unterminated string starting at",
        "Invalid control character at", "Invalid \\escape", "Invalid \\uXXXX escape", "Extra data",
    ],
)  # fmt: skip
def test_json_array_reader_messages_are_translated(message):
    assert json_reason(message) != "syntaxe invalide"
    assert_french(json_reason(message))


def test_unreadable_csv_row_says_why_and_the_batch_goes_on():
    header = "From,To,Sent At,Message,Direction\n"
    huge = '"' + "x" * 140_000 + '"'
    text = header + f"A,B,1/29/26,{huge},INCOMING\n" + 'C,D,"1/29/26, 2:37 PM",Salut,INCOMING\n'
    records = list(read_invitations(io.StringIO(text), name="Invitations.csv"))
    assert records[0].location == "Invitations.csv:2"
    assert records[0].errors == (
        "ligne CSV illisible (champ de plus de 131 072 caractères : guillemet mal fermé ?)",
    )
    assert records[-1].invitation is not None and records[-1].invitation.message == "Salut"


def test_export_without_its_header_asks_whether_it_is_the_right_file(tmp_path):
    path = tmp_path / "tamis.toml"
    path.write_text('[reseau]\nfichiers = ["x.csv"]\n', encoding="utf-8")
    (tmp_path / "x.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert context_error(path).endswith(
        "en-tête de Connections.csv introuvable (colonnes « First Name », « Last Name », « URL »), "
        "2 lignes lues ; est-ce bien le fichier Connections.csv de l'export LinkedIn ?"
    )
