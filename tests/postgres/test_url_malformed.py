"""A journal address libpq cannot read is named as such, in French, without its password;
no server is asked (these tests need none), and waiting would fix nothing."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from tamis.audit.errors import JournalError, JournalUnavailable
from tamis.audit.postgres.url import connect
from tamis.cli.main import cli


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://bob:s3cret@[::1/tamis",
            "postgresql://bob@[::1/tamis mal écrite : le « ] » qui ferme l'adresse IPv6 manque.",
        ),
        (
            "postgresql://bob:s3cret@127.0.0.1:99999/tamis",
            "mal écrite : port « 99999 » invalide (un nombre de 1 à 65535).",
        ),
        (
            "postgresql://bob:s3cret@127.0.0.1:abc/tamis",
            "mal écrite : « port » demande un nombre entier, pas « abc ».",
        ),
        (
            "postgres://bob:s3cret@127.0.0.1:1/tamis?sslmode=toujours",
            "mal écrite : valeur « toujours » invalide pour « sslmode ».",
        ),
        (
            "postgresql://bob:s3cret@127.0.0.1:1/tamis?shema=espace",
            "mal écrite : paramètre « shema » inconnu de PostgreSQL.",
        ),
        (
            "postgresql://bob:s3cret@127.0.0.1:1/tamis?sslmode",
            "mal écrite : le paramètre « sslmode » n'a pas de valeur (« sslmode=… »).",
        ),
        ("postgresql://bob:s3cret@[]/tamis", "mal écrite : adresse IPv6 vide entre crochets."),
        (
            "postgresql://bob:s3c%zzret@127.0.0.1:1/tamis",
            "mal écrite : un « % » doit être suivi de deux chiffres hexadécimaux.",
        ),
    ],
)
def test_a_malformed_address_is_named_in_french_without_its_password(url, expected):
    result = CliRunner().invoke(cli, ["journal", "stats", "--journal", url], prog_name="tamis")
    assert result.exit_code == 1
    assert "Erreur : adresse du journal PostgreSQL postgres" in result.output
    assert expected in result.output
    assert "s3c" not in result.output and not re.search(r"\binvalid\b|URI", result.output)
    with pytest.raises(JournalError) as refused:
        connect(url)
    assert not isinstance(refused.value, JournalUnavailable)  # the service answers no 503


def test_an_unknown_host_is_named_in_french():
    url = "postgresql://bob:s3cret@hote-inconnu.invalid/tamis"
    result = CliRunner().invoke(cli, ["journal", "verifier", "--journal", url])
    assert result.exit_code == 1
    assert result.output == (
        "Erreur : journal PostgreSQL postgresql://bob@hote-inconnu.invalid/tamis injoignable : "
        "nom d'hôte inconnu.\n"
    )
