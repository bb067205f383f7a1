"""French wording of the errors Python raises while reading the user's files.

Used by the readers of the domain (``context`` for tamis.toml and its export files,
``reader`` for invitation files): the operating system, the UTF-8 decoder, ``tomllib``,
``json`` and ``orjson`` explain themselves in English, and users read French. Each function
returns what went wrong and what to do about it; the caller names the file and the key or
record.
"""

from __future__ import annotations

import codecs
import errno
import re
import tomllib

from tamis.invitations.files import TooLarge

_OS_ERRORS: dict[type[OSError], str] = {
    FileNotFoundError: "fichier introuvable ; vérifiez le chemin et le nom du fichier",
    PermissionError: "lecture refusée ; vérifiez les droits d'accès au fichier",
    IsADirectoryError: "c'est un dossier ; donnez le chemin d'un fichier",
    NotADirectoryError: "un élément du chemin n'est pas un dossier ; vérifiez le chemin",
}


def os_error(error: OSError | ValueError) -> str:
    """Why a file could not be opened or read, and what to do (``ValueError``: a NUL in the
    path, which ``open`` refuses)."""
    if isinstance(error, TooLarge):  # it says why itself
        return str(error)
    if isinstance(error, ValueError):
        return "chemin invalide (caractère nul) ; vérifiez le chemin"
    for kind, text in _OS_ERRORS.items():
        if isinstance(error, kind):
            return text
    code = errno.errorcode.get(error.errno or 0, "inconnue")
    return f"erreur du système ({code}) ; vérifiez que le fichier est lisible"


ZIP_SIGNATURE = b"PK\x03\x04"
"""How a ZIP archive starts: LinkedIn's export as it is downloaded, or an Excel workbook
(.xlsx), given where a CSV file is read."""


def zip_archive(wanted: str) -> str:
    """Why a ZIP archive is not read where a CSV file is (``wanted``: the file to give)."""
    return (
        "c'est une archive ZIP (l'export LinkedIn tel que téléchargé, ou un classeur Excel"
        f" .xlsx) : décompressez-la et donnez {wanted}, ou enregistrez le classeur en"
        " « CSV UTF-8 »"
    )


def not_utf8(error: UnicodeDecodeError) -> str:
    """Where a file stops being UTF-8, and what to do."""
    return not_utf8_at(_place(error.object, error.start))


def not_utf8_at(place: str) -> str:
    """« n'est pas en UTF-8 (``place``) ; réenregistrez-le en UTF-8 »: one wording for every
    input (a file's line and position, a CSV row's column)."""
    return f"n'est pas en UTF-8 ({place}) ; réenregistrez-le en UTF-8"


def _place(data: bytes, start: int) -> str:
    """« octet 0xe9 à la ligne 2, colonne 9 » for the first undecodable byte of ``data``: the
    column in characters of its line (a leading byte-order mark is no character)."""
    line = data.count(b"\n", 0, start) + 1
    begins = data.rfind(b"\n", 0, start) + 1
    before = data[begins:start] if begins else data[:start].removeprefix(codecs.BOM_UTF8)
    column = len(before.decode("utf-8", "replace")) + 1
    return f"octet 0x{data[start]:02x} à la ligne {line}, colonne {column}"


_TOML_REASONS: tuple[tuple[str, str], ...] = (
    (r"Expected '=' after a key", "« = » attendu après la clé (clé = valeur)"),
    (r"Expected '\]' at the end of a table", "« ] » attendu pour fermer le nom de la table"),
    (r"Expected '\]\]' at the end of an array", "« ]] » attendu pour fermer le nom de la table"),
    (r"Expected newline or end of document", "une seule déclaration par ligne"),
    (
        r"Unterminated string|Expected (\"'+\"|'\"+')",
        "texte non terminé (guillemet fermant manquant)",
    ),
    (r"Unclosed array", "liste non fermée (« ] » manquant)"),
    (r"Unclosed inline table", "table en ligne non fermée (« } » manquant)"),
    (r"Invalid initial character for a key", "nom de clé invalide (lettres, chiffres, _ ou -)"),
    (r"Invalid value", "valeur invalide (texte entre guillemets, nombre, true/false ou liste)"),
    (r"Invalid date or datetime", "date invalide"),
    (r"Invalid statement", "ligne invalide (attendu : [table] ou clé = valeur)"),
    (r"Cannot declare .* twice", "table déclarée deux fois"),
    (r"Cannot overwrite a value", "clé déjà définie"),
    (r"Cannot (mutate|redefine)", "table déjà définie autrement"),
    (r"Duplicate inline table key", "clé en double dans la table en ligne"),
    (r"Unescaped '\\' in a string", "« \\ » seul dans un texte : écrivez « \\\\ »"),
    (r"Invalid hex value|Escaped character is not", "séquence \\u invalide dans un texte"),
    (  # a newline inside "…": tomllib names the character, the user forgot a quote
        r"Illegal character '\\n'",
        "texte non terminé avant la fin de la ligne (guillemet fermant manquant)",
    ),
    (r"Illegal character|Found invalid character", "caractère interdit"),
    (r"Expected ", "caractère inattendu"),
)
_TOML_POSITION = re.compile(r"\(at (?:line (\d+), column (\d+)|end of document)\)")


def toml_error(error: tomllib.TOMLDecodeError) -> str:
    """Where the TOML syntax is wrong, and why, in French."""
    message = str(error)
    found = _TOML_POSITION.search(message)
    if found is None:
        where = "position inconnue"
    elif found[1]:
        where = f"ligne {found[1]}, colonne {found[2]}"
    else:
        where = "fin du fichier"
    reason = next((fr for en, fr in _TOML_REASONS if re.match(en, message)), "syntaxe invalide")
    return f"{where} : {reason}"


# Fragments of the messages of ``orjson`` and ``json`` (matched in this order, lower case).
_JSON_REASONS: tuple[tuple[str, str], ...] = (
    ("expecting ',' delimiter", "virgule attendue"),
    ("expecting ':' delimiter", "« : » attendu"),
    ("expecting property name", "nom de champ entre guillemets attendu"),
    ("expecting value", "valeur attendue"),
    ("unterminated string", "texte non terminé (guillemet fermant manquant)"),
    ("extra data", "données en trop après l'objet"),
    ("unexpected content after document", "données en trop après l'objet"),
    ("invalid control character", "caractère de contrôle dans un texte"),
    ("unexpected control character", "caractère de contrôle dans un texte (écrivez \\n, \\t)"),
    ("unexpected end of data", "fin de données inattendue"),
    ("invalid literal", "mot inconnu : seuls true, false et null s'écrivent sans guillemets"),
    ("unexpected character", "caractère inattendu"),
    ("trailing comma", "virgule en trop"),
    ("key must be a string", "nom de champ entre guillemets attendu"),
    ("escape", "séquence d'échappement invalide (pour « \\ » dans un texte, écrivez « \\\\ »)"),
    ("surrogate", "séquence \\u invalide (demi-caractère Unicode isolé)"),
    ("leading zero", "nombre commençant par 0 (écrivez 1, pas 01)"),
    ("digit after", "nombre incomplet (chiffre attendu)"),
    ("infinity", "nombre trop grand"),
)


def json_reason(message: str) -> str:
    """Why ``orjson`` or ``json`` could not read a document, in French."""
    lowered = message.casefold()
    for english, french in _JSON_REASONS:
        if english in lowered:
            return french
    return "syntaxe invalide"
