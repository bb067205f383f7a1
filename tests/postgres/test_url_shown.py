"""The journal's URL as users see it: never its password, whatever the password holds."""

from __future__ import annotations

import pytest

from tamis.audit.postgres.url import scrubbed, shown


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://bob:ab#cd@hote/tamis", "postgresql://bob@hote/tamis"),
        ("postgresql://bob:ab/cd@hote:5433/tamis", "postgresql://bob@hote:5433/tamis"),
        ("postgresql://bob:ab?cd@hote/tamis", "postgresql://bob@hote/tamis"),
        ("postgresql://bob:a@b@hote/tamis", "postgresql://bob@hote/tamis"),
        ("postgresql://hote/tamis?user=x&password=p#q", "postgresql://hote/tamis?user=x"),
        ("postgres://bob:s3cr%zzet@127.0.0.1:1/tamis", "postgres://bob@127.0.0.1:1/tamis"),
        ("postgresql://bob@hote/tamis", "postgresql://bob@hote/tamis"),
        ("postgresql://hote/tamis?options=a@b", "postgresql://hote/tamis?options=a%40b"),
        ("postgresql://h:5432/db?options=a@b", "postgresql://h:5432/db?options=a%40b"),
        ("postgresql://bob@h:5432/db?options=a@b", "postgresql://bob@h:5432/db?options=a%40b"),
        ("postgresql://bob:pw@h:5432/db?options=a@b", "postgresql://bob@h:5432/db?options=a%40b"),
        ("postgresql://bo/b:pw@hote/tamis", "postgresql://bo/b@hote/tamis"),
        ("postgresql://bob:a/b?c@hote/tamis", "postgresql://bob@hote/tamis"),
        ("postgresql://bob:a/b@hote/db?options=a@b", "postgresql://bob@hote/db?options=a%40b"),
        # a socket's folder as written, not %2F…; a space as libpq reads it back, not « + »
        ("postgresql:///tamis?host=/run/postgresql", "postgresql:///tamis?host=/run/postgresql"),
        (
            "postgresql://h/db?options=-c%20search_path%3Djade&password=x",
            "postgresql://h/db?options=-c%20search_path%3Djade",
        ),
    ],
)
def test_the_password_is_never_shown(url: str, expected: str) -> None:
    assert shown(url) == expected


def test_a_server_message_quoting_the_password_is_scrubbed() -> None:
    url = "postgresql://bob:s3cr%zzet@hote/tamis"
    message = 'invalid percent-encoded token: "s3cr%zzet"'
    assert scrubbed(message, url) == 'invalid percent-encoded token: "***"'
    assert scrubbed("mot de passe p@ss", "postgresql://bob:p%40ss@hote/t") == "mot de passe ***"


def test_an_at_sign_in_the_query_is_no_password() -> None:
    url = "postgresql://bob:pw@h:5432/db?options=a@b"
    assert scrubbed("pw 5432 options=a", url) == "*** 5432 options=a"
