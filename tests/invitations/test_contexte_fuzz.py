"""Fuzzing the context file and its LinkedIn exports: any bytes give a ``Context`` or a French
``ContextError`` naming the file, never another exception; readable contacts are never lost."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tamis.invitations.context import ContextError, load_context

VALID = (
    '[moi]\nnom = "Jade Bérubé Morin"\ndomaines = ["marketing"]\n'
    '[reseau]\ncontacts = ["Marc-André Gagnon"]\nfichiers = ["Connections.csv"]\n'
    "[parametres]\nconnexions_min = 50\nseuil_commercial = 0.5\n"
)
HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
PIECES = [
    "[", "]", "=", '"', "'", "\n", "\r\n", "\r", "#", ",", "nan", "inf", "-inf", "1e999",
    "-5", "0.5", "true", "[parametres]", "connexion_min = 3", "[reseau]", "fichiers = [",
    '"Connections.csv"', '"absent.csv"', '"../"', "{a = 1}", "\x00", "\ufeff", "é", "\\u",
]  # fmt: skip
CSV_PIECES = ['"', ",", "\n", "\r", "Ana", "Lima", "https://www.linkedin.com/in/x", '""', "\x00"]


@st.composite
def mutated(draw, text: str, pieces: list[str]) -> str:
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(st.sampled_from(pieces) | st.text(max_size=3)) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 8)) :]
    return text


def load(toml: bytes, connections: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tamis.toml"
        path.write_bytes(toml)
        (Path(folder) / "Connections.csv").write_bytes(connections)
        try:
            return load_context(path), None
        except ContextError as error:
            assert str(error).startswith(f"{path} : "), str(error)
            return None, str(error)


CONTACTS = HEADER + "Ana,Lima,https://www.linkedin.com/in/ana,,,,22 Jan 2026\n"


@settings(max_examples=200, deadline=None)
@given(mutated(VALID, PIECES))
def test_a_mutated_context_file_loads_or_is_a_french_error(text):
    load(text.encode("utf-8", "surrogatepass"), CONTACTS.encode())


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_as_a_context_file(data):
    load(data, CONTACTS.encode())


@settings(max_examples=200, deadline=None)
@given(mutated(CONTACTS + "Bo,Chen,https://www.linkedin.com/in/bo,,,,23 Jan 2026\n", CSV_PIECES))
def test_a_mutated_connections_export_never_loses_a_contact_silently(rows):
    context, error = load(VALID.encode(), rows.encode("utf-8", "surrogatepass"))
    if context is None:
        assert error is not None
        return
    data_lines = max(0, rows.replace("\r\n", "\n").replace("\r", "\n").count("\n") - 1)
    people = len({*context.network.names} - {"marc-andre gagnon", "marc andre gagnon"})
    assert people + len(context.warnings) >= min(1, data_lines) or not rows.strip()


MESSAGES = (
    "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,"
    "DATE,SUBJECT,CONTENT,FOLDER\n"
    "c1,,Léa Roy,https://www.linkedin.com/in/lea,Jade Bérubé Morin,,2025-11-03,,"
    '"Bonjour,\nà bientôt",INBOX\n'
    "c1,,Jade Bérubé Morin,,Léa Roy,https://www.linkedin.com/in/lea,2025-11-04,,Salut,INBOX\n"
)


@settings(max_examples=150, deadline=None)
@given(mutated(MESSAGES, CSV_PIECES))
def test_a_mutated_messages_export_loads_or_is_a_french_error(rows):
    toml = '[moi]\nnom = "Jade Bérubé Morin"\n[reseau]\nfichiers = ["messages.csv"]\n'
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tamis.toml"
        path.write_text(toml, encoding="utf-8")
        (Path(folder) / "messages.csv").write_bytes(rows.encode("utf-8", "surrogatepass"))
        try:
            context = load_context(path)
        except ContextError as error:
            assert str(error).startswith(f"{path} : "), str(error)
            return
        assert all(w.startswith("messages.csv : ligne ") for w in context.warnings)
