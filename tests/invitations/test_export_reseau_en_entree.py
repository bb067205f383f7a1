"""Connections.csv or messages.csv (the user's network, read through the context) given to
decider as invitations: « format non reconnu » alone left the user guessing; now the
error names the export and says where it goes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tamis.invitations.reader import read_invitations

EXAMPLES = Path(__file__).resolve().parents[2] / "policies" / "exemples"
UNKNOWN = "format non reconnu : ni JSON, ni JSON Lines, ni Invitations.csv de LinkedIn"


@pytest.mark.parametrize("export", ["Connections.csv", "messages.csv"])
def test_a_network_export_is_named_with_where_it_goes(export: str) -> None:
    (record,) = read_invitations(EXAMPLES / export, name=export)
    assert record.errors == (
        f"{UNKNOWN} ; c'est l'export {export} (votre réseau), pas des invitations : nommez-le"
        f' dans votre contexte ([reseau] fichiers = ["{export}"], --contexte) et donnez'
        " Invitations.csv ici",
    )


def test_another_csv_is_still_only_unknown(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("First Name,Company\nZoé,Ludis\n", encoding="utf-8")
    (record,) = read_invitations(tmp_path / "x.csv", name="x.csv")
    assert record.errors == (UNKNOWN,)
